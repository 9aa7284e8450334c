/**
 * The authorization matrix: every session-scoped endpoint × {admin, manager read+write, manager
 * read, manager without access, admin of another company, no token} → the expected status; and
 * which sockets receive which events.
 */
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { connectSocket, eventually, type EventRecorder } from './helpers/socket.js';

type Role = 'admin' | 'rw' | 'r' | 'none' | 'other' | 'anon';
const ROLES: Role[] = ['admin', 'rw', 'r', 'none', 'other', 'anon'];

let t: TestApp;
let actors: Record<Exclude<Role, 'anon'>, Actor>;
let sessionId: string;
let chatId: string;
let baseUrl: string;
const sockets: Socket[] = [];

const call = async (role: Role, method: string, url: string, payload?: unknown): Promise<number> => {
  const headers = role === 'anon' ? {} : actors[role].headers;
  const res = await t.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) });
  if (res.statusCode >= 500) throw new Error(`${method} ${url} as ${role} → ${res.statusCode} ${res.body}`);
  return res.statusCode;
};

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
  await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: admin.headers, payload: { from: '77012223344', body: 'hi' } });
  chatId = await eventually(async () => {
    const res = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/chats`, headers: admin.headers });
    return (res.json().data as { id: string }[])[0]?.id;
  });

  await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

// Expected status per role, in ROLES order: admin, rw, r, none, other, anon.
const READ = [200, 200, 200, 404, 404, 401];
const WRITE = [200, 200, 403, 404, 404, 401];
const ADMIN_ONLY = [200, 403, 403, 403, 404, 401];

describe('REST authorization matrix', () => {
  const S = () => `/api/whatsapp/sessions/${sessionId}`;
  const C = () => `${S()}/chats/${chatId}`;
  const cases: [string, () => [string, string, unknown?], number[]][] = [
    ['list sessions', () => ['GET', '/api/whatsapp/sessions'], [200, 200, 200, 200, 200, 401]],
    ['get session', () => ['GET', S()], READ],
    ['session health', () => ['GET', `${S()}/health`], READ],
    ['rename session', () => ['PATCH', S(), { displayName: 'Matrix line' }], ADMIN_ONLY],
    ['qr of a connected session', () => ['GET', `${S()}/qr`], [409, 403, 403, 403, 404, 401]],
    ['list chats', () => ['GET', `${S()}/chats`], READ],
    ['get chat', () => ['GET', C()], READ],
    ['list messages', () => ['GET', `${C()}/messages`], READ],
    ['send message', () => ['POST', `${C()}/messages`, { message: 'hello', type: 'text' }], [201, 201, 403, 404, 404, 401]],
    ['mark read', () => ['POST', `${C()}/read`], WRITE],
    ['typing', () => ['POST', `${C()}/typing`, { isTyping: true }], WRITE],
    ['list managers', () => ['GET', `${S()}/managers`], ADMIN_ONLY],
    ['seed-004 list', () => ['GET', '/api/sessions'], [200, 403, 403, 403, 200, 401]],
    ['seed-004 stats', () => ['GET', `/api/sessions/${sessionId}/stats`], ADMIN_ONLY],
    ['seed-004 stats (alias)', () => ['GET', `/api/session/${sessionId}/stats`], ADMIN_ONLY],
    ['company stats', () => ['GET', '/api/whatsapp/stats'], [200, 200, 200, 200, 200, 401]],
    ['simulator typing', () => ['POST', `/api/simulator/sessions/${sessionId}/typing`, { chatId: '77012223344', isTyping: false }], ADMIN_ONLY],
    ['simulator sent', () => ['GET', `/api/simulator/sessions/${sessionId}/sent`], ADMIN_ONLY],
    ['list users', () => ['GET', '/api/users'], [200, 403, 403, 403, 200, 401]],
  ];

  it.each(cases)('%s', async (_name, request, expected) => {
    const [method, url, body] = request();
    const got: number[] = [];
    for (const role of ROLES) got.push(await call(role, method, url, body));
    expect(got).toEqual(expected);
  });

  it('destructive session actions: managers 403, other company 404, no token 401', async () => {
    for (const [method, path, body] of [
      ['POST', 'disconnect'],
      ['POST', 'restart'],
      ['POST', 'close', { reason: 'x' }],
      ['DELETE', ''],
      ['POST', 'managers', { managerId: actors.none.userId, permissions: ['read'] }],
    ] as const) {
      const url = path ? `/api/whatsapp/sessions/${sessionId}/${path}` : `/api/whatsapp/sessions/${sessionId}`;
      const got = [];
      for (const role of ['rw', 'r', 'none', 'other', 'anon'] as const) got.push(await call(role, method, url, body));
      expect(got, `${method} ${url}`).toEqual([403, 403, 403, 404, 401]);
    }
    expect(await call('other', 'DELETE', `/api/whatsapp/sessions/${sessionId}/managers/${actors.r.userId}`)).toBe(404);
    expect(await call('other', 'POST', `/api/sessions/${sessionId}/close`, {})).toBe(404);
    expect(await call('other', 'POST', `/api/sessions/${sessionId}/restart`)).toBe(404);
  });
});

describe('which sockets receive which events', () => {
  let recorders: Record<Exclude<Role, 'anon'>, EventRecorder>;

  beforeAll(async () => {
    const entries = await Promise.all(
      (Object.keys(actors) as Exclude<Role, 'anon'>[]).map(async (role) => {
        const { socket, events } = await connectSocket(baseUrl, actors[role].token);
        sockets.push(socket);
        return [role, events] as const;
      }),
    );
    recorders = Object.fromEntries(entries) as Record<Exclude<Role, 'anon'>, EventRecorder>;
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
