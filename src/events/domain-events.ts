/**
 * Domain events: what happened, in the product's own words. Services publish them and know
 * nothing of sockets or webhooks; realtime/ maps them to the `whatsapp:*` client events and
 * rooms, stats/ recomputes on them, webhooks consume the recorded ones.
 *
 * Payloads are plain JSON (they are stored in the outbox table): ids, ISO timestamps and the
 * views the client events are built from.
 */
import type { Permission } from '../managers/permission.js';
import type { ChatSummaryPayload, MessagePayload, MessageUpdatedEvent, StatsUpdatedEvent } from '../realtime/socket-events.js';
import type { DeliveryStatus } from '../whatsapp/engine.js';

export interface DomainEventMap {
  /** A message was stored (inbound, our own send, an echo): `isNew` is false when it replaced a placeholder. */
  'message.stored': { sessionId: string; chat: ChatSummaryPayload; message: MessagePayload; isNew: boolean };
  'message.status_changed': { sessionId: string; chatId: string; messageId: string; status: DeliveryStatus; timestamp: string };
  /** A stored message changed (its file was fetched or failed); `changes` holds the new values. */
  'message.updated': MessageUpdatedEvent;
  'message.send_failed': { sessionId: string; chatId: string; messageText: string; errorType: string; message: string; timestamp: string };
  /** The chat's counters or preview changed without a new message (read, merge). */
  'chat.updated': { sessionId: string; chatId: string; lastMessageAt: string | null; lastMessageText: string | null; unreadCount: number };
  'typing.changed': { sessionId: string; chatId: string; isTyping: boolean; participantId: string; timestamp: string };
  'session.created': { sessionId: string; displayName: string };
  'session.removed': { sessionId: string };
  'session.qr_changed': { sessionId: string; qrCode: string };
  'session.connected': { sessionId: string; phoneNumber: string; displayName: string };
  'session.disconnected': { sessionId: string; reason: string; status: string };
  'session.error': { sessionId: string; errorType: string; message: string; timestamp: string };
  'access.granted': {
    sessionId: string;
    managerId: string;
    managerName: string;
    permissions: Permission[];
    grantedBy: string;
    timestamp: string;
  };
  'access.revoked': { sessionId: string; managerId: string; managerName: string; revokedBy: string; timestamp: string };
  /** The user's live logins must end: removed, demoted or promoted, password reset. */
  'user.access_ended': { userId: string };
  /** Recomputed live figures (derived, never recorded): for the company's admins, or for one manager. */
  'stats.recomputed': { stats: StatsUpdatedEvent['stats']; forUserId?: string };
}

export type DomainEventName = keyof DomainEventMap;

export interface DomainEvent<K extends DomainEventName = DomainEventName> {
  /** Time-ordered row id; also what webhooks will use as their event id. */
  id: string;
  name: K;
  companyId: string;
  at: string;
  payload: DomainEventMap[K];
}

export type AnyDomainEvent = { [K in DomainEventName]: DomainEvent<K> }[DomainEventName];

/** Derived figures are recomputed on demand; every other event is a recorded fact. */
export const isRecorded = (name: DomainEventName): boolean => name !== 'stats.recomputed';

/** The session an event belongs to, when it belongs to one (ordering and webhook filters use it). */
export function sessionOf(event: AnyDomainEvent): string | undefined {
  return 'sessionId' in event.payload ? event.payload.sessionId : undefined;
}
