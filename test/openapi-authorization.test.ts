/**
 * The authorization tier, generated from the OpenAPI document: every operation × every identity
 * gets what the operation's `x-access` declares. Identities without a valid token get 401; a
 * manager without the grant, and another company's admin, get 404 — the very answer a missing id
 * gets, so another tenant's ids cannot be told from ids that do not exist; a read-only manager
 * writing and a manager doing an admin's work get 403; whoever may call gets past authorization.
 */
import { randomBytes } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, linkSession, registerCompany, type Actor, type TestApp } from './helpers/app.js';
import { eventually } from './helpers/socket.js';
import { fillPath, inRunOrder, loadOperations, validInstance, type FieldValues, type Operation } from './helpers/openapi.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

type Member = 'admin' | 'rw' | 'r' | 'none' | 'other';
type Stranger = 'anon' | 'expired' | 'forged' | 'unsigned' | 'revoked' | 'removed';
const MEMBERS: Member[] = ['admin', 'rw', 'r', 'none', 'other'];
const STRANGERS: Stranger[] = ['anon', 'expired', 'forged', 'unsigned', 'revoked', 'removed'];

type Expected = 'allowed' | 403 | 404;

/** What an operation's declared access promises each member of a company. */
function expected(op: Operation, who: Member): Expected {
  const hasIds = op.pathParams.length > 0;
  switch (op.access) {
    case 'public':
    case 'user':
      return 'allowed';
    case 'admin':
      if (who === 'admin') return 'allowed';
      if (who === 'other') return hasIds ? 404 : 'allowed';
      return 403;
    case 'session:read':
    case 'session:read+link':
      return who === 'none' || who === 'other' ? 404 : 'allowed';
    case 'session:write':
      if (who === 'admin' || who === 'rw') return 'allowed';
      return who === 'r' ? 403 : 404;
  }
}

let t: TestApp;
let ops: Operation[];
let members: Record<Member, Actor>;
const strangerHeaders = {} as Record<Stranger, Record<string, string>>;
let ids: Record<string, string>;
let sentMessageId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { SEND_RATE_PER_MINUTE: '100000' } });
  ops = await loadOperations(t);
  const admin = await registerCompany(t, 'Tier Co');
  const other = await registerCompany(t, 'Stranger Co');
  const [rw, r, none, victim, grantee, revoked, removed] = await Promise.all(Array.from({ length: 7 }, () => createUser(t, admin)));
  members = { admin, rw: rw!, r: r!, none: none!, other };

  const sessionId = await linkSession(t, admin, 'Tier line');
  for (const [who, permissions] of [
    [rw!, ['read', 'write']],
    [r!, ['read']],
    [grantee!, ['read']],
  ] as const) {
    const g = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/managers`, headers: admin.headers, payload: { managerId: who.userId, permissions } });
    expect(g.statusCode, g.body).toBe(201);
  }
  await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/inbound`, headers: admin.headers, payload: { from: '77012223344', body: 'hi' } });
  const chatId = await eventually(async () => {
    const res = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/chats`, headers: admin.headers });
    return (res.json().data as { id: string }[])[0]?.id;
  });
  const sent = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessionId}/chats/${chatId}/messages`, headers: admin.headers, payload: { type: 'text', message: 'ours' } });
  expect(sent.statusCode, sent.body).toBe(201);
  sentMessageId = sent.json().data.messageId;
  // A file of ours is stored as it is sent: the media route has something to serve.
  const photo = await t.inject({
    method: 'POST',
    url: `/api/whatsapp/sessions/${sessionId}/chats/${chatId}/messages`,
    headers: admin.headers,
    payload: { type: 'image', media: { base64: Buffer.from('not really a jpeg').toString('base64'), mimetype: 'image/jpeg' } },
  });
  expect(photo.statusCode, photo.body).toBe(201);
  ids = { sessionId, id: sessionId, chatId, messageId: photo.json().data.id, userId: victim!.userId, managerId: grantee!.userId };

  // A token of someone whose logins ended everywhere, and one of a user who was removed.
  const out = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: revoked!.headers, payload: { refreshToken: revoked!.refreshToken, everywhere: true } });
  expect(out.statusCode, out.body).toBe(200);
  const gone = await t.inject({ method: 'DELETE', url: `/api/users/${removed!.userId}`, headers: admin.headers });
  expect(gone.statusCode, gone.body).toBe(200);

  const claims = { sub: admin.userId, cid: admin.companyId, role: 'admin', typ: 'access', iam: Date.now() };
  const expiredToken = createSigner({ key: JWT_SECRET, expiresIn: 60_000, clockTimestamp: Date.now() - 3_600_000 })(claims);
  const forgedToken = createSigner({ key: randomBytes(32).toString('hex'), expiresIn: 60_000 })(claims);
  const unsignedToken = createSigner({ algorithm: 'none', expiresIn: 60_000 })(claims);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  Object.assign(strangerHeaders, {
    anon: {},
    expired: bearer(expiredToken),
    forged: bearer(forgedToken),
    unsigned: bearer(unsignedToken),
    revoked: revoked!.headers,
    removed: removed!.headers,
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** Body fields whose valid value is a fixture of this company, or the caller's own. */
function fieldsFor(caller: Actor | undefined): FieldValues {
  return {
    managerId: () => ids.managerId,
    messageId: () => sentMessageId,
    password: () => 'a fresh Password for 2026',
    phoneNumber: () => '77070000009',
    from: () => '77012223344',
    chatId: () => '77012223344',
    refreshToken: () => caller?.refreshToken ?? 'no-such-refresh-token',
  };
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(op: Operation, headers: Record<string, string>, caller: Actor | undefined, pathIds: (name: string) => string): Promise<Answer> {
  const res = await t.inject({
    method: op.method,
    url: fillPath(op, (name) => encodeURIComponent(pathIds(name))),
    headers,
    ...(op.body && { payload: validInstance(op.body, fieldsFor(caller), op.name) as object }),
  });
  const body: unknown = res.headers['content-type']?.toString().includes('json') ? res.json() : res.body;
  // 502/503 are the contract's answers when WhatsApp (or the session's connection) is unavailable.
  if (res.statusCode >= 500 && res.statusCode !== 502 && res.statusCode !== 503) throw new Error(`${op.name} → ${res.statusCode} ${res.body}`);
  return { status: res.statusCode, body };
}

const realIds = (name: string): string => {
  const id = ids[name];
  if (!id) throw new Error(`no fixture for path parameter ${name}: add one to the authorization tier`);
  return id;
};
const missingIds = (): string => `missing${randomBytes(6).toString('hex')}`;
const errorEnvelope = { success: false, error: expect.any(String), code: expect.any(String) };

describe('authorization tier generated from the OpenAPI document', () => {
  it('covers every operation, each declaring its access', () => {
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.filter((op) => op.path.startsWith('/api/')).map((op) => op.name)).toEqual(ops.map((op) => op.name));
  });

  it('no valid token (none, expired, forged, unsigned, ended by logout everywhere, user removed): 401 on every non-public operation', async () => {
    const wrong: string[] = [];
    for (const op of ops.filter((o) => o.access !== 'public')) {
      for (const who of STRANGERS) {
        const got = await call(op, strangerHeaders[who], undefined, realIds);
        if (got.status !== 401) wrong.push(`${op.name} as ${who}: ${got.status}`);
        expect(got.body, `${op.name} as ${who}`).toMatchObject(errorEnvelope);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('denied members get 403 or 404 as declared, and a 404 is exactly what a missing id gets', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const op of ops) {
      for (const who of MEMBERS) {
        const want = expected(op, who);
        if (want === 'allowed') continue;
        checked += 1;
        const actor = members[who];
        const got = await call(op, actor.headers, actor, realIds);
        if (got.status !== want) wrong.push(`${op.name} as ${who}: ${got.status}, declared ${op.access} → ${want}`);
        expect(got.body).toMatchObject(errorEnvelope);
        if (want === 404) {
          const missing = await call(op, actor.headers, actor, missingIds);
          expect(got, `${op.name} as ${who}: another tenant's ids must look missing`).toEqual(missing);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('what an allowed caller reads holds nothing of what it may not see (lists and overviews)', async () => {
    const leaks: string[] = [];
    // Ours, as another company's admin must never see them; the session also for a manager without the grant.
    const hidden: Record<'none' | 'other', string[]> = {
      none: [ids.sessionId!],
      other: [ids.sessionId!, ids.chatId!, ids.userId!, ids.managerId!, members.admin.userId, sentMessageId],
    };
    let checked = 0;
    for (const op of ops.filter((o) => o.method === 'GET' && o.pathParams.length === 0 && o.access !== 'public')) {
      for (const who of ['none', 'other'] as const) {
        if (expected(op, who) !== 'allowed') continue;
        const got = await call(op, members[who].headers, members[who], realIds);
        checked += 1;
        const text = JSON.stringify(got.body);
        for (const id of hidden[who]) if (text.includes(id)) leaks.push(`${op.name} as ${who} shows ${id}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(3);
  });

  it('allowed members get past authorization on every operation (operations that end things last)', async () => {
    const wrong: string[] = [];
    for (const op of inRunOrder(ops.filter((o) => o.access !== 'public'))) {
      for (const who of MEMBERS) {
        if (expected(op, who) !== 'allowed') continue;
        const actor = members[who];
        // Another company's admin works in its own company: nothing of ours is in its path.
        if (who === 'other' && op.pathParams.length > 0) continue;
        const got = await call(op, actor.headers, actor, realIds);
        const looksDenied = got.status === 401 || got.status === 403;
        const looksMissing = op.pathParams.length > 0 && got.status === 404 && JSON.stringify(got) === JSON.stringify(await call(op, actor.headers, actor, missingIds));
        if (looksDenied || looksMissing) wrong.push(`${op.name} as ${who}: ${got.status} ${JSON.stringify(got.body)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
