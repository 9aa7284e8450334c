/**
 * The transactional outbox. `transaction(work)` runs the data change and records the domain
 * events it emits in one database transaction, then publishes them in-process after the commit:
 * a rolled-back change announces nothing, a committed one is always on record.
 */
import { inArray, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.js';
import { domainEvents } from '../db/schema/index.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { storableJsonText } from '../shared/storable-text.js';
import { isRecorded, sessionOf, type AnyDomainEvent, type DomainEvent, type DomainEventMap, type DomainEventName } from './domain-events.js';
import type { EventBus } from './event-bus.js';

export type Emit = <K extends DomainEventName>(name: K, companyId: string, payload: DomainEventMap[K]) => void;

export interface EventOutbox {
  /** Runs `work` in one transaction; what it emits is recorded there and published after commit. */
  transaction<T>(work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T>;
  /** For facts that change no other data (typing, a new QR): recorded, then published. */
  publish<K extends DomainEventName>(name: K, companyId: string, payload: DomainEventMap[K]): Promise<void>;
  /** Deletes recorded events older than `maxAgeMs`; returns how many. */
  prune(maxAgeMs: number): Promise<number>;
}

/** Inserts events with one statement whatever their number (array parameters, one plan). */
async function recordEvents(tx: DbOrTx, events: readonly AnyDomainEvent[]): Promise<void> {
  const rows = events.filter((e) => isRecorded(e.name));
  if (rows.length === 0) return;
  const col = <T>(pick: (e: AnyDomainEvent) => T) => sql.param(rows.map(pick));
  await tx.execute(sql`
    insert into domain_events (id, company_id, session_id, name, payload, created_at)
    select * from unnest(${col((e) => e.id)}::text[], ${col((e) => e.companyId)}::text[], ${col((e) => sessionOf(e) ?? null)}::text[],
      ${col((e) => e.name)}::text[], ${col((e) => storableJsonText(e.payload))}::jsonb[], ${col((e) => e.at)}::timestamptz[])`);
}

export function createEventOutbox(deps: { db: Db; bus: EventBus; clock: Clock }): EventOutbox {
  const { db, bus, clock } = deps;
  const make = <K extends DomainEventName>(name: K, companyId: string, payload: DomainEventMap[K]): AnyDomainEvent =>
    ({ id: newId(), name, companyId, at: clock.now().toISOString(), payload }) satisfies DomainEvent<K> as AnyDomainEvent;

  return {
    async transaction(work) {
      const pending: AnyDomainEvent[] = [];
      const result = await db.transaction(async (tx) => {
        const value = await work(tx, (name, companyId, payload) => pending.push(make(name, companyId, payload)));
        await recordEvents(tx, pending);
        return value;
      });
      bus.publish(pending);
      return result;
    },
    async publish(name, companyId, payload) {
      const event = make(name, companyId, payload);
      await recordEvents(db, [event]);
      bus.publish([event]);
    },
    async prune(maxAgeMs) {
      // In bounded steps, so a long-idle backlog never becomes one huge delete.
      const cutoff = new Date(clock.now().getTime() - maxAgeMs);
      let total = 0;
      for (;;) {
        const old = db.select({ id: domainEvents.id }).from(domainEvents).where(lt(domainEvents.createdAt, cutoff)).limit(5000);
        const rows = await db.delete(domainEvents).where(inArray(domainEvents.id, old)).returning({ id: domainEvents.id });
        total += rows.length;
        if (rows.length < 5000) return total;
      }
    },
  };
}
