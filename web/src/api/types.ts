/**
 * Types of the REST and Socket.IO contract, derived from the server's own definitions.
 * Type-only imports: nothing from the server is bundled.
 */
import type { Static } from 'typebox';
import type { SessionSchema, HealthSchema, CreatedSessionSchema } from '../../../src/sessions/session-view.js';
import type { ChatSchema, ChatDetailSchema, MessageSchema } from '../../../src/messages/message-view.js';
import type { SentView } from '../../../src/messages/send.service.js';
import type { UserView } from '../../../src/users/user-view.js';
import type { Permission } from '../../../src/realtime/socket-events.js';
import type { DeliveryStatus, MessageType, ChatKind } from '../../../src/whatsapp/engine.js';

export type {
  ServerToClientEvents,
  SocketEventName,
  SocketEventPayload,
  NewMessageEvent,
  ChatUpdatedEvent,
  MessageStatusEvent,
  TypingStatusEvent,
  Permission,
  StatsUpdatedEvent,
} from '../../../src/realtime/socket-events.js';

/** API.md's session status values (the server's schema builds them from an array, so its static type is loose). */
export type SessionStatus = 'starting' | 'qr' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'logged_out' | 'failed';
export type Session = Omit<Static<typeof SessionSchema>, 'status'> & { status: SessionStatus };
export type Health = Static<typeof HealthSchema>;
export type CreatedSession = Static<typeof CreatedSessionSchema>;
export type Chat = Static<typeof ChatSchema>;
export type ChatDetail = Static<typeof ChatDetailSchema>;
export type Message = Omit<Static<typeof MessageSchema>, 'status' | 'messageType'> & {
  status: DeliveryStatus | null;
  messageType: MessageType | string;
};
export type User = UserView;
export type { DeliveryStatus, MessageType, ChatKind };

export type Company = { id: string; name: string; createdAt: string };

export interface AuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}

export interface Pagination {
  total: number;
  page: number;
  limit: number;
}

export interface ManagerAccess {
  id: string;
  manager: { id: string; firstName: string; lastName: string; email: string };
  permissions: Permission[];
  grantedAt: string;
}

export interface CompanyStats {
  sessions: { total: number; active: number; connected: number };
  messages: { total: number; today: number; sent: number; received: number };
  chats: { total: number; individual: number; groups: number };
  managers: { total: number; withAccess: number };
}

export interface ServerHealth {
  status: string;
  engine: string;
  simulatorControl: boolean;
}

/** What `POST …/messages` answers: the server's own view. */
export type SentMessageResult = SentView;
