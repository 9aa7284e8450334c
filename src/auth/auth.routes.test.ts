import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, uniqueEmail, type Actor, type TestApp } from '../../test/helpers/app.js';
import { routeDatabaseKinds } from '../../test/helpers/databases.js';

const USER_KEYS = ['companyId', 'createdAt', 'email', 'firstName', 'id', 'lastName', 'role'];
const MAX_PER_EMAIL = 3;
const MAX_PER_IP = 5;

let ipCounter = 0;
/** A fresh client address, so the per-IP login limit only bites where a test wants it to. */
const nextIp = (): string => `10.0.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

function expectError(res: { statusCode: number; json(): any }, status: number, code?: string): any {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(body).toMatchObject({ success: false, error: expect.any(String), code: expect.any(String) });
  if (code) expect(body.code).toBe(code);
  return body;
}

const kinds = await routeDatabaseKinds();

describe('registration disabled by config', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A config check, not a database one: use the cheapest database to start.
    t = await createTestApp({ db: kinds.at(-1)!, env: { REGISTRATION_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 403 and creates nothing', async () => {
    const email = uniqueEmail();
    const res = await t.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { companyName: 'Closed', email, password: 'long enough pw', firstName: 'A', lastName: 'B' },
    });
    expectError(res, 403, 'forbidden');
    const login = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'long enough pw' } });
    expectError(login, 401);
  });
});

describe.each(kinds)('auth routes on %s', (kind) => {
  let t: TestApp;
  let admin: Actor;
  let other: Actor;

  const post = (url: string, payload: unknown, opts: { token?: string; ip?: string } = {}) =>
    t.inject({
      method: 'POST',
      url,
      payload: payload as object,
      remoteAddress: opts.ip ?? nextIp(),
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
  const me = (token?: string) => t.inject({ method: 'GET', url: '/api/auth/me', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const login = (email: string, password: string, ip?: string) => post('/api/auth/login', { email, password }, { ip: ip ?? nextIp() });

  beforeAll(async () => {
    t = await createTestApp({
      db: kind,
      env: { LOGIN_MAX_ATTEMPTS_PER_EMAIL: String(MAX_PER_EMAIL), LOGIN_MAX_ATTEMPTS_PER_IP: String(MAX_PER_IP) },
    });
    admin = await registerCompany(t, 'Auth Co');
    other = await registerCompany(t, 'Other Co');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /api/auth/register', () => {
    it('creates the company and its first admin (201) and returns tokens without any password field', async () => {
      const email = uniqueEmail('Reg').replace('reg', 'ReG');
      const res = await post('/api/auth/register', {
        companyName: '  New Co  ',
        email,
        password: 'a secret password',
        firstName: ' Ada ',
        lastName: 'Lovelace',
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.success).toBe(true);
      expect(Object.keys(body.data).sort()).toEqual(['accessToken', 'company', 'expiresIn', 'refreshToken', 'user']);
      expect(body.data.accessToken).toEqual(expect.any(String));
      expect(body.data.refreshToken).toEqual(expect.any(String));
      expect(body.data.expiresIn).toBe(15 * 60);
      expect(Object.keys(body.data.user).sort()).toEqual(USER_KEYS);
      expect(body.data.user).toMatchObject({ email: email.toLowerCase(), firstName: 'Ada', lastName: 'Lovelace', role: 'admin' });
      expect(body.data.company).toEqual({ id: body.data.user.companyId, name: 'New Co', createdAt: expect.any(String) });
      expect(new Date(body.data.user.createdAt).toISOString()).toBe(body.data.user.createdAt);
      expect(res.body).not.toMatch(/password/i);
      expect(res.body).not.toContain('a secret password');
      expect(res.body).not.toContain('scrypt');

      const who = await me(body.data.accessToken);
      expect(who.statusCode).toBe(200);
      expect(who.json().data.user.id).toBe(body.data.user.id);
    });

    it('rejects a duplicate email case-insensitively with 409', async () => {
      const res = await post('/api/auth/register', {
        companyName: 'Copycat',
        email: `  ${admin.email.toUpperCase()}  `.trim(),
        password: 'another password',
        firstName: 'C',
        lastName: 'D',
      });
      expectError(res, 409, 'email_taken');
    });

    it('names each bad field', async () => {
      const res = await post('/api/auth/register', { companyName: ' ', email: 'not-an-email', password: 'short', firstName: '' });
      const body = expectError(res, 400, 'validation_error');
      const fields = body.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['companyName', 'email', 'password', 'firstName', 'lastName']));
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with the right password (any email case)', async () => {
      const res = await login(admin.email.toUpperCase(), admin.password);
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(Object.keys(data).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
      expect(data.user.id).toBe(admin.userId);
      expect(res.body).not.toMatch(/password/i);
    });

    it('answers 401 with the same message for a wrong password and an unknown email', async () => {
      const wrong = expectError(await login(other.email, 'wrong password!'), 401);
      const unknown = expectError(await login(uniqueEmail('nobody'), 'wrong password!'), 401);
      expect(unknown.error).toBe(wrong.error);
      expect(unknown.code).toBe(wrong.code);
    });

    it(`throttles an email after ${MAX_PER_EMAIL} failures (429 with Retry-After), from any address`, async () => {
      const victim = await registerCompany(t, 'Victim Co');
      for (let i = 0; i < MAX_PER_EMAIL; i++) expectError(await login(victim.email, `wrong ${i} password`), 401);
      const blocked = await login(victim.email, victim.password);
      expectError(blocked, 429, 'rate_limited');
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      // Other accounts are unaffected.
      expect((await login(admin.email, admin.password)).statusCode).toBe(200);
    });

    it(`throttles an address after ${MAX_PER_IP} attempts, whatever the email`, async () => {
      const ip = '192.0.2.77';
      for (let i = 0; i < MAX_PER_IP; i++) expectError(await login(uniqueEmail('spray'), 'some password', ip), 401);
      const blocked = await login(admin.email, admin.password, ip);
      expectError(blocked, 429, 'rate_limited');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The same account still logs in from elsewhere.
      expect((await login(admin.email, admin.password)).statusCode).toBe(200);
    });

    it('counts concurrent guesses before the slow hash: no more than the limit are ever tried', async () => {
      const victim = await registerCompany(t, 'Parallel Co');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => login(victim.email, `guess ${i} password`)));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_PER_EMAIL);
      expect(statuses.filter((s) => s === 429)).toHaveLength(20 - MAX_PER_EMAIL);
      // A locked account says so, and when to come back.
      expect(results.find((r) => r.statusCode === 429)!.json().error).toMatch(/this account; try again in \d+ (seconds|minutes)/);
    });

    it('successful logins do not count against an address (an office behind one NAT)', async () => {
      const ip = '198.51.100.9';
      for (let i = 0; i < MAX_PER_IP * 3; i++) expect((await login(admin.email, admin.password, ip)).statusCode).toBe(200);
      expectError(await login(admin.email, 'wrong password!', ip), 401);
    });

    it('answers tokens with Cache-Control: no-store', async () => {
      expect((await login(admin.email, admin.password)).headers['cache-control']).toBe('no-store');
      const reg = await post('/api/auth/register', { companyName: 'Cache Co', email: uniqueEmail('cache'), password: 'correct horse battery', firstName: 'C', lastName: 'C' });
      expect(reg.headers['cache-control']).toBe('no-store');
      const refreshed = await post('/api/auth/refresh', { refreshToken: reg.json().data.refreshToken });
      expect(refreshed.headers['cache-control']).toBe('no-store');
    });
  });

  describe('password policy', () => {
    it.each([
      ['12345678', /10 characters/],
      ['password', /10 characters/],
      ['          ', /too easy to guess/],
      ['1234567890', /too easy to guess/],
      ['Password123!', /too easy to guess/],
      ['qwertyuiop', /too easy to guess/],
    ])('refuses %j', async (password, message) => {
      const res = await post('/api/auth/register', { companyName: 'Weak Co', email: uniqueEmail('weak'), password, firstName: 'W', lastName: 'K' });
      const body = expectError(res, 400, 'validation_error');
      expect(body.details).toEqual([{ field: 'password', message: expect.stringMatching(message) }]);
    });

    it('refuses the email as password, and a phrase of uncommon words is fine', async () => {
      const email = uniqueEmail('self');
      expectError(await post('/api/auth/register', { companyName: 'Self Co', email, password: email, firstName: 'S', lastName: 'F' }), 400, 'validation_error');
      expect((await post('/api/auth/register', { companyName: 'Self Co', email, password: 'violet kettle marathon', firstName: 'S', lastName: 'F' })).statusCode).toBe(201);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: a new pair, and the old refresh token stops working', async () => {
      const first = (await login(admin.email, admin.password)).json().data;
      const res = await post('/api/auth/refresh', { refreshToken: first.refreshToken });
      expect(res.statusCode).toBe(200);
      const second = res.json().data;
      expect(Object.keys(second).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.user.id).toBe(admin.userId);
      expect((await me(second.accessToken)).statusCode).toBe(200);

      expectError(await post('/api/auth/refresh', { refreshToken: first.refreshToken }), 401);
    });

    it('reuse of a revoked token revokes the newer one too', async () => {
      const first = (await login(admin.email, admin.password)).json().data;
      const second = (await post('/api/auth/refresh', { refreshToken: first.refreshToken })).json().data;
      expectError(await post('/api/auth/refresh', { refreshToken: first.refreshToken }), 401);
      expectError(await post('/api/auth/refresh', { refreshToken: second.refreshToken }), 401);
    });

    it('rejects an unknown token with 401', async () => {
      expectError(await post('/api/auth/refresh', { refreshToken: 'not-a-real-token' }), 401, 'invalid_refresh_token');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the refresh token; refreshing with it afterwards is 401', async () => {
      const pair = (await login(admin.email, admin.password)).json().data;
      const res = await post('/api/auth/logout', { refreshToken: pair.refreshToken }, { token: pair.accessToken });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: true, message: expect.any(String) });
      expectError(await post('/api/auth/refresh', { refreshToken: pair.refreshToken }), 401);
    });

    it('needs an access token', async () => {
      const pair = (await login(admin.email, admin.password)).json().data;
      expectError(await post('/api/auth/logout', { refreshToken: pair.refreshToken }), 401);
      // Nothing was revoked.
      expect((await post('/api/auth/refresh', { refreshToken: pair.refreshToken })).statusCode).toBe(200);
    });

    it("cannot revoke someone else's refresh token", async () => {
      const mine = (await login(admin.email, admin.password)).json().data;
      const theirs = (await login(other.email, other.password)).json().data;
      expectError(await post('/api/auth/logout', { refreshToken: theirs.refreshToken }, { token: mine.accessToken }), 401);
      expect((await post('/api/auth/refresh', { refreshToken: theirs.refreshToken })).statusCode).toBe(200);
    });
  });

  describe('GET /api/auth/me', () => {
    it('returns the user and company', async () => {
      const res = await me(admin.token);
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(Object.keys(data).sort()).toEqual(['company', 'user']);
      expect(data.user).toMatchObject({ id: admin.userId, companyId: admin.companyId, email: admin.email, role: 'admin' });
      expect(data.company).toEqual({ id: admin.companyId, name: 'Auth Co', createdAt: expect.any(String) });
      expect(res.body).not.toMatch(/password/i);
    });

    it('is 401 without a token, with a malformed header, a forged token or an expired one', async () => {
      expectError(await me(), 401);
      expectError(await t.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: admin.token } }), 401);
      expectError(await me('not.a.jwt'), 401);

      const claims = { sub: admin.userId, cid: admin.companyId, role: 'admin', typ: 'access' };
      const forged = createSigner({ key: 'another-secret-another-secret-0123456789', algorithm: 'HS256', expiresIn: 60_000 })(claims);
      expectError(await me(forged), 401, 'invalid_token');

      const now = Math.floor(Date.now() / 1000);
      const sign = createSigner({ key: t.app.config.jwtSecret!, algorithm: 'HS256' });
      const expired = sign({ ...claims, iat: now - 3600, exp: now - 60 });
      expectError(await me(expired), 401, 'token_expired');
      // The same secret with a valid exp works, so the 401 above is about expiry.
      expect((await me(sign({ ...claims, iat: now, exp: now + 60 }))).statusCode).toBe(200);
      // Not an access token.
      expectError(await me(sign({ ...claims, typ: 'refresh', iat: now, exp: now + 60 })), 401, 'invalid_token');
    });

    it('is 401 for the token of a deleted user', async () => {
      const manager = await createUser(t, admin, 'manager');
      expect((await me(manager.token)).statusCode).toBe(200);
      const del = await t.inject({ method: 'DELETE', url: `/api/users/${manager.userId}`, headers: admin.headers });
      expect(del.statusCode).toBe(200);
      expectError(await me(manager.token), 401);
      expectError(await post('/api/auth/refresh', { refreshToken: manager.refreshToken }), 401);
    });
  });
});
