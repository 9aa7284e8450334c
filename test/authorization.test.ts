/**
 * Which sockets receive which events: admin, manager read+write, manager read, manager without
 * access, admin of another company. (REST: test/openapi-authorization.test.ts, generated.)
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { connectSocket, eventually, type EventRecorder } from './helpers/socket.js';

type Role = 'admin' | 'rw' | 'r' | 'none' | 'other';

let t: TestApp;
let actors: Record<Role, Actor>;
let sessionId: string;
let baseUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { SEND_RATE_PER_MINUTE: '10000' } });
  const admin = await registerCompany(t, 'Matrix Co');
  const other = await registerCompany(t, 'Other Co');
  const [rw, r, none] = await Promise.all([createUser(t, admin), createUser(t, admin), createUser(t, admin)]);
  actors = { admin, rw: rw!, r: r!, none: none!, other };

  const created = await t.inject({ method: 'POST', url: '/api/whatsapp/sessions', headers: admin.headers, payload: { displayName: 'Matrix line' } });
  sessionId = created.json().data.sessionId;
  await eventually(async () => (await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers })).json().data.status === 'qr');
  await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/scan`, headers: admin.headers, payload: { phoneNumber: '77070000002' } });
  await eventually(async () => (await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers })).json().data.status === 'connected');
  for (const [who, permissions] of [
    [rw, ['read', 'write']],
    [r, ['read']],
  ] as const) {
    const g = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/managers`, headers: admin.headers, payload: { managerId: who!.userId, permissions } });
    expect(g.statusCode).toBe(201);
  }

  baseUrl = await t.listen();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

describe('which sockets receive which events', () => {
  let recorders: Record<Role, EventRecorder>;

  beforeAll(async () => {
    const entries = await Promise.all(
      (Object.keys(actors) as Role[]).map(async (role) => {
        const { socket, events } = await connectSocket(baseUrl, actors[role].token);
        sockets.push(socket);
        return [role, events] as const;
      }),
    );
    recorders = Object.fromEntries(entries) as Record<Role, EventRecorder>;
  });

  it('a message reaches the admin and the managers who can read, no one else', async () => {
    const sent = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: actors.admin.headers, payload: { from: '77012223344', body: 'matrix message' } });
    expect(sent.statusCode, sent.body).toBe(200);
    for (const role of ['admin', 'rw', 'r'] as const) await recorders[role].wait('whatsapp:new-message', (e) => e.message.body === 'matrix message');
    await Promise.all([recorders.none.synced(), recorders.other.synced()]);
    expect(recorders.none.of('whatsapp:new-message')).toEqual([]);
    expect(recorders.other.of('whatsapp:new-message')).toEqual([]);
  });

  it('typing reaches readers; a grant reaches only that manager and the admins', async () => {
    await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/typing`, headers: actors.admin.headers, payload: { chatId: '77012223344', isTyping: true } });
    await recorders.r.wait('whatsapp:typing-status', (e) => e.isTyping);
    await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/managers`, headers: actors.admin.headers, payload: { managerId: actors.none.userId, permissions: ['read'] } });
    await recorders.none.wait('whatsapp:manager-access-granted', (e) => e.managerId === actors.none.userId);
    await recorders.admin.wait('whatsapp:manager-access-granted', (e) => e.managerId === actors.none.userId);
    await Promise.all([recorders.rw.synced(), recorders.other.synced(), recorders.none.synced()]);
    expect(recorders.rw.of('whatsapp:manager-access-granted')).toEqual([]);
    expect(recorders.other.of('whatsapp:manager-access-granted')).toEqual([]);
    expect(recorders.other.of('whatsapp:typing-status')).toEqual([]);
    expect(recorders.none.of('whatsapp:typing-status')).toEqual([]);

    // The new grant acts on the live socket at once.
    await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: actors.admin.headers, payload: { from: '77012223344', body: 'now you see it' } });
    await recorders.none.wait('whatsapp:new-message', (e) => e.message.body === 'now you see it');
  });
});
