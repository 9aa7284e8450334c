import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, registerCompany, type Actor, type TestApp } from '../../test/helpers/app.js';
import { routeDatabaseKinds } from '../../test/helpers/databases.js';
import { connectSocket, eventually } from '../../test/helpers/socket.js';
import { eq, sql } from 'drizzle-orm';
import { chats, managerAccess, messages, waSessions } from '../db/schema/index.js';
import { createAccessPolicy } from '../managers/access-policy.js';
import { createAccessRepository } from '../managers/access.repository.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { createSessionsRepository } from '../sessions/sessions.repository.js';
import { createStatsRepository } from './stats.repository.js';
import { createStatsService, type StatsService } from './stats.service.js';

const kinds = await routeDatabaseKinds();

/** 01:30 in Almaty (UTC+5), 20:30 in UTC: "today" differs between the two. */
const NOW = new Date('2026-11-21T20:30:00.000Z');
const UTC_ONLY = new Date('2026-11-21T10:00:00.000Z');
const BOTH = new Date('2026-11-21T19:30:00.000Z');
const YESTERDAY = new Date('2026-11-20T10:00:00.000Z');

describe.each(kinds)('stats on %s', (kind) => {
  const clock: Clock = { now: () => NOW };
  let t: TestApp;
  let service: StatsService;
  let admin: Actor;
  let reader: Actor;
  let writer: Actor;
  let idle: Actor;
  let other: Actor;
  const sessions: Record<'connected' | 'waiting' | 'closed' | 'other', string> = { connected: '', waiting: '', closed: '', other: '' };

  const get = (actor: Actor | undefined, query = '') =>
    t.inject({ method: 'GET', url: `/api/whatsapp/stats${query}`, ...(actor && { headers: actor.headers }) });
  const createSession = async (actor: Actor, displayName: string): Promise<string> => {
    const res = await t.inject({ method: 'POST', url: '/api/whatsapp/sessions', headers: actor.headers, payload: { displayName } });
    expect(res.statusCode).toBe(201);
    return (res.json() as { data: { sessionId: string } }).data.sessionId;
  };
  const status = async (actor: Actor, id: string) =>
    ((await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${id}`, headers: actor.headers })).json() as { data: { status: string } }).data.status;

  /** A chat with its counters, and exactly the message rows those counters describe. */
  const seedChat = async (
    companyId: string,
    sessionId: string,
    chatType: 'individual' | 'group' | 'status',
    unreadCount: number,
    msgs: { at: Date; fromMe: boolean }[],
  ) => {
    const { db } = t.app.database;
    const chatId = newId();
    await db.insert(chats).values({
      id: chatId,
      companyId,
      sessionId,
      waChatId: `${chatId}@${chatType === 'group' ? 'g.us' : 'c.us'}`,
      chatType,
      unreadCount,
      messageCount: msgs.length,
      sentCount: msgs.filter((m) => m.fromMe).length,
    });
    // …and the session's counters, as the ingest maintains them.
    const typeCounter = { individual: waSessions.individualChats, group: waSessions.groupChats, status: waSessions.statusChats }[chatType];
    await db
      .update(waSessions)
      .set({
        [chatType === 'individual' ? 'individualChats' : chatType === 'group' ? 'groupChats' : 'statusChats']: sql`${typeCounter} + 1`,
        messageCount: sql`${waSessions.messageCount} + ${msgs.length}`,
        sentCount: sql`${waSessions.sentCount} + ${msgs.filter((m) => m.fromMe).length}`,
      })
      .where(eq(waSessions.id, sessionId));
    if (msgs.length === 0) return;
    await db.insert(messages).values(
      msgs.map((m, i) => ({
        id: newId(),
        companyId,
        sessionId,
        chatId,
        waMessageId: `${chatId}-${i}`,
        fromMe: m.fromMe,
        fromNumber: '77079856339@c.us',
        body: 'hi',
        messageType: 'text',
        timestamp: m.at,
      })),
    );
  };

  beforeAll(async () => {
    t = await createTestApp({ db: kind, env: { QR_MAX_REFRESHES: '100' }, overrides: { clock } });
    const { db } = t.app.database;
    const policy = createAccessPolicy({ sessions: createSessionsRepository(db), access: createAccessRepository(db), bus: t.app.bus });
    service = createStatsService({ repo: createStatsRepository(db), policy, clock });
    admin = await registerCompany(t, 'Stats Co');
    reader = await createUser(t, admin, 'manager');
    writer = await createUser(t, admin, 'manager');
    idle = await createUser(t, admin, 'manager');
    const promoted = await createUser(t, admin, 'admin');
    other = await registerCompany(t, 'Other Co');

    sessions.connected = await createSession(admin, 'Connected');
    sessions.waiting = await createSession(admin, 'Waiting for QR');
    sessions.closed = await createSession(admin, 'Closed');
    sessions.other = await createSession(other, 'Theirs');
    const scan = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessions.connected}/scan`, headers: admin.headers, payload: { phoneNumber: '77010000001' } });
    expect(scan.statusCode).toBe(200);
    await eventually(async () => (await status(admin, sessions.connected)) === 'connected', 10_000, 'session connected');
    const close = await t.inject({ method: 'POST', url: `/api/whatsapp/sessions/${sessions.closed}/close`, headers: admin.headers, payload: {} });
    expect(close.statusCode).toBe(200);
    await eventually(async () => (await status(admin, sessions.closed)) === 'closed', 10_000, 'session closed');
    expect(await status(admin, sessions.waiting)).toBe('qr');

    await db.insert(managerAccess).values([
      { id: newId(), companyId: admin.companyId, sessionId: sessions.connected, managerId: reader.userId, canRead: true, canWrite: false },
      { id: newId(), companyId: admin.companyId, sessionId: sessions.waiting, managerId: writer.userId, canRead: true, canWrite: true },
      // A grant left over from before its user became an admin: not a manager with access.
      { id: newId(), companyId: admin.companyId, sessionId: sessions.connected, managerId: promoted.userId, canRead: true, canWrite: false },
    ]);

    // Connected session: 6 messages (1 sent), 3 of them today in UTC, 1 in Almaty.
    await seedChat(admin.companyId, sessions.connected, 'individual', 2, [
      { at: UTC_ONLY, fromMe: false },
      { at: UTC_ONLY, fromMe: true },
      { at: BOTH, fromMe: false },
    ]);
    await seedChat(admin.companyId, sessions.connected, 'group', 0, [
      { at: YESTERDAY, fromMe: false },
      { at: YESTERDAY, fromMe: false },
    ]);
    await seedChat(admin.companyId, sessions.connected, 'status', 1, [{ at: YESTERDAY, fromMe: false }]);
    // Waiting session: 4 messages (2 sent), 2 today in UTC, 1 in Almaty.
    await seedChat(admin.companyId, sessions.waiting, 'individual', 0, [
      { at: UTC_ONLY, fromMe: false },
      { at: BOTH, fromMe: true },
      { at: YESTERDAY, fromMe: true },
      { at: YESTERDAY, fromMe: false },
    ]);
    await seedChat(admin.companyId, sessions.closed, 'individual', 0, []);
    // Another company's data never counts.
    await seedChat(other.companyId, sessions.other, 'individual', 3, [
      { at: BOTH, fromMe: false },
      { at: BOTH, fromMe: true },
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('requires a token', async () => {
    expect((await get(undefined)).statusCode).toBe(401);
  });

  it('gives an admin the whole company (UTC day by default)', async () => {
    const res = await get(admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: {
        sessions: { total: 3, active: 2, connected: 1 },
        messages: { total: 10, today: 5, sent: 3, received: 7 },
        chats: { total: 4, individual: 3, groups: 1 },
        managers: { total: 3, withAccess: 2 },
        media: { storedBytes: 0 },
      },
    });
  });

  it('counts "today" in the requested time zone', async () => {
    const almaty = (await get(admin, '?tz=Asia/Almaty')).json() as { data: { messages: { today: number } } };
    expect(almaty.data.messages).toEqual({ total: 10, today: 2, sent: 3, received: 7 });
    const utc = (await get(admin, '?tz=UTC')).json() as { data: { messages: { today: number } } };
    expect(utc.data.messages.today).toBe(5);
    // 12:30 on the 21st in Los Angeles: that day began at 08:00Z, before UTC_ONLY; in Kathmandu
    // (UTC+5:45) it began at 18:15Z.
    expect(((await get(admin, '?tz=America/Los_Angeles')).json() as { data: { messages: { today: number } } }).data.messages.today).toBe(5);
    expect(((await get(admin, '?tz=Asia/Kathmandu')).json() as { data: { messages: { today: number } } }).data.messages.today).toBe(2);
  });

  it('rejects an unknown time zone or query field with 400 naming it', async () => {
    for (const [query, field] of [
      ['?tz=Mars/Olympus', 'tz'],
      ['?tz=', 'tz'],
      ['?timezone=UTC', 'timezone'],
    ] as const) {
      const res = await get(admin, query);
      expect(res.statusCode, query).toBe(400);
      expect((res.json() as { details: { field: string }[] }).details.map((d) => d.field), query).toContain(field);
    }
  });

  it('limits a manager to the sessions granted to it', async () => {
    expect((await get(reader)).json()).toEqual({
      success: true,
      data: {
        sessions: { total: 1, active: 1, connected: 1 },
        messages: { total: 6, today: 3, sent: 1, received: 5 },
        chats: { total: 2, individual: 1, groups: 1 },
        managers: { total: 1, withAccess: 1 },
        media: { storedBytes: 0 },
      },
    });
    expect(((await get(reader, '?tz=Asia/Almaty')).json() as { data: { messages: unknown } }).data.messages).toEqual({ total: 6, today: 1, sent: 1, received: 5 });
    expect(((await get(writer)).json() as { data: unknown }).data).toEqual({
      sessions: { total: 1, active: 1, connected: 0 },
      messages: { total: 4, today: 2, sent: 2, received: 2 },
      chats: { total: 1, individual: 1, groups: 0 },
      managers: { total: 1, withAccess: 1 },
      media: { storedBytes: 0 },
    });
    expect(((await get(idle)).json() as { data: unknown }).data).toEqual({
      sessions: { total: 0, active: 0, connected: 0 },
      messages: { total: 0, today: 0, sent: 0, received: 0 },
      chats: { total: 0, individual: 0, groups: 0 },
      managers: { total: 0, withAccess: 0 },
      media: { storedBytes: 0 },
    });
  });

  it('computes the live figures for admins and for each manager (UTC day)', async () => {
    expect(await service.liveForCompany(admin.companyId)).toEqual({ totalChats: 4, unreadChats: 1, totalMessages: 10, todayMessages: 5, connectedSessions: 1 });
    expect(await service.liveFor({ userId: admin.userId, companyId: admin.companyId, role: 'admin' })).toEqual(await service.liveForCompany(admin.companyId));
    expect(await service.liveFor({ userId: reader.userId, companyId: admin.companyId, role: 'manager' })).toEqual({
      totalChats: 2,
      unreadChats: 1,
      totalMessages: 6,
      todayMessages: 3,
      connectedSessions: 1,
    });
    expect(await service.liveFor({ userId: idle.userId, companyId: admin.companyId, role: 'manager' })).toBeUndefined();
    expect(await service.liveForCompany(other.companyId)).toEqual({ totalChats: 1, unreadChats: 1, totalMessages: 2, todayMessages: 2, connectedSessions: 0 });
  });

  it('counts what the simulator delivers, and pushes coalesced live stats to admins and to each manager', async () => {
    const baseUrl = await t.listen();
    const sockets = await Promise.all([admin, reader, idle].map((a) => connectSocket(baseUrl, a.token)));
    const [adminSide, readerSide, idleSide] = sockets.map((s) => s.events);
    try {
      const inbound = (payload: Record<string, unknown>) =>
        t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessions.connected}/inbound`, headers: admin.headers, payload: { timestamp: BOTH.toISOString(), ...payload } });
      for (const res of [
        await inbound({ from: '77011112233', fromName: 'Dana', body: 'hello' }),
        await inbound({ from: '77011112233', fromName: 'Dana', body: 'are you there?' }),
        await inbound({ from: '77011112244', body: 'hi all', groupId: '120363000000000001', groupName: 'Team' }),
        await inbound({ from: '77011112255', body: 'my status', status: true }),
      ]) {
        expect(res.statusCode, res.body).toBe(200);
      }
      const stats = await eventually(
        async () => {
          const data = ((await get(admin)).json() as { data: { messages: { total: number } } }).data;
          return data.messages.total === 14 && data;
        },
        10_000,
        'inbound messages counted',
      );
      expect(stats).toEqual({
        sessions: { total: 3, active: 2, connected: 1 },
        messages: { total: 14, today: 9, sent: 3, received: 11 },
        chats: { total: 6, individual: 4, groups: 2 },
        managers: { total: 3, withAccess: 2 },
        media: { storedBytes: 0 },
      });
      expect(((await get(admin, '?tz=Asia/Almaty')).json() as { data: { messages: { today: number } } }).data.messages.today).toBe(6);

      const company = await adminSide!.wait('whatsapp:stats-updated', (e) => e.stats.totalMessages === 14, 10_000);
      expect(company).toEqual({ companyId: admin.companyId, stats: { totalChats: 6, unreadChats: 3, totalMessages: 14, todayMessages: 9, connectedSessions: 1 } });
      const own = await readerSide!.wait('whatsapp:stats-updated', (e) => e.stats.totalMessages === 10, 10_000);
      expect(own).toEqual({ companyId: admin.companyId, stats: { totalChats: 4, unreadChats: 3, totalMessages: 10, todayMessages: 7, connectedSessions: 1 } });
      // The reader never sees the company-wide figures, the admin never sees the reader's. The
      // admin's are compared whole: the company's total passes through 10 on its way to 14 too.
      expect(readerSide!.of('whatsapp:stats-updated').some((e) => e.stats.totalMessages === 14)).toBe(false);
      expect(adminSide!.of('whatsapp:stats-updated').map((e) => e.stats)).not.toContainEqual(own.stats);
      // A manager without sessions gets none.
      expect(idleSide!.of('whatsapp:stats-updated')).toEqual([]);
    } finally {
      for (const s of sockets) s.socket.close();
    }
  });
});
