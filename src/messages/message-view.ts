import { Type } from 'typebox';
import { iso, IsoDate, NullableDate, NullableString } from '../http/schemas.js';
import type { ChatSummaryPayload, MessagePayload } from '../realtime/socket-events.js';
import type { ChatKind, DeliveryStatus, MessageType } from '../whatsapp/engine.js';
import type { ChatRow } from '../chats/chats.repository.js';
import type { MessageRow } from './ingest.repository.js';
import type { MediaLinks } from '../media/media-link.js';
import { mediaView, MediaViewSchema } from '../media/media-view.js';

export const ChatTypeSchema = Type.Union([Type.Literal('individual'), Type.Literal('group'), Type.Literal('status')]);

export const ChatSchema = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  chatName: NullableString,
  chatType: ChatTypeSchema,
  isGroup: Type.Boolean(),
  lastMessageAt: NullableDate,
  lastMessageText: NullableString,
  unreadCount: Type.Integer(),
  isArchived: Type.Boolean(),
  _count: Type.Object({ messages: Type.Integer() }),
});

export const ChatDetailSchema = Type.Object({ ...ChatSchema.properties, createdAt: Type.String({ format: 'date-time' }) });

export const MessageSchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  fromMe: Type.Boolean(),
  fromNumber: Type.String(),
  fromName: NullableString,
  body: NullableString,
  messageType: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  isRead: Type.Boolean(),
  managerId: NullableString,
  createdAt: Type.String({ format: 'date-time' }),
  status: NullableString,
  media: Type.Union([MediaViewSchema, Type.Null()]),
  quotedMessageId: NullableString,
  isPlaceholder: Type.Boolean(),
  errorMessage: NullableString,
  reactions: Type.Array(Type.Object({ emoji: Type.String(), from: Type.String(), fromMe: Type.Boolean(), timestamp: IsoDate }), {
    description: 'One per sender; a newer reaction replaces, an empty one removes',
  }),
  isEdited: Type.Boolean(),
  editedAt: NullableDate,
  isDeleted: Type.Boolean({ description: 'Deleted for everyone: body and media are gone, the row stays' }),
  deletedAt: NullableDate,
  location: Type.Union([
    Type.Object({ latitude: Type.Number(), longitude: Type.Number(), name: Type.Optional(Type.String()), address: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  contacts: Type.Union([Type.Array(Type.Object({ name: Type.String(), phones: Type.Array(Type.String()), vcard: Type.String() })), Type.Null()]),
});

export const toChatSummary = (c: ChatRow): ChatSummaryPayload => ({
  id: c.id,
  chatId: c.waChatId,
  chatName: c.chatName,
  chatType: c.chatType as ChatKind,
  isGroup: c.chatType === 'group',
  lastMessageAt: iso(c.lastMessageAt),
  lastMessageText: c.lastMessageText,
  unreadCount: c.unreadCount,
});

export const toChatView = (c: ChatRow) => ({ ...toChatSummary(c), isArchived: c.isArchived, _count: { messages: c.messageCount } });
export const toChatDetail = (c: ChatRow) => ({ ...toChatView(c), createdAt: c.createdAt.toISOString() });

export const toMessagePayload = (m: MessageRow): MessagePayload => ({
  id: m.id,
  messageId: m.waMessageId,
  fromMe: m.fromMe,
  fromNumber: m.fromNumber,
  fromName: m.fromName,
  body: m.body,
  messageType: m.messageType as MessageType,
  timestamp: m.timestamp.toISOString(),
  status: m.status as DeliveryStatus | null,
  managerId: m.managerId,
  media: mediaView(m),
  location: m.location,
  contacts: m.contacts,
});

export const toMessageView = (m: MessageRow, links: MediaLinks) => ({
  ...toMessagePayload(m),
  isRead: m.isRead,
  managerId: m.managerId,
  createdAt: m.createdAt.toISOString(),
  status: m.status,
  media: mediaView(m, links),
  quotedMessageId: m.quotedMessageId,
  isPlaceholder: m.isPlaceholder,
  errorMessage: m.errorMessage,
  reactions: m.reactions ?? [],
  isEdited: m.editedAt !== null,
  editedAt: iso(m.editedAt),
  isDeleted: m.deletedAt !== null,
  deletedAt: iso(m.deletedAt),
  location: m.location,
  contacts: m.contacts,
});
