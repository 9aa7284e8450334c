/**
 * Socket.IO handshake over a real listening server: token checks, rooms, and the removal of a
 * user's live sockets.
 */
import { createSigner } from 'fast-jwt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_EVENT_NAMES } from '../src/realtime/socket-events.js';
import { createTestApp, createUser, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { routeDatabaseKinds } from './helpers/databases.js';

/** Beyond the seeds (docs/api.md "Message kinds and fields"). */
const CONTRACT_ADDITIONS = ['whatsapp:message-updated'];
const SEED_EVENTS = [
  'whatsapp:new-message',
  'whatsapp:chat-updated',
  'whatsapp:qr-updated',
  'whatsapp:session-connected',
  'whatsapp:session-disconnected',
  'whatsapp:stats-updated',
  'whatsapp:typing-status',
  'whatsapp:message-status',
  'whatsapp:session-error',
  'whatsapp:send-error',
  'whatsapp:manager-access-granted',
  'whatsapp:manager-access-revoked',
];

describe('the typed event map', () => {
  it("has exactly the 12 seed event names and the contract's additions", () => {
    const names = [...SEED_EVENTS, ...CONTRACT_ADDITIONS];
    expect(SOCKET_EVENT_NAMES).toHaveLength(names.length);
    expect(new Set(SOCKET_EVENT_NAMES).size).toBe(names.length);
    expect([...SOCKET_EVENT_NAMES].sort()).toEqual(names.sort());
  });
});

/** Resolves when `check` holds, or fails after `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(await routeDatabaseKinds())('socket handshake on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let admin: Actor;
  let manager: Actor;
  const sockets: Socket[] = [];

  /** Connects exactly as the seed's client does (no reconnection, so failures stay failures). */
  const open = (auth: Record<string, unknown> | undefined): Socket => {
    const s = io(url, {
      transports: ['websocket', 'polling'],
      path: '/socket.io/',
      ...(auth ? { auth } : {}),
      reconnection: false,
      forceNew: true,
      timeout: 5000,
    });
    sockets.push(s);
    return s;
  };
  const connect = (token: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = open({ token });
      const timer = setTimeout(() => reject(new Error('no connect within 10 s')), 10_000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('connect_error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  const refused = (auth: Record<string, unknown> | undefined): Promise<Error> =>
    new Promise((resolve, reject) => {
      const s = open(auth);
      const timer = setTimeout(() => reject(new Error('neither connect_error nor connect within 10 s')), 10_000);
      s.once('connect', () => {
        clearTimeout(timer);
        reject(new Error('connected although it should have been refused'));
      });
      s.once('connect_error', (err) => {
        clearTimeout(timer);
        resolve(err);
      });
    });
  /** Socket.IO hands the server's `data` to the client with the refusal. */
  const codeOf = (err: Error): unknown => (err as Error & { data?: { code?: unknown } }).data?.code;
  const roomMembers = async (room: string): Promise<string[]> => (await t.app.gateway.io.in(room).fetchSockets()).map((s) => s.id);

  beforeAll(async () => {
    t = await createTestApp({ db: kind });
    url = await t.listen();
    admin = await registerCompany(t, 'Socket Co');
    manager = await createUser(t, admin, 'manager');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  it('an admin connects and joins user:<id> and admins:<companyId>', async () => {
    const s = await connect(admin.token);
    expect(s.connected).toBe(true);
    await until(async () => (await roomMembers(`admins:${admin.companyId}`)).includes(s.id!), 5000, 'admin room');
    expect(await roomMembers(`user:${admin.userId}`)).toContain(s.id);
    const [server] = await t.app.gateway.io.in(s.id!).fetchSockets();
    expect(server?.data).toEqual({ userId: admin.userId, companyId: admin.companyId, role: 'admin', issuedAt: expect.any(Number), expiresAt: expect.any(Number) });
  });

  it('accepts the token with a "Bearer " prefix too', async () => {
    const s = await connect(`Bearer ${admin.token}`);
    await until(async () => (await roomMembers(`user:${admin.userId}`)).includes(s.id!), 5000, 'user room');
  });

  it('a manager joins its user room but not the admins room', async () => {
    const s = await connect(manager.token);
    await until(async () => (await roomMembers(`user:${manager.userId}`)).includes(s.id!), 5000, 'user room');
    expect(await roomMembers(`admins:${admin.companyId}`)).not.toContain(s.id);
    const [server] = await t.app.gateway.io.in(s.id!).fetchSockets();
    expect([...(server?.rooms ?? [])].filter((r) => r !== s.id).sort()).toEqual([`company:${manager.companyId}`, `user:${manager.userId}`]);
  });

  it('refuses a missing token', async () => {
    for (const auth of [undefined, { token: '' }, { token: 42 }]) {
      const err = await refused(auth);
      expect(err.message).toMatch(/^unauthorized/);
      expect(codeOf(err)).toBe('missing_token');
    }
  });

  it('refuses a forged token', async () => {
    const forged = createSigner({ key: 'not-the-server-secret-not-the-server-secret', algorithm: 'HS256', expiresIn: 60_000 })({
      sub: admin.userId,
      cid: admin.companyId,
      role: 'admin',
      typ: 'access',
    });
    for (const token of [forged, 'garbage']) {
      const err = await refused({ token });
      expect(err.message).toMatch(/^unauthorized/);
      expect(codeOf(err)).toBe('invalid_token');
    }
    // Right signature, but claims a role the user does not have.
    const sign = createSigner({ key: t.app.config.jwtSecret!, algorithm: 'HS256', expiresIn: 60_000 });
    const escalated = sign({ sub: manager.userId, cid: manager.companyId, role: 'admin', typ: 'access' });
    const err = await refused({ token: escalated });
    expect(err.message).toMatch(/^unauthorized/);
    expect(codeOf(err)).toBe('user_not_found');
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = createSigner({ key: t.app.config.jwtSecret!, algorithm: 'HS256' });
    const expired = sign({ sub: admin.userId, cid: admin.companyId, role: 'admin', typ: 'access', iat: now - 3600, exp: now - 10 });
    const err = await refused({ token: expired });
    expect(err.message).toMatch(/^unauthorized/);
    expect(err.message).toMatch(/expired/i);
    expect(codeOf(err)).toBe('token_expired');
  });

  it('a user removed by the admin is disconnected and cannot connect again', async () => {
    const doomed = await createUser(t, admin, 'manager');
    const s = await connect(doomed.token);
    await until(async () => (await roomMembers(`user:${doomed.userId}`)).includes(s.id!), 5000, 'user room');
    const disconnected = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket was not disconnected within 10 s')), 10_000);
      s.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
    const res = await t.inject({ method: 'DELETE', url: `/api/users/${doomed.userId}`, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(await disconnected).toBe('io server disconnect');
    expect(await roomMembers(`user:${doomed.userId}`)).toEqual([]);
    const err = await refused({ token: doomed.token });
    expect(err.message).toMatch(/^unauthorized/);
    expect(codeOf(err)).toBe('user_not_found');
    // Other users' sockets stay connected.
    expect((await roomMembers(`admins:${admin.companyId}`)).length).toBeGreaterThan(0);
  });
});
