/**
 * Text PostgreSQL cannot store (U+0000): from an API caller it is a 400 naming the field, never a
 * 500 or a half-applied change; from a contact it is stored, visibly replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, registerCompany, type Actor, type TestApp } from './helpers/app.js';

describe('unstorable text', () => {
  let t: TestApp;
  let admin: Actor;
  let sessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerCompany(t, 'Nul Co');
    const created = await t.inject({ method: 'POST', url: '/api/whatsapp/sessions', headers: admin.headers, payload: { displayName: 'Main' } });
    sessionId = created.json().data.sessionId;
    await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/qr`, headers: admin.headers });
    const scan = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/scan`, headers: admin.headers, payload: { phoneNumber: '77070000001' } });
    expect(scan.statusCode).toBe(200);
    for (let i = 0; i < 50; i++) {
      const s = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers });
      if (s.json().data.status === 'connected') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => t?.close());

  const call = (method: 'POST' | 'PATCH', url: string, payload: object) => t.inject({ method, url, headers: admin.headers, payload });
  const field = (res: { statusCode: number; json(): { details?: { field: string }[] } }) => {
    expect(res.statusCode).toBe(400);
    return res.json().details?.map((d) => d.field);
  };

  it('refuses NUL in API input with a 400 that names the field', async () => {
    const chat = `/api/whatsapp/sessions/${sessionId}/chats/77010000009`;
    expect(field(await call('POST', '/api/whatsapp/sessions', { displayName: 'a\u0000b' }))).toEqual(['displayName']);
    expect(field(await call('PATCH', `/api/whatsapp/sessions/${sessionId}`, { displayName: 'a\u0000b' }))).toEqual(['displayName']);
    expect(field(await call('POST', `${chat}/messages`, { type: 'text', message: 'hi\u0000there' }))).toEqual(['message']);
    expect(field(await call('POST', `${chat}/messages`, { type: 'text', message: 'hi', replyTo: 'X\u0000' }))).toEqual(['replyTo']);
    expect(field(await call('POST', `${chat}/messages`, { type: 'document', message: 'cap\u0000', media: { base64: 'aGk=', fileName: 'a.pdf' } }))).toEqual(['message']);
    expect(field(await call('POST', `${chat}/messages`, { type: 'document', media: { base64: 'aGk=', fileName: 'a\u0000.pdf' } }))).toEqual(['media.fileName']);
    // A close with such a reason must not answer 200 while leaving the session connected.
    expect(field(await call('POST', `/api/whatsapp/sessions/${sessionId}/close`, { reason: 'r\u0000' }))).toEqual(['reason']);
    const s = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers });
    expect(s.json().data.status).toBe('connected');
  });

  it("stores a contact's message whatever it contains, NUL replaced visibly", async () => {
    const res = await call('POST', `/api/simulator/sessions/${sessionId}/inbound`, { from: '77010000002', fromName: 'Na\u0000me', body: 'evil\u0000text' });
    expect(res.statusCode).toBe(200);
    const messageId = res.json().data.messageId;
    const list = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/chats/77010000002/messages`, headers: admin.headers });
    expect(list.json().data).toEqual([expect.objectContaining({ messageId, body: 'evil\uFFFDtext', fromName: 'Na\uFFFDme' })]);
  });
});
