/**
 * The fuzz tier, generated from the OpenAPI document: every operation, called by a company admin
 * (who gets furthest into the handlers), with property-based bad input in its path, query and
 * body — wrong types, missing and extra fields, nulls, huge and deeply nested values,
 * `__proto__`, NUL, lone surrogates, RTL and emoji, injection strings, broken JSON and encodings —
 * never gets a 500 or a body outside the error envelope, and a 400 for the body names its field.
 * A failing case prints fast-check's seed and the shrunk request.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, linkSession, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { eventually } from './helpers/socket.js';
import { fillPath, inRunOrder, isEnding, loadOperations, validInstance, type FieldValues, type Operation } from './helpers/openapi.js';

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFFFF',
  '\u202Egnp.exe',
  'مرحبا بالعالم',
  'Привет, мир',
  '👍🏽👨‍👩‍👧',
  "' OR 1=1 --",
  "'); DROP TABLE messages; --",
  '<script>alert(1)</script>',
  '{{7*7}}${7*7}',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '__proto__',
  'constructor',
  '1e309',
  '-1',
  'NaN',
  'null',
  'a'.repeat(70_000),
];

const deep = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) v = { v };
  return v;
};

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...NASTY_STRINGS),
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}, deep(2_000), [[[[[]]]]]),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Raw bodies a JSON parser must refuse cleanly, and prototype-pollution attempts it must ignore. */
const RAW_BODIES: { payload: string | Buffer; contentType: string }[] = [
  { payload: '{"a":', contentType: 'application/json' },
  { payload: '', contentType: 'application/json' },
  { payload: 'null', contentType: 'application/json' },
  { payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]), contentType: 'application/json' },
  { payload: '{"__proto__":{"role":"admin","isAdmin":true}}', contentType: 'application/json' },
  { payload: '{"constructor":{"prototype":{"role":"admin"}}}', contentType: 'application/json' },
  { payload: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
  { payload: 'hello', contentType: 'text/plain' },
  { payload: '{"a":1}', contentType: 'application/json; charset=latin1' },
  { payload: `[${'['.repeat(5_000)}${']'.repeat(5_000)}]`, contentType: 'application/json' },
];

type Mutation =
  | { kind: 'field'; key: string; value: unknown }
  | { kind: 'drop'; key: string }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'body'; value: unknown }
  | { kind: 'raw'; index: number }
  | { kind: 'query'; key: string; value: string }
  | { kind: 'path'; key: string; value: string };

let t: TestApp;
let ops: Operation[];
let admin: Actor;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ env: { SEND_RATE_PER_MINUTE: '100000' } });
  ops = await loadOperations(t);
  admin = await registerCompany(t, 'Fuzz Co');
  const sessionId = await linkSession(t, admin, 'Fuzz line');
  await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: admin.headers, payload: { from: '77012223344', body: 'hi' } });
  const chatId = await eventually(async () => {
    const res = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/chats`, headers: admin.headers });
    return (res.json().data as { id: string }[])[0]?.id;
  });
  // A user of our own to edit: a password the fuzz happens to make valid must not end the admin's token.
  const colleague = await createUser(t, admin);
  ids = { sessionId, id: sessionId, chatId, userId: colleague.userId, managerId: colleague.userId };
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const fields: FieldValues = {
  password: () => 'a fresh Password for 2026',
  phoneNumber: () => '77070000009',
  from: () => '77012223344',
  chatId: () => '77012223344',
  refreshToken: () => 'not-a-refresh-token',
};

/** Any string as UTF-8 bytes, percent-encoded (a lone surrogate becomes U+FFFD, as in a browser). */
const percentEncoded = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** URL fragments as they go on the wire, broken escapes included. */
const urlPart: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS).map(percentEncoded),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(percentEncoded),
  fc.constantFrom('%', '%zz', '%FF%FE', '%ED%A0%80', '%00', '..', '%2e%2e%2f', 'a'.repeat(5_000)),
);

function mutations(op: Operation): fc.Arbitrary<Mutation> {
  const arbs: fc.Arbitrary<Mutation>[] = [];
  const strings = urlPart;
  for (const p of op.pathParams) arbs.push(strings.map((value) => ({ kind: 'path' as const, key: p.name, value })));
  const keys = Object.keys(op.body?.properties ?? {});
  if (op.body) {
    if (keys.length) arbs.push(fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom(...keys), value: nastyValue }));
    if (op.body.required?.length) arbs.push(fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...op.body.required) }));
    arbs.push(fc.record({ kind: fc.constant('extra' as const), key: fc.constantFrom('extra', '__proto__', 'constructor', 'role', 'companyId', '$where'), value: nastyValue }));
    arbs.push(nastyValue.map((value) => ({ kind: 'body' as const, value })));
    arbs.push(fc.nat({ max: RAW_BODIES.length - 1 }).map((index) => ({ kind: 'raw' as const, index })));
  }
  const queryKeys = [...op.query.map((q) => q.name), 'unknown', '__proto__'];
  arbs.push(fc.record({ kind: fc.constant('query' as const), key: fc.constantFrom(...queryKeys), value: strings }));
  return fc.oneof(...arbs);
}

function requestFor(op: Operation, m: Mutation) {
  const body = op.body ? (validInstance(op.body, fields, op.name) as Record<string, unknown>) : undefined;
  // An operation that ends something (a delete, a close) gets well-formed ids that exist nowhere:
  // its body and query are validated in full, and nothing the other cases need is ended.
  const idOf = (name: string) => (isEnding(op) && op.pathParams.length > 0 ? `missing${name}` : (ids[name] ?? 'x'));
  const path = fillPath(op, (name) => (m.kind === 'path' && m.key === name ? m.value : encodeURIComponent(idOf(name))));
  const url = m.kind === 'query' ? `${path}?${encodeURIComponent(m.key)}=${m.value}` : path;
  const headers: Record<string, string> = { ...admin.headers };
  let payload: string | Buffer | undefined = body === undefined ? undefined : JSON.stringify(body);
  if (m.kind === 'field' && body) payload = JSON.stringify({ ...body, [m.key]: m.value });
  if (m.kind === 'drop' && body) payload = JSON.stringify(Object.fromEntries(Object.entries(body).filter(([k]) => k !== m.key)));
  // Written as JSON text, so `__proto__` arrives as an own key, as it would from a client.
  if (m.kind === 'extra' && body) payload = `${JSON.stringify(body).slice(0, -1)}${Object.keys(body).length ? ',' : ''}${JSON.stringify(m.key)}:${JSON.stringify(m.value) ?? 'null'}}`;
  if (m.kind === 'body') payload = JSON.stringify(m.value) ?? 'null';
  if (m.kind === 'raw') {
    payload = RAW_BODIES[m.index]!.payload;
    headers['content-type'] = RAW_BODIES[m.index]!.contentType;
  } else if (payload !== undefined) headers['content-type'] = 'application/json';
  return { method: op.method, url, headers, ...(payload !== undefined && { payload }) };
}

const ENVELOPE = { success: false, error: expect.any(String), code: expect.any(String) };

async function check(op: Operation, m: Mutation): Promise<void> {
  const res = await t.inject(requestFor(op, m));
  const where = `${op.name} with ${JSON.stringify(m).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  // 502/503: the contract's answers when WhatsApp or the session's connection is unavailable.
  expect(res.statusCode < 500 || res.statusCode === 502 || res.statusCode === 503, where).toBe(true);
  expect(res.headers['content-type'], where).toMatch(/application\/json/);
  // The admin's token stays valid throughout, or the fuzz would stop at authentication.
  if (op.access !== 'public' && !op.path.endsWith('/logout')) expect(res.statusCode, where).not.toBe(401);
  const body = res.json() as { code?: string; details?: { field: string }[] };
  if (res.statusCode >= 400) expect(body, where).toMatchObject(ENVELOPE);
  if (body.code === 'validation_error') {
    expect(body.details?.length, where).toBeGreaterThan(0);
    for (const d of body.details ?? []) expect(typeof d.field, where).toBe('string');
    // A bad or missing body field is named (itself, or a part of it).
    if ((m.kind === 'field' || m.kind === 'drop') && res.statusCode === 400) {
      expect(body.details?.some((d) => d.field === m.key || d.field.startsWith(`${m.key}.`) || d.field.startsWith(`${m.key}[`)), where).toBe(true);
    }
  }
}

describe('fuzz tier generated from the OpenAPI document', () => {
  it('the request every case starts from is valid (a schema that cannot say so gives an example)', async () => {
    for (const op of inRunOrder(ops)) {
      if (!op.body) continue;
      const res = await t.inject(requestFor(op, { kind: 'query', key: 'unused', value: '' }));
      expect(res.json(), `${op.name} → ${res.statusCode} ${res.body.slice(0, 300)}`).not.toMatchObject({ code: 'validation_error' });
    }
  });

  it('every operation, every body field × every nasty string: no 500, always the envelope', async () => {
    for (const op of inRunOrder(ops)) {
      for (const key of Object.keys(op.body?.properties ?? {})) {
        for (const value of NASTY_STRINGS) await check(op, { kind: 'field', key, value });
      }
      for (let index = 0; index < RAW_BODIES.length && op.body; index += 1) await check(op, { kind: 'raw', index });
    }
  }, 300_000);

  it('every operation, property-based bad input in path, query and body: no 500, always the envelope', async () => {
    for (const op of inRunOrder(ops)) {
      await fc.assert(
        fc.asyncProperty(mutations(op), async (m) => check(op, m)),
        { numRuns: 40 },
      );
    }
  }, 300_000);
});
