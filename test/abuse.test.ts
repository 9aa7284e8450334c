/**
 * Hostile and careless input against every foundation endpoint that takes a body, a query or path
 * parameters: the server never answers 500, always answers in the error envelope, and a 400
 * names the offending field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, uniqueEmail, type Actor, type TestApp } from './helpers/app.js';
import { databaseKinds, type DbKind } from './helpers/databases.js';

type Res = { statusCode: number; body: string; json(): any; headers: Record<string, unknown> };
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function expectEnvelope(res: Res, allowed?: number[]): any {
  expect(res.statusCode, res.body).not.toBe(500);
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (allowed) expect(allowed, res.body).toContain(res.statusCode);
  const body = res.json();
  expect(body).toMatchObject({ success: false, error: expect.any(String), code: expect.any(String) });
  expect(body.code).toMatch(/^[a-z][a-z0-9_]*$/);
  if (res.statusCode === 400 && body.code === 'validation_error') {
    expect(Array.isArray(body.details)).toBe(true);
    expect(body.details.length).toBeGreaterThan(0);
    for (const d of body.details) expect(d).toEqual({ field: expect.any(String), message: expect.any(String) });
  }
  return body;
}

function expectField(res: Res, field: string): void {
  const body = expectEnvelope(res, [400]);
  expect((body.details as { field: string }[]).map((d) => d.field), res.body).toContain(field);
}

const MB = 1024 * 1024;

const kinds = await databaseKinds();
type Mode = 'validation' | 'database';
interface Ctx { t: TestApp; admin: Actor; manager: Actor }
const contexts = new Map<DbKind, Promise<Ctx>>();
/** One app per database kind, shared by the suites of this file. */
function contextFor(kind: DbKind): Promise<Ctx> {
  let ctx = contexts.get(kind);
  if (!ctx) {
    ctx = (async () => {
      // A high login limit: this file hammers /login on purpose and is not about throttling.
      const t = await createTestApp({ db: kind, env: { LOGIN_MAX_ATTEMPTS_PER_IP: '100000', LOGIN_MAX_ATTEMPTS_PER_EMAIL: '10000' } });
      const admin = await registerCompany(t, 'Abused Co');
      return { t, admin, manager: await createUser(t, admin, 'manager') };
    })();
    contexts.set(kind, ctx);
  }
  return ctx;
}
afterAll(async () => {
  for (const ctx of contexts.values()) await (await ctx.catch(() => undefined))?.t.close();
});

function defineAbuse(kind: DbKind, mode: Mode): void {
  // Register only the tests of this mode (no pile of skipped duplicates in the report).
  const none = (() => undefined) as unknown;
  const itV = (mode === 'validation' ? it : none) as typeof it;
  const itD = (mode === 'database' ? it : none) as typeof it;
  const describeV = (mode === 'validation' ? describe : none) as typeof describe;
  const describeD = (mode === 'database' ? describe : none) as typeof describe;
  let t: TestApp;
  let admin: Actor;
  let manager: Actor;

  interface Endpoint {
    name: string;
    method: Method;
    url: () => string;
    actor?: () => Actor;
    /** A valid body, and the fields of it. */
    body: () => Record<string, unknown>;
  }

  const endpoints: Endpoint[] = [
    {
      name: 'register',
      method: 'POST',
      url: () => '/api/auth/register',
      body: () => ({ companyName: 'Abuse Co', email: uniqueEmail('abuse'), password: 'a long password', firstName: 'A', lastName: 'B' }),
    },
    { name: 'login', method: 'POST', url: () => '/api/auth/login', body: () => ({ email: admin.email, password: 'wrong password' }) },
    { name: 'refresh', method: 'POST', url: () => '/api/auth/refresh', body: () => ({ refreshToken: 'unknown-token' }) },
    { name: 'logout', method: 'POST', url: () => '/api/auth/logout', actor: () => admin, body: () => ({ refreshToken: 'unknown-token' }) },
    {
      name: 'create user',
      method: 'POST',
      url: () => '/api/users',
      actor: () => admin,
      body: () => ({ email: uniqueEmail('abused'), password: 'a long password', firstName: 'A', lastName: 'B', role: 'manager' }),
    },
    {
      name: 'update user',
      method: 'PATCH',
      url: () => `/api/users/${manager.userId}`,
      actor: () => admin,
      body: () => ({ firstName: 'Max', lastName: 'Manager' }),
    },
  ];

  const send = async (
    method: Method,
    url: string,
    opts: { actor?: Actor; payload?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<Res> => {
    const headers: Record<string, string> = { ...(opts.actor ? opts.actor.headers : {}), ...opts.headers };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    const res = await t.inject({ method, url, headers, ...(opts.payload !== undefined ? { payload: opts.payload } : {}) });
    return res as unknown as Res;
  };
  const sendJson = (e: Endpoint, value: unknown) =>
    send(e.method, e.url(), { actor: e.actor?.(), payload: JSON.stringify(value), contentType: 'application/json' });

  beforeAll(async () => {
    ({ t, admin, manager } = await contextFor(kind));
  });

  describe.each(endpoints.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    itV('missing body, empty body, null, arrays, scalars', async () => {
      expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.() }), [400, 415]);
      expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: '', contentType: 'application/json' }), [400]);
      for (const value of [null, [], [e.body()], 'a string', 42, true]) {
        expectField(await sendJson(e, value), 'body');
      }
      const empty = await sendJson(e, {});
      expectEnvelope(empty, [400]);
      const required = Object.keys(e.body());
      if (e.method === 'PATCH') expectField(empty, 'body');
      else for (const field of required) expectField(empty, field);
    });

    itV('wrong types for each field name the field', async () => {
      for (const field of Object.keys(e.body())) {
        for (const bad of [123, true, null, {}, [], ['x'], { $ne: '' }]) {
          expectField(await sendJson(e, { ...e.body(), [field]: bad }), field);
        }
      }
    });

    itV('unknown fields and prototype-pollution keys are refused', async () => {
      expectField(await sendJson(e, { ...e.body(), isAdmin: true }), 'isAdmin');
      const valid = JSON.stringify(e.body()).slice(1, -1);
      for (const raw of [
        `{"__proto__": {"role": "admin"}, ${valid}}`,
        `{"constructor": {"prototype": {"role": "admin"}}, ${valid}}`,
        `{${valid}, "__proto__": null}`,
      ]) {
        expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: raw, contentType: 'application/json' }), [400]);
      }
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    });

    itV('malformed JSON is 400, wrong content types are 400/415', async () => {
      for (const raw of ['{', '{"email": ', "{'a': 1}", '{"a":1}}', 'undefined', '\u0000']) {
        expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: raw, contentType: 'application/json' }), [400]);
      }
      const json = JSON.stringify(e.body());
      expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: json, contentType: 'text/plain' }), [400, 415]);
      expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: '<a/>', contentType: 'application/xml' }), [415]);
      expectEnvelope(
        await send(e.method, e.url(), { actor: e.actor?.(), payload: 'email=a%40b.c', contentType: 'application/x-www-form-urlencoded' }),
        [415],
      );
      // Fastify ignores the charset parameter; the request is then handled like plain JSON, never a 500.
      const charset = await send(e.method, e.url(), { actor: e.actor?.(), payload: json, contentType: 'application/json; charset=utf-8' });
      expect(charset.statusCode, charset.body).not.toBe(500);
      expect(charset.statusCode, charset.body).not.toBe(415);
    });

    itV('huge strings: over the body limit is 413, a big field is 400, never 500', async () => {
      const field = Object.keys(e.body())[0]!;
      const over = await sendJson(e, { ...e.body(), [field]: 'a'.repeat(MB + 10) });
      expect(expectEnvelope(over, [413]).code).toBe('payload_too_large');
      const big = await sendJson(e, { ...e.body(), [field]: 'a'.repeat(MB - 4096) });
      expectField(big, field);
      const manyKeys = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
      expectEnvelope(await sendJson(e, { ...e.body(), ...manyKeys }), [400]);
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      expectEnvelope(await send(e.method, e.url(), { actor: e.actor?.(), payload: deep, contentType: 'application/json' }), [400, 413]);
    });

    itD('injection strings as values never reach beyond validation or a clean 4xx', async () => {
      const nasty = [
        "' OR '1'='1",
        "'; DROP TABLE users; --",
        '"; DROP TABLE users; --',
        '","role":"admin',
        '\\u0000 ${7*7} %00',
        '<script>alert(1)</script>',
      ];
      // Every field at once (one request per string keeps the scrypt cost of accepted requests low);
      // then the credential fields on their own, since an invalid email stops the rest at validation.
      const fields = Object.keys(e.body());
      const credentials = fields.filter((f) => f === 'email' || f === 'refreshToken' || (f === 'password' && e.name === 'login'));
      const others = fields.filter((f) => !credentials.includes(f) && f !== 'password' && f !== 'role');
      for (const value of nasty) {
        for (const group of [others, ...credentials.map((c) => [c])]) {
          if (group.length === 0) continue;
          const res = await sendJson(e, { ...e.body(), ...Object.fromEntries(group.map((f) => [f, value])) });
          expect(res.statusCode, `${group.join(',')}=${value}: ${res.body}`).not.toBe(500);
          if (res.statusCode >= 400) expectEnvelope(res);
          else if (e.name === 'create user') expect(res.json().data.role).toBe('manager');
        }
      }
    });
  });

  describeD('round-tripping names', () => {
    const names = [
      'Зарина',
      '李小龙',
      'José Ñúñez',
      'محمد',
      'O’Brien-Smith',
      '👩‍💻🚀',
      'Robert\'); DROP TABLE users;--',
      '","role":"admin',
      '__proto__',
      'constructor',
      '<img src=x onerror=alert(1)>',
      'A'.repeat(99),
    ];

    it.each(names)('accepts and returns %j exactly', async (name) => {
      const created = await sendJson(endpoints[4]!, { ...endpoints[4]!.body(), firstName: name, lastName: name });
      expect(created.statusCode, created.body).toBe(201);
      const { data } = created.json();
      expect(data.firstName).toBe(name);
      expect(data.role).toBe('manager');
      const read = await send('GET', `/api/users/${data.id}`, { actor: admin });
      expect(read.json().data).toMatchObject({ firstName: name, lastName: name, role: 'manager' });
      const patched = await sendJson({ ...endpoints[5]!, url: () => `/api/users/${data.id}` }, { lastName: `${name}!` });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json().data.lastName).toBe(`${name}!`);
    });

    it('registers a company with a unicode name', async () => {
      const res = await sendJson(endpoints[0]!, { ...endpoints[0]!.body(), companyName: 'ООО «Ромашка» 🌼' });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.company.name).toBe('ООО «Ромашка» 🌼');
    });

    it.each([
      ['NUL', 'Ada\u0000Admin'],
      ['bell', 'Ada\u0007'],
      ['escape', '\u001b[31mred'],
      ['DEL', 'Ada\u007f'],
      ['newline', 'Ada\nAdmin'],
      ['lone surrogate', 'Ada\ud800'],
    ])('control characters (%s) are refused with the field named, or stored exactly', async (_label, name) => {
      for (const e of [endpoints[0]!, endpoints[4]!, endpoints[5]!]) {
        const field = e.name === 'register' ? 'companyName' : 'firstName';
        const res = await sendJson(e, { ...e.body(), [field]: name });
        if (res.statusCode < 300) {
          const data = res.json().data;
          const stored = e.name === 'register' ? data.company.name : data.firstName;
          expect(stored).toBe(name);
        } else {
          expectField(res, field);
        }
      }
    });
  });

  describeV('query strings', () => {
    it.each([
      ['page=abc', 'page'],
      ['page=-1', 'page'],
      ['page=1e400', 'page'],
      ['limit=1e3', 'limit'],
      ['limit=', 'limit'],
      ['limit=10&limit=20', 'limit'],
      ['page[$gt]=1', 'page[$gt]'],
      ["role=admin' OR '1'='1", 'role'],
      ['__proto__[role]=admin', '__proto__[role]'],
      [`role=${'x'.repeat(10_000)}`, 'role'],
    ])('GET /api/users?%s names %s', async (query, field) => {
      const res = await send('GET', `/api/users?${query}`, { actor: admin });
      expect(res.statusCode, res.body).not.toBe(500);
      const body = expectEnvelope(res, [400]);
      expect(body.details.length).toBeGreaterThan(0);
      expect((body.details as { field: string }[]).map((d) => d.field).join(' ')).toContain(field.split('[')[0]);
    });
  });

  describeV('path parameters', () => {
    const methods: Method[] = ['GET', 'PATCH', 'DELETE'];
    it.each([
      ['65 characters', 'x'.repeat(65), [400]],
      ['200 characters', 'x'.repeat(200), [400]],
      ['201 characters', 'x'.repeat(201), [400, 404, 414]],
      ['10 000 characters', 'x'.repeat(10_000), [400, 404, 414]],
      ['SQL', encodeURIComponent("1' OR '1'='1"), [400]],
      ['emoji', encodeURIComponent('👩‍💻'), [400]],
      ['NUL', '%00', [400]],
      ['bad percent-encoding', '%E0%A4%A', [400]],
      ['dot-dot', '..%2F..%2Fetc%2Fpasswd', [400]],
      ['unknown but well-formed', 'abc123', [404]],
    ] as const)('%s', async (_label, id, allowed) => {
      for (const method of methods) {
        const res = await send(method, `/api/users/${id}`, {
          actor: admin,
          ...(method === 'PATCH' ? { payload: JSON.stringify({ firstName: 'X' }), contentType: 'application/json' } : {}),
        });
        const body = expectEnvelope(res, [...allowed]);
        if (res.statusCode === 400 && body.code === 'validation_error') {
          expect((body.details as { field: string }[]).map((d) => d.field)).toContain('userId');
        }
      }
    });
  });

  describe('envelope and request ids', () => {
    itV('unknown routes are 404 in the envelope', async () => {
      for (const [method, url] of [
        ['GET', '/api/nope'],
        ['POST', '/api/users/x/y/z'],
        ['PUT', '/api/users'],
        // (GET / is the dashboard when web/dist is built: not an unknown route.)
        ['GET', '/api/'],
        ['DELETE', '/api/auth/me'],
      ] as const) {
        const res = await send(method, url);
        expect(expectEnvelope(res, [404]).code).toBe('not_found');
      }
    });

    itV('echoes X-Request-Id, and generates one when absent', async () => {
      const given = await send('GET', '/api/auth/me', { headers: { 'x-request-id': 'trace-abc-123' } });
      expect(given.headers['x-request-id']).toBe('trace-abc-123');
      const onError = await send('GET', '/api/nope', { headers: { 'x-request-id': 'trace-404' } });
      expect(onError.headers['x-request-id']).toBe('trace-404');
      const onValidation = await sendJson(endpoints[1]!, {});
      expect(onValidation.statusCode).toBe(400);
      const generated = onValidation.headers['x-request-id'];
      expect(generated).toEqual(expect.any(String));
      expect((generated as string).length).toBeGreaterThan(5);
      const tooBig = await send('POST', '/api/auth/login', {
        payload: JSON.stringify({ email: 'a'.repeat(MB + 10) }),
        contentType: 'application/json',
        headers: { 'x-request-id': 'trace-413' },
      });
      expect(tooBig.statusCode).toBe(413);
      expect(tooBig.headers['x-request-id']).toBe('trace-413');
    });

    it('still works after all that', async () => {
      const res = await send('GET', '/api/auth/me', { actor: admin });
      expect(res.statusCode).toBe(200);
      const users = await send('GET', '/api/users', { actor: admin });
      expect(users.statusCode).toBe(200);
      for (const u of users.json().data as { role: string; id: string }[]) {
        if (u.id !== admin.userId) expect(u.role).toBe('manager');
      }
    });
  });
}

// Validation and the envelope do not depend on the database: once, on the cheapest one.
describe(`abuse: validation and envelope (${kinds.at(-1)!})`, () => defineAbuse(kinds.at(-1)!, 'validation'));
describe.each(kinds)('abuse: strings that reach the database on %s', (kind) => defineAbuse(kind, 'database'));
