/**
 * Types of the REST and Socket.IO contract, derived from the server's own definitions.
 * Type-only imports: nothing from the server is bundled.
 */
import type { Static } from 'typebox';
import type { Pagination as PaginationSchema } from '../../../src/http/schemas.js';
import type { SessionSchema, HealthSchema, CreatedSessionSchema, SessionStatus } from '../../../src/sessions/session-view.js';
import type { ChatSchema, ChatDetailSchema, MessageSchema } from '../../../src/messages/message-view.js';
import type { SentView } from '../../../src/messages/send-view.js';
import type { UserView } from '../../../src/users/user-view.js';
import type { Permission } from '../../../src/managers/permission.js';
import type { GrantListItem } from '../../../src/managers/grant-view.js';
import type { CompanyView, TokenPair } from '../../../src/auth/auth-view.js';
import type { StatsOverview } from '../../../src/stats/stats-view.js';
import type { DeliveryStatus, MessageType, ChatKind } from '../../../src/whatsapp/engine.js';

export type {
  ServerToClientEvents,
  SocketEventName,
  SocketEventPayload,
  NewMessageEvent,
  ChatUpdatedEvent,
  MessageStatusEvent,
  TypingStatusEvent,
  StatsUpdatedEvent,
  MessageUpdatedEvent,
} from '../../../src/realtime/socket-events.js';
export type { HandshakeErrorCode, HandshakeErrorData } from '../../../src/realtime/handshake-errors.js';

export type { SessionStatus, Permission };
export type Session = Static<typeof SessionSchema>;
export type Health = Static<typeof HealthSchema>;
export type CreatedSession = Static<typeof CreatedSessionSchema>;
export type Chat = Static<typeof ChatSchema>;
export type ChatDetail = Static<typeof ChatDetailSchema>;
export type Message = Omit<Static<typeof MessageSchema>, 'status' | 'messageType'> & {
  status: DeliveryStatus | null;
  messageType: MessageType | string;
};
/** A message's file: what it announced, where the file stands, and signed links once stored. */
export type MessageMedia = NonNullable<Message['media']>;
export type MediaState = MessageMedia['state'];
/** One sender's reaction to a message (WhatsApp keeps one per sender); `from` is a WhatsApp id. */
export type Reaction = Message['reactions'][number];
/** What happened to a message after it was sent: reactions, an edit, a deletion for everyone (its row stays, without body and media). */
export type MessageAfterwards = Pick<Message, 'reactions' | 'isEdited' | 'editedAt' | 'isDeleted' | 'deletedAt'>;
export type User = UserView;
export type { DeliveryStatus, MessageType, ChatKind };

export type Company = CompanyView;
export type AuthTokens = TokenPair;

export type Pagination = Static<typeof PaginationSchema>;

export type ManagerAccess = GrantListItem;
export type CompanyStats = StatsOverview;

export interface ServerHealth {
  status: string;
  engine: string;
  simulatorControl: boolean;
}

/** What `POST …/messages` answers: the server's own view. */
export type SentMessageResult = SentView;
