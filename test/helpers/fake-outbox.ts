/** An in-memory EventOutbox for unit tests: a committed transaction's events land in `events`; a throwing one's do not. */
import type { AnyDomainEvent } from '../../src/events/domain-events.js';
import type { EventOutbox } from '../../src/events/outbox.js';

export function fakeOutbox(): EventOutbox & { events: AnyDomainEvent[] } {
  const events: AnyDomainEvent[] = [];
  let seq = 0;
  const make = (name: string, companyId: string, payload: unknown) => ({ id: `e${++seq}`, name, companyId, at: new Date(0).toISOString(), payload }) as AnyDomainEvent;
  return {
    events,
    async transaction(work) {
      const pending: AnyDomainEvent[] = [];
      const result = await work({} as never, (name, companyId, payload) => pending.push(make(name, companyId, payload)));
      events.push(...pending);
      return result;
    },
    async publish(name, companyId, payload) {
      events.push(make(name, companyId, payload));
    },
    prune: async () => 0,
  };
}
