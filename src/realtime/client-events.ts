/**
 * What the outside sees of a domain event: the `whatsapp:*` events of the contract (socket-events.ts)
 * and who may receive each. Socket fan-out uses the audience; webhooks use name and payload.
 */
import type { AnyDomainEvent } from '../events/domain-events.js';
import type { SocketEventName, SocketEventPayload } from './socket-events.js';

/**
 * The company's admins (unless `excludeAdmins`), plus the readers of `sessionId`, plus `userIds`.
 * No session and no users means the admins alone.
 */
export interface Audience {
  companyId: string;
  sessionId?: string;
  userIds?: string[];
  excludeAdmins?: boolean;
}

export type ClientEvent = {
  [E in SocketEventName]: { name: E; payload: SocketEventPayload<E>; audience: Audience };
}[SocketEventName];

const client = <E extends SocketEventName>(name: E, payload: SocketEventPayload<E>, audience: Audience): ClientEvent =>
  ({ name, payload, audience }) as ClientEvent;

export function toClientEvents(event: AnyDomainEvent): ClientEvent[] {
  const { companyId } = event;
  const inSession = (sessionId: string): Audience => ({ companyId, sessionId });
  switch (event.name) {
    case 'message.stored': {
      const { sessionId, chat, message } = event.payload;
      return [
        client('whatsapp:new-message', { sessionId, companyId, chat, message }, inSession(sessionId)),
        client(
          'whatsapp:chat-updated',
          { sessionId, companyId, chatId: chat.id, lastMessageAt: chat.lastMessageAt, lastMessageText: chat.lastMessageText, unreadCount: chat.unreadCount },
          inSession(sessionId),
        ),
      ];
    }
    case 'message.status_changed': {
      const { sessionId, messageId, status, timestamp } = event.payload;
      return [client('whatsapp:message-status', { sessionId, messageId, status, timestamp }, inSession(sessionId))];
    }
    case 'message.updated':
      return [client('whatsapp:message-updated', event.payload, inSession(event.payload.sessionId))];
    case 'message.send_failed':
      return [client('whatsapp:send-error', event.payload, inSession(event.payload.sessionId))];
    case 'chat.updated':
      return [client('whatsapp:chat-updated', { ...event.payload, companyId }, inSession(event.payload.sessionId))];
    case 'typing.changed':
      return [client('whatsapp:typing-status', event.payload, inSession(event.payload.sessionId))];
    case 'session.qr_changed':
      // Only admins link numbers; the QR goes to them alone.
      return [client('whatsapp:qr-updated', event.payload, { companyId })];
    case 'session.connected':
      return [client('whatsapp:session-connected', event.payload, inSession(event.payload.sessionId))];
    case 'session.disconnected': {
      const { sessionId, reason } = event.payload;
      return [client('whatsapp:session-disconnected', { sessionId, reason }, inSession(sessionId))];
    }
    case 'session.error':
      return [client('whatsapp:session-error', event.payload, inSession(event.payload.sessionId))];
    case 'access.granted':
      return [client('whatsapp:manager-access-granted', event.payload, { companyId, userIds: [event.payload.managerId] })];
    case 'access.revoked':
      return [client('whatsapp:manager-access-revoked', event.payload, { companyId, userIds: [event.payload.managerId] })];
    case 'stats.recomputed': {
      const { stats, forUserId } = event.payload;
      const audience = forUserId ? { companyId, userIds: [forUserId], excludeAdmins: true } : { companyId };
      return [client('whatsapp:stats-updated', { companyId, stats }, audience)];
    }
    case 'session.created':
    case 'session.removed':
    case 'user.access_ended':
      return [];
  }
}
