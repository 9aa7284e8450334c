import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFreshDatabase } from '../../test/helpers/databases.js';
import type { Database } from '../db/client.js';
import { companies, domainEvents } from '../db/schema/index.js';
import type { AnyDomainEvent } from './domain-events.js';
import { EventBus } from './event-bus.js';
import { createEventOutbox, type EventOutbox } from './outbox.js';

describe('transactional outbox', () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let outbox: EventOutbox;
  let now = new Date('2026-12-01T10:00:00Z');
  /** Each published event, and whether its row was already there when it was published. */
  const published: { event: AnyDomainEvent; recordedWhenPublished: Promise<boolean> }[] = [];

  beforeAll(async () => {
    ({ database, cleanup } = await openFreshDatabase('pglite'));
    const bus = new EventBus(pino({ level: 'silent' }));
    bus.subscribe((event) => {
      const recordedWhenPublished = database.db
        .select()
        .from(domainEvents)
        .where(eq(domainEvents.id, event.id))
        .then((rows) => rows.length === 1);
      published.push({ event, recordedWhenPublished });
    });
    outbox = createEventOutbox({ db: database.db, bus, clock: { now: () => now } });
  });
  afterAll(async () => cleanup());

  it('records the events with the data in one transaction and publishes them only after the commit', async () => {
    await outbox.transaction(async (tx, emit) => {
      await tx.insert(companies).values({ id: 'c1', name: 'Acme' });
      emit('session.created', 'c1', { sessionId: 's1', displayName: 'Sales' });
      emit('session.removed', 'c1', { sessionId: 's1' });
      // Nothing is published while the transaction is open.
      expect(published).toHaveLength(0);
    });
    // Published synchronously after the commit returned.
    expect(published.map((p) => p.event.name)).toEqual(['session.created', 'session.removed']);
    expect(await Promise.all(published.map((p) => p.recordedWhenPublished))).toEqual([true, true]);
    const rows = await database.db.select().from(domainEvents).orderBy(domainEvents.id);
    expect(rows.map((r) => [r.name, r.sessionId, r.companyId])).toEqual([
      ['session.created', 's1', 'c1'],
      ['session.removed', 's1', 'c1'],
    ]);
  });

  it('announces nothing and keeps nothing when the transaction fails', async () => {
    const before = published.length;
    await expect(
      outbox.transaction(async (tx, emit) => {
        await tx.insert(companies).values({ id: 'c2', name: 'Doomed' });
        emit('session.created', 'c2', { sessionId: 's2', displayName: 'x' });
        throw new Error('constraint says no');
      }),
    ).rejects.toThrow('constraint says no');
    expect(published).toHaveLength(before);
    expect(await database.db.select().from(companies).where(eq(companies.id, 'c2'))).toEqual([]);
    expect(await database.db.select().from(domainEvents).where(eq(domainEvents.companyId, 'c2'))).toEqual([]);
  });

  it('publishes derived figures without recording them, and prunes recorded events by age', async () => {
    await outbox.publish('stats.recomputed', 'c1', { stats: { totalChats: 1, unreadChats: 0, totalMessages: 1, todayMessages: 1, connectedSessions: 0 } });
    expect(published.at(-1)?.event.name).toBe('stats.recomputed');
    expect(await published.at(-1)?.recordedWhenPublished).toBe(false);

    now = new Date('2026-12-01T12:00:00Z');
    await outbox.publish('typing.changed', 'c1', { sessionId: 's1', chatId: '7701@c.us', isTyping: true, participantId: '7701@c.us', timestamp: now.toISOString() });
    expect(await outbox.prune(60 * 60 * 1000)).toBe(2);
    expect((await database.db.select().from(domainEvents)).map((r) => r.name)).toEqual(['typing.changed']);
  });
});
