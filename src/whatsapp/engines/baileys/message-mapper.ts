/**
 * WAMessage → EngineMessage. Returns null for what is not a chat message for the inbox
 * (protocol messages, reactions, key distribution, group notifications, poll votes...).
 */
import { getContentType, normalizeMessageContent, proto, toNumber, type WAMessage } from 'baileys';
import type { EngineEvent, EngineMessage, MediaInfo, MessageType } from '../../engine.js';
import { announcedMedia } from './media-download.js';
import { phonesOfVcard } from '../../vcard.js';
import { chatKindOf } from '../../jid.js';
import { resolveChat, resolveSender, type PnForLid } from './jids.js';

export interface MapContext {
  origin: EngineMessage['origin'];
  /** Our own canonical id, when connected. */
  ownJid?: string;
  pnForLid?: PnForLid;
}

/** Content that never becomes an inbox message. */
const SKIPPED = new Set<string>([
  'protocolMessage',
  'reactionMessage',
  'encReactionMessage',
  'pollUpdateMessage',
  'keepInChatMessage',
  'pinInChatMessage',
  'encEventResponseMessage',
  'secretEncryptedMessage',
  'messageHistoryBundle',
  'call',
]);

export const isCiphertextStub = (msg: WAMessage): boolean => msg.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT;

function timestampOf(msg: WAMessage): Date {
  const seconds = msg.messageTimestamp ? toNumber(msg.messageTimestamp) : 0;
  return seconds > 0 ? new Date(seconds * 1000) : new Date();
}

interface Extracted {
  messageType: MessageType;
  body: string | null;
  media?: MediaInfo;
  location?: EngineMessage['location'];
  contacts?: EngineMessage['contacts'];
  quotedMessageId?: string;
}

function extract(content: proto.IMessage, key: proto.IMessageKey): Extracted | null {
  const type = getContentType(content);
  if (!type || SKIPPED.has(type)) return null;
  const quoted = (ctx?: proto.IContextInfo | null): string | undefined => ctx?.stanzaId ?? undefined;
  switch (type) {
    case 'conversation':
      return { messageType: 'text', body: content.conversation ?? '' };
    case 'extendedTextMessage': {
      const m = content.extendedTextMessage!;
      return { messageType: 'text', body: m.text ?? '', quotedMessageId: quoted(m.contextInfo) };
    }
    case 'imageMessage': {
      const m = content.imageMessage!;
      return { messageType: 'image', body: m.caption ?? null, media: announcedMedia('image', m, key), quotedMessageId: quoted(m.contextInfo) };
    }
    case 'videoMessage':
    case 'ptvMessage': {
      const m = (content.videoMessage ?? content.ptvMessage)!;
      const kind = content.videoMessage ? 'video' : 'ptv';
      return { messageType: 'video', body: m.caption ?? null, media: announcedMedia(kind, m, key), quotedMessageId: quoted(m.contextInfo) };
    }
    case 'audioMessage': {
      const m = content.audioMessage!;
      return { messageType: 'audio', body: null, media: announcedMedia('audio', m, key), quotedMessageId: quoted(m.contextInfo) };
    }
    case 'documentMessage': {
      const m = content.documentMessage!;
      return { messageType: 'document', body: m.caption ?? null, media: announcedMedia('document', m, key), quotedMessageId: quoted(m.contextInfo) };
    }
    case 'stickerMessage': {
      const m = content.stickerMessage!;
      return { messageType: 'sticker', body: null, media: announcedMedia('sticker', m, key), quotedMessageId: quoted(m.contextInfo) };
    }
    case 'locationMessage':
    case 'liveLocationMessage': {
      const m = (content.locationMessage ?? content.liveLocationMessage)!;
      const name = 'name' in m && m.name ? m.name : undefined;
      const address = 'address' in m && m.address ? m.address : undefined;
      return {
        messageType: 'location',
        body: null,
        location: { latitude: m.degreesLatitude ?? 0, longitude: m.degreesLongitude ?? 0, ...(name && { name }), ...(address && { address }) },
        quotedMessageId: quoted(m.contextInfo),
      };
    }
    case 'contactMessage':
    case 'contactsArrayMessage': {
      const cards = content.contactMessage ? [content.contactMessage] : (content.contactsArrayMessage!.contacts ?? []);
      const contacts = cards.map((c) => ({ name: c.displayName ?? '', phones: phonesOfVcard(c.vcard ?? ''), vcard: c.vcard ?? '' }));
      return { messageType: 'contact', body: null, contacts, quotedMessageId: quoted((content.contactMessage ?? content.contactsArrayMessage)!.contextInfo) };
    }
    default:
      return { messageType: 'unknown', body: null };
  }
}

export function mapWAMessage(msg: WAMessage, ctx: MapContext): EngineMessage | null {
  const key = msg.key;
  if (!key?.id) return null;
  const chat = resolveChat(key, ctx.pnForLid);
  // Channels (newsletters) are not conversations of this inbox.
  if (!chat || chat.chatJid.endsWith('@newsletter')) return null;
  const chatKind = chatKindOf(chat.chatJid);
  const base = {
    messageId: key.id,
    chatJid: chat.chatJid,
    ...(chat.chatAltJid && { chatAltJid: chat.chatAltJid }),
    chatKind,
    ...(chatKind === 'individual' && !key.fromMe && msg.pushName && { chatName: msg.pushName }),
    fromMe: !!key.fromMe,
    senderJid: resolveSender(key, chat, ctx.ownJid, ctx.pnForLid),
    ...(!key.fromMe && msg.pushName && { senderName: msg.pushName }),
    timestamp: timestampOf(msg),
    origin: ctx.origin,
    ...(key.fromMe && { status: 'sent' as const }),
  };
  if (isCiphertextStub(msg)) {
    return { ...base, body: null, messageType: 'ciphertext', isPlaceholder: true };
  }
  // Group notifications and other stubs carry no content for the inbox.
  if (!msg.message) return null;
  const content = normalizeMessageContent(msg.message);
  if (!content) return null;
  const extracted = extract(content, key);
  if (!extracted) return null;
  return {
    ...base,
    body: extracted.body,
    messageType: extracted.messageType,
    isPlaceholder: false,
    ...(extracted.media && { media: extracted.media }),
    ...(extracted.location && { location: extracted.location }),
    ...(extracted.contacts && { contacts: extracted.contacts }),
    ...(extracted.quotedMessageId && { quotedMessageId: extracted.quotedMessageId }),
  };
}

/**
 * A reaction, an edit or a deletion for everyone (WhatsApp sends them as messages naming their
 * target by its key) → the change event; null for anything else.
 */
export function mapMessageChange(msg: WAMessage, ctx: Pick<MapContext, 'ownJid' | 'pnForLid'>): Extract<EngineEvent, { type: 'message-change' }> | null {
  const content = msg.message ? normalizeMessageContent(msg.message) : undefined;
  const chat = msg.key ? resolveChat(msg.key, ctx.pnForLid) : undefined;
  if (!content || !chat) return null;
  const base = {
    type: 'message-change' as const,
    chatJid: chat.chatJid,
    senderJid: resolveSender(msg.key, chat, ctx.ownJid, ctx.pnForLid),
    fromMe: !!msg.key.fromMe,
    timestamp: timestampOf(msg),
  };
  const reaction = content.reactionMessage;
  if (reaction?.key?.id) return { ...base, messageId: reaction.key.id, change: { kind: 'reaction', emoji: reaction.text ?? '' } };
  const protocol = content.protocolMessage;
  if (!protocol?.key?.id) return null;
  const Type = proto.Message.ProtocolMessage.Type;
  if (protocol.type === Type.REVOKE) return { ...base, messageId: protocol.key.id, change: { kind: 'revoke' } };
  if (protocol.type === Type.MESSAGE_EDIT && protocol.editedMessage) {
    const edited = normalizeMessageContent(protocol.editedMessage);
    const body =
      edited?.conversation ??
      edited?.extendedTextMessage?.text ??
      edited?.imageMessage?.caption ??
      edited?.videoMessage?.caption ??
      edited?.documentMessage?.caption;
    if (typeof body === 'string') return { ...base, messageId: protocol.key.id, change: { kind: 'edit', body } };
  }
  return null;
}
