import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, type Actor, type TestApp } from '../../test/helpers/app.js';
import { routeDatabaseKinds } from '../../test/helpers/databases.js';
import { connectSocket } from '../../test/helpers/socket.js';
import { auditLog, domainEvents } from '../db/schema/index.js';
import type { AnyDomainEvent } from '../events/domain-events.js';
import { toClientEvents } from '../realtime/client-events.js';

const kinds = await routeDatabaseKinds();

describe.each(kinds)('managers access routes on %s', (kind) => {
  let t: TestApp;
  let admin: Actor;
  let manager: Actor;
  let secondAdmin: Actor;
  let otherAdmin: Actor;
  let otherManager: Actor;
  let sessionId: string;
  let otherSessionId: string;
  const events: AnyDomainEvent[] = [];

  const call = (actor: Actor | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    t.inject({ method, url, ...(actor && { headers: actor.headers }), ...(payload !== undefined && { payload: payload as object }) });
  const grantUrl = (sid = sessionId) => `/api/whatsapp/sessions/${sid}/managers`;
  const createSession = async (actor: Actor, displayName: string): Promise<string> => {
    const res = await t.inject({ method: 'POST', url: '/api/whatsapp/sessions', headers: actor.headers, payload: { displayName } });
    expect(res.statusCode).toBe(201);
    return (res.json() as { data: { sessionId: string } }).data.sessionId;
  };
  const since = (mark: number) => events.slice(mark).filter((e) => e.name.startsWith('access.'));
  const recorded = async (id: string) => (await t.app.database.db.select().from(domainEvents).where(eq(domainEvents.id, id)))[0];

  beforeAll(async () => {
    t = await createTestApp({ db: kind });
    t.app.bus.subscribe((e) => {
      events.push(e);
    });
    admin = await registerCompany(t, 'Acme');
    manager = await createUser(t, admin, 'manager', { firstName: 'Anna', lastName: 'Ivanova' });
    secondAdmin = await createUser(t, admin, 'admin');
    otherAdmin = await registerCompany(t, 'Other');
    otherManager = await createUser(t, otherAdmin, 'manager');
    sessionId = await createSession(admin, 'Sales');
    otherSessionId = await createSession(otherAdmin, 'Theirs');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('requires a token, and an admin', async () => {
    expect((await call(undefined, 'GET', grantUrl())).statusCode).toBe(401);
    expect((await call(undefined, 'POST', grantUrl(), { managerId: manager.userId, permissions: ['read'] })).statusCode).toBe(401);
    for (const [method, url, body] of [
      ['GET', grantUrl(), undefined],
      ['POST', grantUrl(), { managerId: manager.userId, permissions: ['read'] }],
      ['DELETE', `${grantUrl()}/${manager.userId}`, undefined],
    ] as const) {
      const res = await call(manager, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json()).toMatchObject({ success: false, code: 'forbidden' });
    }
  });

  it('grants access (201) and tells the manager, the admins and the gateway after the write', async () => {
    const mark = events.length;
    const res = await call(admin, 'POST', grantUrl(), { managerId: manager.userId, permissions: ['read', 'write'] });
    expect(res.statusCode).toBe(201);
    const { data } = res.json() as { data: Record<string, unknown> };
    expect(data).toEqual({ id: expect.any(String), managerId: manager.userId, sessionId, permissions: ['read', 'write'], grantedAt: expect.any(String) });
    expect(new Date(data.grantedAt as string).toISOString()).toBe(data.grantedAt);

    const published = since(mark);
    const payload = { sessionId, managerId: manager.userId, managerName: 'Anna Ivanova', permissions: ['read', 'write'], grantedBy: admin.userId, timestamp: expect.any(String) };
    expect(published).toEqual([{ id: expect.any(String), name: 'access.granted', companyId: admin.companyId, at: expect.any(String), payload }]);
    expect(toClientEvents(published[0]!)).toEqual([
      { name: 'whatsapp:manager-access-granted', audience: { companyId: admin.companyId, userIds: [manager.userId] }, payload },
    ]);
    // Recorded in the grant's own transaction (the outbox).
    expect(await recorded(published[0]!.id)).toMatchObject({ name: 'access.granted', companyId: admin.companyId, sessionId, payload });

    const audit = await t.app.database.db.select().from(auditLog).where(and(eq(auditLog.companyId, admin.companyId), eq(auditLog.targetId, data.id as string)));
    expect(audit).toEqual([expect.objectContaining({ actorId: admin.userId, action: 'manager_access.granted', targetType: 'manager_access' })]);

    // The grant is what the single access policy reads: the manager now sees the session.
    expect((await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: manager.headers })).statusCode).toBe(200);
    const list = (await t.inject({ method: 'GET', url: '/api/whatsapp/sessions', headers: manager.headers })).json() as { data: { id: string }[] };
    expect(list.data.map((s) => s.id)).toEqual([sessionId]);
  });

  it('granting again updates the permissions (200) on the same grant', async () => {
    const before = (await call(admin, 'GET', grantUrl())).json() as { data: { id: string }[] };
    const mark = events.length;
    const res = await call(secondAdmin, 'POST', grantUrl(), { managerId: manager.userId, permissions: ['read'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: { id: before.data[0]!.id, managerId: manager.userId, sessionId, permissions: ['read'], grantedAt: expect.any(String) },
    });
    const [granted] = since(mark);
    expect(granted).toMatchObject({ name: 'access.granted', payload: { permissions: ['read'], grantedBy: secondAdmin.userId } });
  });

  it('lists the grants with their managers', async () => {
    const third = await createUser(t, admin, 'manager', { firstName: 'Boris', lastName: 'Petrov' });
    expect((await call(admin, 'POST', grantUrl(), { managerId: third.userId, permissions: ['write', 'read'] })).statusCode).toBe(201);
    const res = await call(admin, 'GET', grantUrl());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: [
        {
          id: expect.any(String),
          manager: { id: manager.userId, firstName: 'Anna', lastName: 'Ivanova', email: manager.email },
          permissions: ['read'],
          grantedAt: expect.any(String),
        },
        {
          id: expect.any(String),
          manager: { id: third.userId, firstName: 'Boris', lastName: 'Petrov', email: third.email },
          permissions: ['read', 'write'],
          grantedAt: expect.any(String),
        },
      ],
    });
    // Nothing of another company's sessions shows through.
    expect((await call(otherAdmin, 'GET', grantUrl(otherSessionId))).json()).toEqual({ success: true, data: [] });
  });

  it('rejects bad bodies with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ managerId: manager.userId, permissions: [] }, 'permissions'],
      [{ managerId: manager.userId, permissions: ['write'] }, 'permissions'],
      [{ managerId: manager.userId, permissions: ['read', 'read'] }, 'permissions'],
      [{ managerId: manager.userId, permissions: ['admin'] }, 'permissions'],
      [{ managerId: manager.userId, permissions: 'read' }, 'permissions'],
      [{ managerId: manager.userId }, 'permissions'],
      [{ permissions: ['read'] }, 'managerId'],
      [{ managerId: manager.userId, permissions: ['read'], role: 'boss' }, 'role'],
      [{ managerId: secondAdmin.userId, permissions: ['read'] }, 'managerId'],
      [{ managerId: admin.userId, permissions: ['read'] }, 'managerId'],
    ];
    for (const [body, field] of cases) {
      const res = await call(admin, 'POST', grantUrl(), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const json = res.json() as { success: boolean; details?: { field: string }[] };
      expect(json.success).toBe(false);
      expect(json.details?.map((d) => d.field.replace(/\.\d+$/, '')), JSON.stringify(body)).toContain(field);
    }
  });

  it("answers 404 for another company's session or user, unknown users and missing grants", async () => {
    const notFound = [
      await call(admin, 'POST', grantUrl(otherSessionId), { managerId: manager.userId, permissions: ['read'] }),
      await call(admin, 'GET', grantUrl(otherSessionId)),
      await call(admin, 'DELETE', `${grantUrl(otherSessionId)}/${otherManager.userId}`),
      await call(admin, 'POST', grantUrl(), { managerId: otherManager.userId, permissions: ['read'] }),
      await call(admin, 'POST', grantUrl(), { managerId: 'nobody123', permissions: ['read'] }),
      await call(admin, 'POST', grantUrl('nosuchsession'), { managerId: manager.userId, permissions: ['read'] }),
      await call(admin, 'DELETE', `${grantUrl()}/${otherManager.userId}`),
      await call(admin, 'DELETE', `${grantUrl()}/${secondAdmin.userId}`),
    ];
    for (const res of notFound) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    }
    // Another company's admin cannot touch our grants either.
    expect((await call(otherAdmin, 'DELETE', `${grantUrl()}/${manager.userId}`)).statusCode).toBe(404);
  });

  it('revokes access: events after the delete, and the session is gone for the manager', async () => {
    const mark = events.length;
    const res = await call(admin, 'DELETE', `${grantUrl()}/${manager.userId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: expect.any(String) });

    const published = since(mark);
    const payload = { sessionId, managerId: manager.userId, managerName: 'Anna Ivanova', revokedBy: admin.userId, timestamp: expect.any(String) };
    expect(published).toEqual([{ id: expect.any(String), name: 'access.revoked', companyId: admin.companyId, at: expect.any(String), payload }]);
    expect(toClientEvents(published[0]!)).toEqual([
      { name: 'whatsapp:manager-access-revoked', audience: { companyId: admin.companyId, userIds: [manager.userId] }, payload },
    ]);
    expect(await recorded(published[0]!.id)).toMatchObject({ name: 'access.revoked', sessionId });
    const audit = await t.app.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.companyId, admin.companyId), eq(auditLog.action, 'manager_access.revoked')));
    expect(audit).toHaveLength(1);

    expect((await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: manager.headers })).statusCode).toBe(404);
    const list = (await t.inject({ method: 'GET', url: '/api/whatsapp/sessions', headers: manager.headers })).json() as { data: unknown[] };
    expect(list.data).toEqual([]);
    expect(((await call(admin, 'GET', grantUrl())).json() as { data: { manager: { id: string } }[] }).data.map((g) => g.manager.id)).not.toContain(manager.userId);

    expect((await call(admin, 'DELETE', `${grantUrl()}/${manager.userId}`)).statusCode).toBe(404);
  });

  it("moves the manager's live socket in and out of the session's events at once", async () => {
    const baseUrl = await t.listen();
    const watcher = await createUser(t, admin, 'manager', { firstName: 'Vera', lastName: 'Watcher' });
    const live = await createSession(admin, 'Live');
    const { socket, events: received } = await connectSocket(baseUrl, watcher.token);
    const adminSide = await connectSocket(baseUrl, admin.token);
    try {
      expect((await call(admin, 'POST', grantUrl(live), { managerId: watcher.userId, permissions: ['read'] })).statusCode).toBe(201);
      expect(await received.wait('whatsapp:manager-access-granted', (e) => e.sessionId === live)).toMatchObject({ managerId: watcher.userId, managerName: 'Vera Watcher' });

      // No reconnect needed: the session's events reach the socket right after the grant.
      const scan = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${live}/scan`, headers: admin.headers, payload: { phoneNumber: '77010000009' } });
      expect(scan.statusCode).toBe(200);
      await received.wait('whatsapp:session-connected', (e) => e.sessionId === live);

      expect((await call(admin, 'DELETE', `${grantUrl(live)}/${watcher.userId}`)).statusCode).toBe(200);
      await received.wait('whatsapp:manager-access-revoked', (e) => e.sessionId === live);
      const revokedAt = received.events.length;
      const close = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${live}/close`, headers: admin.headers, payload: {} });
      expect(close.statusCode).toBe(200);
      await adminSide.events.wait('whatsapp:session-disconnected', (e) => e.sessionId === live);
      // Anything misrouted to the watcher would have arrived before its sync answer.
      await received.synced();
      expect(received.events.slice(revokedAt).filter((e) => (e.payload as { sessionId?: string }).sessionId === live)).toEqual([]);
    } finally {
      socket.close();
      adminSide.socket.close();
    }
  });
});
