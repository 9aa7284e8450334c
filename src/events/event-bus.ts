/**
 * In-process delivery of domain events to their subscribers (realtime fan-out, stats, caches),
 * wired in app.ts. Publishers call it after their transaction committed (see outbox.ts). A
 * subscriber that throws or rejects is logged and never affects the publisher or the others.
 */
import type { Logger } from 'pino';
import type { AnyDomainEvent } from './domain-events.js';

export type DomainEventHandler = (event: AnyDomainEvent) => void | Promise<void>;

export class EventBus {
  private readonly handlers = new Set<DomainEventHandler>();
  constructor(private readonly logger: Logger) {}

  subscribe(handler: DomainEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(events: readonly AnyDomainEvent[]): void {
    for (const event of events) {
      for (const handler of this.handlers) {
        try {
          const result = handler(event);
          if (result instanceof Promise) result.catch((err: unknown) => this.failed(err, event));
        } catch (err) {
          this.failed(err, event);
        }
      }
    }
  }

  private failed(err: unknown, event: AnyDomainEvent): void {
    this.logger.error({ err, event: event.name }, 'event subscriber failed');
  }
}
