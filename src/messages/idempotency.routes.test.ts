/**
 * Idempotency-Key on sends: authorized first, scoped to the caller and the chat, and a request cut
 * off by a crash answers the stored state of its message instead of 409 forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, linkSession, registerCompany, type Actor, type TestApp } from '../../test/helpers/app.js';
import { openFreshDatabase } from '../../test/helpers/databases.js';
import type { Database } from '../db/client.js';
import { idempotencyKeys, messages } from '../db/schema/index.js';

describe('Idempotency-Key', () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let t: TestApp;
  let admin: Actor;
  let writer: Actor;
  let reader: Actor;
  let stranger: Actor;
  let sessionId: string;

  const chat = (jid = '77010000001') => `/api/whatsapp/sessions/${sessionId}/chats/${jid}/messages`;
  const send = (actor: Actor, key: string, text: string, jid?: string) =>
    t.inject({ method: 'POST', url: chat(jid), headers: { ...actor.headers, 'idempotency-key': key }, payload: { type: 'text', message: text } });
  const sentCount = async () => (await t.inject({ method: 'GET', url: `/api/simulator/sessions/${sessionId}/sent`, headers: admin.headers })).json().data.filter((r: { kind: string }) => r.kind === 'message').length;

  beforeAll(async () => {
    ({ database, cleanup } = await openFreshDatabase('pglite'));
    t = await createTestApp({ database });
    admin = await registerCompany(t, 'Idem Co');
    [writer, reader, stranger] = await Promise.all([createUser(t, admin), createUser(t, admin), createUser(t, admin)]);
    sessionId = await linkSession(t, admin, 'Idem line');
    for (const [who, permissions] of [
      [writer, ['read', 'write']],
      [reader, ['read']],
    ] as const) {
      expect((await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/managers`, headers: admin.headers, payload: { managerId: who.userId, permissions } })).statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  it('the same key twice answers the first result and sends once', async () => {
    const first = await send(writer, 'order-1', 'Your order shipped');
    const again = await send(writer, 'order-1', 'Your order shipped');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().data).toEqual(first.json().data);
    expect(await sentCount()).toBe(1);
  });

  it('authorizes before looking at the key: a reader, a manager without access and another company cannot replay it', async () => {
    expect((await send(reader, 'order-1', 'x')).statusCode).toBe(403);
    expect((await send(stranger, 'order-1', 'x')).statusCode).toBe(404);
    const outsider = await registerCompany(t, 'Outside Co');
    expect((await send(outsider, 'order-1', 'x')).statusCode).toBe(404);
  });

  it('a key is the caller\'s own: another writer\'s equal key is a different request, and reusing one\'s own for another chat is 409', async () => {
    const res = await send(admin, 'order-1', 'The admin writes too');
    expect(res.statusCode).toBe(201);
    expect(res.json().data.body).toBe('The admin writes too');
    const reused = await send(writer, 'order-1', 'Elsewhere', '77010000002');
    expect(reused.statusCode).toBe(409);
    expect(reused.json().code).toBe('idempotency_key_reused');
  });

  it('after a crash mid-send, the key answers the stored (reconciled) state; a key that stored nothing runs afresh', async () => {
    // What a process killed between storing its message and hearing WhatsApp leaves behind.
    const past = new Date(Date.now() - 60_000);
    const [row] = await database.db.select().from(messages).limit(1);
    await database.db.insert(messages).values({ ...row!, id: 'cinterrupted0000000000001', waMessageId: 'INTERRUPTED1', status: 'pending', createdAt: past, updatedAt: past });
    await database.db.insert(idempotencyKeys).values([
      { companyId: writer.companyId, userId: writer.userId, key: 'cut-off', sessionId, target: '77010000001@c.us', ref: 'INTERRUPTED1', createdAt: past },
      { companyId: writer.companyId, userId: writer.userId, key: 'never-stored', sessionId, target: '77010000001@c.us', createdAt: past },
    ]);
    // A restart: the new process reconciles what the old one left.
    await t.app.close();
    t = await createTestApp({ database });

    const cut = await send(writer, 'cut-off', 'whatever');
    expect(cut.statusCode).toBe(201);
    expect(cut.json().data).toMatchObject({ messageId: 'INTERRUPTED1', status: 'failed' });
    const messagesOf = await t.inject({ method: 'GET', url: chat(), headers: admin.headers });
    expect(messagesOf.json().data.find((m: { messageId: string }) => m.messageId === 'INTERRUPTED1')).toMatchObject({
      status: 'failed',
      errorMessage: expect.stringMatching(/stopped before WhatsApp confirmed/),
    });
    const fresh = await send(writer, 'never-stored', 'Sent after all');
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().data).toMatchObject({ body: 'Sent after all', status: 'sent' });
  });
});
