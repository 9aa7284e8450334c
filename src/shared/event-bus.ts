/**
 * In-process domain event bus. Services publish after their transaction commits; subscribers
 * (realtime fan-out, webhook outbox, stats coalescer) are wired in app.ts. A subscriber that
 * throws is logged and never affects the publisher or the other subscribers.
 */
import type { Logger } from 'pino';
import type { SocketEventName, SocketEventPayload } from '../realtime/socket-events.js';

/**
 * Who may see an event: the company's admins (unless `excludeAdmins`), plus the readers of
 * `sessionId`, plus `userIds`.
 */
export interface EventAudience {
  companyId: string;
  sessionId?: string;
  userIds?: string[];
  /** For per-user variants of a company event (e.g. a manager's own stats). */
  excludeAdmins?: boolean;
}

export type PublicEvent = {
  [E in SocketEventName]: { kind: 'public'; name: E; audience: EventAudience; payload: SocketEventPayload<E> };
}[SocketEventName];

/** Internal facts that other features react to but clients never see verbatim. */
export type InternalEvent =
  | { kind: 'internal'; name: 'access.changed'; companyId: string; sessionId: string; managerId: string; canRead: boolean }
  | { kind: 'internal'; name: 'user.disconnect'; companyId: string; userId: string }
  | { kind: 'internal'; name: 'session.removed'; companyId: string; sessionId: string }
  | { kind: 'internal'; name: 'stats.dirty'; companyId: string };

export type DomainEvent = PublicEvent | InternalEvent;
export type DomainEventHandler = (event: DomainEvent) => void | Promise<void>;

export class EventBus {
  private readonly handlers = new Set<DomainEventHandler>();
  constructor(private readonly logger: Logger) {}

  subscribe(handler: DomainEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(event: DomainEvent): void {
    for (const handler of this.handlers) {
      try {
        const result = handler(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.logger.error({ err, event: event.name }, 'event subscriber failed'));
        }
      } catch (err) {
        this.logger.error({ err, event: event.name }, 'event subscriber failed');
      }
    }
  }

  /** Typed helper for the socket-visible events. */
  emit<E extends SocketEventName>(name: E, audience: EventAudience, payload: SocketEventPayload<E>): void {
    this.publish({ kind: 'public', name, audience, payload } as PublicEvent);
  }
}
