/** Our edits follow WhatsApp's window: 15 minutes from sending, then 409; deletion has no window. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, linkSession, registerCompany, type Actor, type TestApp } from '../../test/helpers/app.js';

describe('editing our own messages', () => {
  let t: TestApp;
  let admin: Actor;
  let sessionId: string;
  let now = Date.parse('2026-12-02T09:00:00Z');
  const base = () => `/api/whatsapp/sessions/${sessionId}/chats/77015550999/messages`;

  beforeAll(async () => {
    t = await createTestApp({ overrides: { clock: { now: () => new Date(now) } } });
    admin = await registerCompany(t, 'Window Co');
    sessionId = await linkSession(t, admin, 'Window line');
  });
  afterAll(async () => t?.close());

  const send = async (text: string) => {
    const res = await t.inject({ method: 'POST', url: base(), headers: admin.headers, payload: { type: 'text', message: text } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.messageId as string;
  };
  const edit = (id: string, message: string) => t.inject({ method: 'PATCH', url: `${base()}/${id}`, headers: admin.headers, payload: { message } });

  it('within 15 minutes an edit goes through; after them it is refused, and deleting still works', async () => {
    const id = await send('first text');
    now += 14 * 60_000;
    expect((await edit(id, 'edited in time')).statusCode).toBe(200);
    now += 2 * 60_000;
    const late = await edit(id, 'too late');
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('edit_window_passed');
    const del = await t.inject({ method: 'DELETE', url: `${base()}/${id}`, headers: admin.headers });
    expect(del.statusCode).toBe(200);
    expect(del.json().data).toMatchObject({ isDeleted: true, body: null, isEdited: true });
  });
});
