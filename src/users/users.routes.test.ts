import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, uniqueEmail, type Actor, type TestApp } from '../../test/helpers/app.js';
import { routeDatabaseKinds } from '../../test/helpers/databases.js';

const USER_KEYS = ['companyId', 'createdAt', 'email', 'firstName', 'id', 'lastName', 'role'];

type Res = { statusCode: number; body: string; json(): any; headers: Record<string, unknown> };

function expectError(res: Res, status: number, code?: string): any {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body).toMatchObject({ success: false, error: expect.any(String), code: expect.any(String) });
  if (code) expect(body.code).toBe(code);
  return body;
}

function expectFields(res: Res, fields: string[]): void {
  const body = expectError(res, 400, 'validation_error');
  const named = (body.details as { field: string }[]).map((d) => d.field);
  expect(named).toEqual(expect.arrayContaining(fields));
}

describe.each(await routeDatabaseKinds())('users routes on %s', (kind) => {
  let t: TestApp;
  let admin: Actor;
  let manager: Actor;
  let foreignAdmin: Actor;
  let foreignUser: Actor;
  const responses: string[] = [];

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, actor?: Actor | null, payload?: unknown): Promise<Res> => {
    const res = await t.inject({
      method,
      url,
      headers: actor ? actor.headers : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    responses.push(res.body);
    return res as unknown as Res;
  };
  const newUserBody = (over: Record<string, unknown> = {}) => ({
    email: uniqueEmail('new'),
    password: 'new user password',
    firstName: 'Nina',
    lastName: 'New',
    role: 'manager',
    ...over,
  });

  beforeAll(async () => {
    t = await createTestApp({ db: kind });
    admin = await registerCompany(t, 'Users Co');
    manager = await createUser(t, admin, 'manager');
    foreignAdmin = await registerCompany(t, 'Foreign Co');
    foreignUser = await createUser(t, foreignAdmin, 'manager');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /api/users', () => {
    it('creates a user (201) with normalised email and trimmed names', async () => {
      const email = uniqueEmail('Created').replace('created', 'CrEaTeD');
      const res = await call('POST', '/api/users', admin, newUserBody({ email: ` ${email} `.trim(), firstName: '  Zoe ', role: 'admin' }));
      expect(res.statusCode).toBe(201);
      const { data } = res.json();
      expect(Object.keys(data).sort()).toEqual(USER_KEYS);
      expect(data).toMatchObject({ email: email.toLowerCase(), firstName: 'Zoe', lastName: 'New', role: 'admin', companyId: admin.companyId });
      const login = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'new user password' } });
      expect(login.statusCode).toBe(200);
    });

    it('names every missing or bad field (400)', async () => {
      expectFields(await call('POST', '/api/users', admin, {}), ['email', 'password', 'firstName', 'lastName', 'role']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ email: 'nope' })), ['email']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ password: 'short' })), ['password']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ firstName: '   ' })), ['firstName']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ lastName: 'x'.repeat(101) })), ['lastName']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ role: 'owner' })), ['role']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ isRoot: true })), ['isRoot']);
      expectFields(await call('POST', '/api/users', admin, newUserBody({ firstName: 42 })), ['firstName']);
    });

    it('rejects a duplicate email, case-insensitively (409)', async () => {
      expectError(await call('POST', '/api/users', admin, newUserBody({ email: manager.email.toUpperCase() })), 409, 'email_taken');
      // Emails are unique across companies too (login is by email alone).
      expectError(await call('POST', '/api/users', admin, newUserBody({ email: foreignUser.email })), 409, 'email_taken');
    });
  });

  describe('GET /api/users', () => {
    let pagedAdmin: Actor;
    beforeAll(async () => {
      pagedAdmin = await registerCompany(t, 'Paged Co');
      for (let i = 0; i < 3; i++) await call('POST', '/api/users', pagedAdmin, newUserBody({ firstName: `P${i}` }));
    });

    it('lists only the company’s users, with pagination', async () => {
      const all = await call('GET', '/api/users', pagedAdmin);
      expect(all.statusCode).toBe(200);
      const body = all.json();
      expect(body.pagination).toEqual({ total: 4, page: 1, limit: 50 });
      expect(body.data).toHaveLength(4);
      for (const u of body.data) {
        expect(Object.keys(u).sort()).toEqual(USER_KEYS);
        expect(u.companyId).toBe(pagedAdmin.companyId);
      }

      const p1 = (await call('GET', '/api/users?page=1&limit=3', pagedAdmin)).json();
      const p2 = (await call('GET', '/api/users?page=2&limit=3', pagedAdmin)).json();
      const p3 = (await call('GET', '/api/users?page=3&limit=3', pagedAdmin)).json();
      expect(p1.pagination).toEqual({ total: 4, page: 1, limit: 3 });
      expect(p2.pagination).toEqual({ total: 4, page: 2, limit: 3 });
      expect(p1.data).toHaveLength(3);
      expect(p2.data).toHaveLength(1);
      expect(p3.data).toEqual([]);
      const ids = [...p1.data, ...p2.data].map((u: { id: string }) => u.id);
      expect(new Set(ids).size).toBe(4);
      expect(ids.sort()).toEqual(body.data.map((u: { id: string }) => u.id).sort());
    });

    it('filters by role', async () => {
      const managers = (await call('GET', '/api/users?role=manager', pagedAdmin)).json();
      expect(managers.data.map((u: { role: string }) => u.role)).toEqual(['manager', 'manager', 'manager']);
      expect(managers.pagination.total).toBe(3);
      const admins = (await call('GET', '/api/users?role=admin', pagedAdmin)).json();
      expect(admins.data.map((u: { id: string }) => u.id)).toEqual([pagedAdmin.userId]);
      expect(admins.pagination.total).toBe(1);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['limit=abc', 'limit'],
      ['page=1.5', 'page'],
      ['role=owner', 'role'],
      ['sort=email', 'sort'],
    ])('rejects ?%s naming %s (400)', async (query, field) => {
      expectFields(await call('GET', `/api/users?${query}`, admin), [field]);
    });
  });

  describe('GET /api/users/:userId', () => {
    it('returns a user of the company', async () => {
      const res = await call('GET', `/api/users/${manager.userId}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ id: manager.userId, email: manager.email, role: 'manager' });
      expect(Object.keys(res.json().data).sort()).toEqual(USER_KEYS);
    });

    it('is 404 for an unknown id and for another company’s user', async () => {
      expectError(await call('GET', '/api/users/doesnotexist0000000000000', admin), 404, 'not_found');
      const foreign = expectError(await call('GET', `/api/users/${foreignUser.userId}`, admin), 404, 'not_found');
      const unknown = expectError(await call('GET', '/api/users/doesnotexist0000000000000', admin), 404);
      expect(foreign.error).toBe(unknown.error);
    });

    it('names a malformed id (400)', async () => {
      expectFields(await call('GET', `/api/users/${'x'.repeat(65)}`, admin), ['userId']);
      expectFields(await call('GET', `/api/users/bad%20id`, admin), ['userId']);
    });
  });

  describe('PATCH /api/users/:userId', () => {
    it('edits names and email', async () => {
      const u = await createUser(t, admin, 'manager');
      const email = uniqueEmail('renamed');
      const res = await call('PATCH', `/api/users/${u.userId}`, admin, { firstName: ' Renamed ', email: email.toUpperCase() });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ id: u.userId, firstName: 'Renamed', lastName: 'Manager', email });
      // Name and email changes do not end the user's logins.
      expect((await call('GET', '/api/auth/me', u)).statusCode).toBe(200);
    });

    it('changing the password revokes the user’s tokens and the new password works', async () => {
      const u = await createUser(t, admin, 'manager');
      const res = await call('PATCH', `/api/users/${u.userId}`, admin, { password: 'a brand new password' });
      expect(res.statusCode).toBe(200);
      const refresh = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: u.refreshToken } });
      expectError(refresh as unknown as Res, 401);
      const oldLogin = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
      expect(oldLogin.statusCode).toBe(401);
      const newLogin = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: 'a brand new password' } });
      expect(newLogin.statusCode).toBe(200);
    });

    it('changing the role ends the user’s current access token', async () => {
      const u = await createUser(t, admin, 'manager');
      const res = await call('PATCH', `/api/users/${u.userId}`, admin, { role: 'admin' });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.role).toBe('admin');
      expectError(await call('GET', '/api/auth/me', u), 401);
    });

    it('names bad fields (400), including an empty patch', async () => {
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, {}), ['body']);
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, { email: 'bad' }), ['email']);
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, { role: 'root' }), ['role']);
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, { password: 'short' }), ['password']);
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, { companyId: foreignAdmin.companyId }), ['companyId']);
      expectFields(await call('PATCH', `/api/users/${manager.userId}`, admin, { lastName: null }), ['lastName']);
    });

    it('is 409 for an email that is taken', async () => {
      expectError(await call('PATCH', `/api/users/${manager.userId}`, admin, { email: admin.email.toUpperCase() }), 409, 'email_taken');
    });

    it('is 404 for another company’s user and leaves it untouched', async () => {
      expectError(await call('PATCH', `/api/users/${foreignUser.userId}`, admin, { firstName: 'Hijacked' }), 404, 'not_found');
      const theirs = await call('GET', `/api/users/${foreignUser.userId}`, foreignAdmin);
      expect(theirs.json().data.firstName).toBe('Max');
    });

    it('an admin cannot demote itself', async () => {
      const res = await call('PATCH', `/api/users/${admin.userId}`, admin, { role: 'manager' });
      expect([403, 409]).toContain(res.statusCode);
      expectError(res, res.statusCode);
      expect((await call('GET', '/api/auth/me', admin)).json().data.user.role).toBe('admin');
    });
  });

  describe('DELETE /api/users/:userId', () => {
    it('removes a user and revokes its tokens (access 401, refresh 401)', async () => {
      const u = await createUser(t, admin, 'manager');
      expect((await call('GET', '/api/auth/me', u)).statusCode).toBe(200);
      const res = await call('DELETE', `/api/users/${u.userId}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: true, message: expect.any(String) });
      expectError(await call('GET', '/api/auth/me', u), 401);
      const refresh = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: u.refreshToken } });
      expectError(refresh as unknown as Res, 401);
      expectError(await call('GET', `/api/users/${u.userId}`, admin), 404);
      expectError(await call('DELETE', `/api/users/${u.userId}`, admin), 404);
      const login = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
      expect(login.statusCode).toBe(401);
    });

    it('an admin cannot remove itself', async () => {
      const res = await call('DELETE', `/api/users/${admin.userId}`, admin);
      expect([403, 409]).toContain(res.statusCode);
      expectError(res, res.statusCode);
      expect((await call('GET', '/api/auth/me', admin)).statusCode).toBe(200);
    });

    it('is 404 for another company’s user, which survives', async () => {
      expectError(await call('DELETE', `/api/users/${foreignUser.userId}`, admin), 404, 'not_found');
      expect((await call('GET', `/api/users/${foreignUser.userId}`, foreignAdmin)).statusCode).toBe(200);
    });

    it('the last admin cannot be removed or demoted, even when two admins act at once', async () => {
      const a1 = await registerCompany(t, 'Two Admins Co');
      const a2 = await createUser(t, a1, 'admin');
      const [r1, r2] = await Promise.all([
        call('DELETE', `/api/users/${a2.userId}`, a1),
        call('DELETE', `/api/users/${a1.userId}`, a2),
      ]);
      const statuses = [r1.statusCode, r2.statusCode].sort();
      // Exactly one removal may win; the company keeps an admin.
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      const loser = r1.statusCode === 200 ? r2 : r1;
      expect(loser.statusCode).not.toBe(500);
      expectError(loser, loser.statusCode);
      const survivor = r1.statusCode === 200 ? a1 : a2;
      const list = (await call('GET', '/api/users?role=admin', survivor)).json();
      expect(list.data.map((u: { id: string }) => u.id)).toEqual([survivor.userId]);

      // The same race through demotion.
      const b1 = await registerCompany(t, 'Two Admins Again Co');
      const b2 = await createUser(t, b1, 'admin');
      const [d1, d2] = await Promise.all([
        call('PATCH', `/api/users/${b2.userId}`, b1, { role: 'manager' }),
        call('PATCH', `/api/users/${b1.userId}`, b2, { role: 'manager' }),
      ]);
      expect([d1.statusCode, d2.statusCode].filter((s) => s === 200)).toHaveLength(1);
      const winner = d1.statusCode === 200 ? b1 : b2;
      const admins = (await call('GET', '/api/users', winner)).json().data.filter((u: { role: string }) => u.role === 'admin');
      expect(admins).toHaveLength(1);
    });
  });

  describe('authentication and roles', () => {
    const routes = (id: () => string) =>
      [
        ['POST', '/api/users', () => newUserBody()],
        ['GET', '/api/users', undefined],
        ['GET', `/api/users/${id()}`, undefined],
        ['PATCH', `/api/users/${id()}`, () => ({ firstName: 'Changed' })],
        ['DELETE', `/api/users/${id()}`, undefined],
      ] as const;

    it('every route is 401 without a token, and with a bad one', async () => {
      for (const [method, url, body] of routes(() => manager.userId)) {
        expectError(await call(method, url, null, body?.()), 401);
        const res = await t.inject({ method, url, headers: { authorization: 'Bearer nope' }, ...(body ? { payload: body() } : {}) });
        expectError(res as unknown as Res, 401);
      }
    });

    it('every route is 403 for a manager, and nothing changes', async () => {
      for (const [method, url, body] of routes(() => admin.userId)) {
        expectError(await call(method, url, manager, body?.()), 403, 'forbidden');
      }
      expect((await call('GET', '/api/auth/me', admin)).json().data.user).toMatchObject({ firstName: 'Ada', role: 'admin' });
    });
  });

  it('never returns a password or its hash', () => {
    const keys = (v: unknown): string[] =>
      v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : [];
    const successes = responses.filter((b) => b.startsWith('{"success":true'));
    expect(successes.length).toBeGreaterThan(20);
    for (const body of successes) expect(keys(JSON.parse(body)).filter((k) => /password/i.test(k))).toEqual([]);
    for (const body of responses) {
      expect(body).not.toContain('scrypt$');
      expect(body).not.toContain('manager password 1');
      expect(body).not.toContain('new user password');
      expect(body).not.toContain('a brand new password');
    }
  });
});
