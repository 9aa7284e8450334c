/**
 * The Socket.IO contract (seed 000): the 12 server-to-client events and their payloads.
 * Both the server and the web dashboard import this file, so there is one copy of it.
 * Timestamps are ISO-8601 strings.
 */
import type { Permission } from '../managers/permission.js';
import type { MessageContactCard, MessageLocation } from '../messages/message-kinds.js';
import type { MediaView } from '../media/media-view.js';
import type { ChatKind, DeliveryStatus, MessageType } from '../whatsapp/engine.js';

export interface ChatSummaryPayload {
  id: string;
  chatId: string;
  chatName: string | null;
  chatType: ChatKind;
  isGroup: boolean;
  lastMessageAt: string | null;
  lastMessageText: string | null;
  unreadCount: number;
}

export interface MessagePayload {
  id: string;
  messageId: string;
  fromMe: boolean;
  fromNumber: string;
  fromName: string | null;
  body: string | null;
  messageType: MessageType;
  timestamp: string;
  status?: DeliveryStatus | null;
  managerId?: string | null;
  /** For media: what the message announced and the file's state, without links (they are per view). */
  media?: MediaView | null;
  location?: MessageLocation | null;
  contacts?: MessageContactCard[] | null;
}

export interface ReactionView {
  emoji: string;
  /** Canonical WhatsApp id of who reacted. */
  from: string;
  fromMe: boolean;
  timestamp: string;
}

/** A stored message changed later: its file was stored or failed (and, later, edits, deletions, reactions). */
export interface MessageUpdatedEvent {
  sessionId: string;
  /** Our chat row id. */
  chatId: string;
  /** The WhatsApp id. */
  messageId: string;
  /** Only the fields that changed, with their new values. */
  changes: {
    media?: MediaView | null;
    body?: string | null;
    reactions?: ReactionView[];
    isEdited?: boolean;
    editedAt?: string;
    isDeleted?: boolean;
    deletedAt?: string;
  };
  timestamp: string;
}

export interface NewMessageEvent {
  sessionId: string;
  companyId: string;
  chat: ChatSummaryPayload;
  message: MessagePayload;
}

export interface ChatUpdatedEvent {
  sessionId: string;
  companyId: string;
  chatId: string;
  lastMessageAt: string | null;
  lastMessageText: string | null;
  unreadCount: number;
}

export interface QrUpdatedEvent {
  sessionId: string;
  qrCode: string;
}

export interface SessionConnectedEvent {
  sessionId: string;
  phoneNumber: string;
  displayName: string;
}

export interface SessionDisconnectedEvent {
  sessionId: string;
  reason: string;
}

export interface StatsUpdatedEvent {
  companyId: string;
  stats: {
    totalChats: number;
    unreadChats: number;
    totalMessages: number;
    todayMessages: number;
    connectedSessions: number;
  };
}

export interface TypingStatusEvent {
  sessionId: string;
  chatId: string;
  isTyping: boolean;
  participantId: string;
  timestamp: string;
}

export interface MessageStatusEvent {
  sessionId: string;
  messageId: string;
  status: DeliveryStatus;
  timestamp: string;
}

export interface SessionErrorEvent {
  sessionId: string;
  errorType: string;
  message: string;
  timestamp: string;
}

export interface SendErrorEvent {
  sessionId: string;
  chatId: string;
  messageText: string;
  errorType: string;
  message: string;
  timestamp: string;
}

export interface ManagerAccessGrantedEvent {
  sessionId: string;
  managerId: string;
  managerName: string;
  permissions: Permission[];
  grantedBy: string;
  timestamp: string;
}

export interface ManagerAccessRevokedEvent {
  sessionId: string;
  managerId: string;
  managerName: string;
  revokedBy: string;
  timestamp: string;
}

export interface ServerToClientEvents {
  'whatsapp:new-message': (e: NewMessageEvent) => void;
  'whatsapp:chat-updated': (e: ChatUpdatedEvent) => void;
  'whatsapp:qr-updated': (e: QrUpdatedEvent) => void;
  'whatsapp:session-connected': (e: SessionConnectedEvent) => void;
  'whatsapp:session-disconnected': (e: SessionDisconnectedEvent) => void;
  'whatsapp:stats-updated': (e: StatsUpdatedEvent) => void;
  'whatsapp:typing-status': (e: TypingStatusEvent) => void;
  'whatsapp:message-status': (e: MessageStatusEvent) => void;
  'whatsapp:message-updated': (e: MessageUpdatedEvent) => void;
  'whatsapp:session-error': (e: SessionErrorEvent) => void;
  'whatsapp:send-error': (e: SendErrorEvent) => void;
  'whatsapp:manager-access-granted': (e: ManagerAccessGrantedEvent) => void;
  'whatsapp:manager-access-revoked': (e: ManagerAccessRevokedEvent) => void;
}

export type SocketEventName = keyof ServerToClientEvents;
export type SocketEventPayload<E extends SocketEventName> = Parameters<ServerToClientEvents[E]>[0];

export const SOCKET_EVENT_NAMES: readonly SocketEventName[] = [
  'whatsapp:new-message',
  'whatsapp:chat-updated',
  'whatsapp:qr-updated',
  'whatsapp:session-connected',
  'whatsapp:session-disconnected',
  'whatsapp:stats-updated',
  'whatsapp:typing-status',
  'whatsapp:message-status',
  'whatsapp:message-updated',
  'whatsapp:session-error',
  'whatsapp:send-error',
  'whatsapp:manager-access-granted',
  'whatsapp:manager-access-revoked',
];

/**
 * What a client may send. `whatsapp:sync` is answered once everything emitted to this socket
 * before it has been sent (one connection keeps order): a client, or a test, knows it is up to date.
 */
export interface ClientToServerEvents {
  'whatsapp:sync': (ack: (reply: { at: string }) => void) => void;
}
