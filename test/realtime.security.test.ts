/**
 * Live sockets follow the identity behind them: recovery replays nothing before authentication and
 * only what that identity may receive now; a socket ends when its token expires or its user's
 * logins are ended; an access token issued before a password reset stops working at once.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, linkSession, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { EventRecorder } from './helpers/socket.js';
import { createTokenService } from '../src/auth/tokens.js';

describe('socket security', () => {
  let t: TestApp;
  let url: string;
  let admin: Actor;
  let sessionId: string;
  const sockets: Socket[] = [];

  const open = (auth: Record<string, unknown>, reconnection = false): { socket: Socket; events: EventRecorder } => {
    const socket = io(url, { transports: ['websocket'], path: '/socket.io/', auth, reconnection, forceNew: true, timeout: 5000 });
    sockets.push(socket);
    return { socket, events: new EventRecorder(socket) };
  };
  const connected = (s: Socket) =>
    new Promise<void>((resolve, reject) => {
      if (s.connected) return resolve();
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
  const inbound = (body: string) =>
    t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: admin.headers, payload: { from: '77010000055', body } });
  /** The session id and offset a client sends to recover its previous connection. */
  const recoveryOf = (s: Socket) => ({ pid: (s as unknown as { _pid: string })._pid, offset: (s as unknown as { _lastOffset: string })._lastOffset });
  const dropTransport = (s: Socket) => (s.io as unknown as { engine: { close(): void } }).engine.close();

  beforeAll(async () => {
    t = await createTestApp();
    url = await t.listen();
    admin = await registerCompany(t, 'Secure Co');
    sessionId = await linkSession(t, admin, 'Secure line');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  const login = async (who: Actor): Promise<string> => {
    const res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email: who.email, password: who.password } });
    return res.json().data.accessToken;
  };

  it('recovery replays nothing to a reconnect without a token, whatever session id and offset it shows', async () => {
    const victim = open({ token: await login(admin) });
    await connected(victim.socket);
    await inbound('before the drop');
    await victim.events.wait('whatsapp:new-message', (e) => e.message.body === 'before the drop');
    const stolen = recoveryOf(victim.socket);
    expect(stolen.pid).toEqual(expect.any(String));
    dropTransport(victim.socket);
    await inbound('missed while away');

    const thief = open(stolen);
    const refused = await new Promise<Error>((resolve) => thief.socket.once('connect_error', resolve));
    expect((refused as Error & { data?: { code?: string } }).data?.code).toBe('missing_token');
    expect(thief.events.events).toEqual([]);
  });

  it('recovery replays only what the authenticated identity may receive now', async () => {
    const manager = await createUser(t, admin, 'manager');
    const grant = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/managers`, headers: admin.headers, payload: { managerId: manager.userId, permissions: ['read'] } });
    expect(grant.statusCode).toBe(201);
    const token = await login(manager);
    const first = open({ token });
    await connected(first.socket);
    await inbound('seen by the manager');
    await first.events.wait('whatsapp:new-message', (e) => e.message.body === 'seen by the manager');
    const recovery = recoveryOf(first.socket);
    dropTransport(first.socket);
    // While away: access is revoked, then more messages arrive on that session.
    expect((await t.inject({ method: 'DELETE', url: `/api/whatsapp/sessions/${sessionId}/managers/${manager.userId}`, headers: admin.headers })).statusCode).toBe(200);
    await inbound('after the revocation');

    const back = open({ token, ...recovery });
    await connected(back.socket);
    await back.events.synced();
    expect(back.events.of('whatsapp:new-message').map((e) => e.message.body)).not.toContain('after the revocation');
    // What it may still receive, it gets: its own revocation happened while it was away.
    expect(back.events.of('whatsapp:manager-access-revoked')).toEqual([expect.objectContaining({ managerId: manager.userId })]);
  });

  it('a socket ends when its token expires', async () => {
    // A token that lives two seconds, signed with the app's own secret.
    const short = createTokenService(t.app.config.jwtSecret!, 2);
    const s = open({ token: short.signAccess({ userId: admin.userId, companyId: admin.companyId, role: 'admin' }) });
    await connected(s.socket);
    const reason = await new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
  }, 15_000);

  it('a password reset ends the user\'s access token and sockets at once; so does logging out everywhere', async () => {
    const user = await createUser(t, admin, 'manager');
    const token = await login(user);
    const s = open({ token });
    await connected(s.socket);
    const gone = new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
    const reset = await t.inject({ method: 'PATCH', url: `/api/users/${user.userId}`, headers: admin.headers, payload: { password: 'a brand new password' } });
    expect(reset.statusCode).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect((await t.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);

    const fresh = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'a brand new password' } });
    const { accessToken, refreshToken } = fresh.json().data;
    const other = open({ token: accessToken });
    await connected(other.socket);
    const ended = new Promise<string>((resolve) => other.socket.once('disconnect', resolve));
    const out = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${accessToken}` }, payload: { refreshToken, everywhere: true } });
    expect(out.statusCode).toBe(200);
    expect(await ended).toBe('io server disconnect');
    expect((await t.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode).toBe(401);
  });
});
