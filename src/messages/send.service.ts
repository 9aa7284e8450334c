/**
 * Sending has one write path: the message is stored once (pending, with the WhatsApp id we give
 * it, and its `message.stored` event), handed to the engine, then settled once (sent, or failed
 * with its error and a `message.send_failed` event). A crash mid-send leaves a visible row, the
 * engine's echo of our own message is recognised as a duplicate, and every failure is announced.
 */
import type { Logger } from 'pino';
import type { AccessClaims } from '../auth/tokens.js';
import type { ChatsService, ResolvedChat } from '../chats/chats.service.js';
import type { EventOutbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { commonErrors, ValidationError } from '../shared/errors.js';
import type { RateLimiter } from '../shared/rate-limiter.js';
import type { OutgoingContent } from '../whatsapp/engine.js';
import type { MediaStorage, StoredBlob } from '../media/media-storage.js';
import type { StoredMedia } from '../media/media-view.js';
import { engineErrorKind, toHttpError } from '../whatsapp/engine-errors.js';
import { chatKindOf } from '../whatsapp/jid.js';
import { newWaMessageId } from '../whatsapp/message-id.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { whatsappErrors } from '../whatsapp/whatsapp.errors.js';
import type { IdempotencyStore } from './idempotency.js';
import type { IngestItem, IngestRepository, MessageRow } from './ingest.repository.js';
import type { MessagesRepository } from './messages.repository.js';
import { announceStored } from './ingest.service.js';
import { fetchMedia } from './media-fetch.js';
import { contactCard } from '../whatsapp/vcard.js';
import type { SendInput, SendType, SentView } from './send-view.js';

export interface SendDeps {
  chats: ChatsService;
  messages: Pick<MessagesRepository, 'findByWaId' | 'failInterruptedSends'>;
  writes: IngestRepository;
  outbox: EventOutbox;
  registry: SessionRegistry;
  limiter: RateLimiter;
  idempotency: IdempotencyStore;
  clock: Clock;
  logger: Logger;
  sendRatePerMinute: number;
  mediaMaxBytes: number;
  mediaAllowPrivate: boolean;
  storage: Pick<MediaStorage, 'putBuffer'>;
}

type MediaSendType = Exclude<SendType, 'text' | 'location' | 'contact'>;
const isMediaType = (t: SendType): t is MediaSendType => t !== 'text' && t !== 'location' && t !== 'contact';

const DEFAULT_MIME: Record<MediaSendType, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  document: 'application/octet-stream',
  sticker: 'image/webp',
};

/** What a send will carry, checked without any I/O: the body and, for media, its inline bytes or its URL. */
interface Draft {
  type: SendType;
  /** A location or contact cards: complete as given, nothing to fetch. */
  structured?: Extract<OutgoingContent, { type: 'location' | 'contact' }>;
  body: string | null;
  caption?: string;
  inline?: Buffer;
  url?: string;
  mimetype?: string;
  fileName?: string;
  isVoiceNote?: boolean;
}

/** A stored message of ours, as a send answers it. */
const sentView = (row: MessageRow): SentView => ({
  id: row.id,
  messageId: row.waMessageId,
  fromMe: true,
  body: row.body,
  messageType: row.messageType as SendType,
  timestamp: row.timestamp.toISOString(),
  chatId: row.chatId,
  status: row.status ?? 'sent',
});

function draftOf(input: SendInput, maxBytes: number): Draft {
  if (input.type === 'text') {
    if (!input.message?.trim()) throw ValidationError.field('message', 'is required for a text message');
    if (input.media) throw ValidationError.field('media', 'is not allowed for a text message');
    return { type: 'text', body: input.message };
  }
  if (input.type === 'location') {
    if (!input.location) throw ValidationError.field('location', 'is required for a location message');
    return { type: 'location', body: null, structured: { type: 'location', ...input.location } };
  }
  if (input.type === 'contact') {
    if (!input.contacts) throw ValidationError.field('contacts', 'is required for a contact message');
    return { type: 'contact', body: null, structured: { type: 'contact', contacts: input.contacts } };
  }
  const media = input.media;
  if (!media || (!media.url && !media.base64)) throw ValidationError.field('media', `a ${input.type} needs media.url or media.base64`);
  if (media.url && media.base64) throw ValidationError.field('media', 'give either media.url or media.base64, not both');
  const draft: Draft = {
    type: input.type,
    body: input.message ?? null,
    ...(input.message && { caption: input.message }),
    ...(media.mimetype && { mimetype: media.mimetype }),
    ...(media.fileName && { fileName: media.fileName }),
    ...(media.isVoiceNote && input.type === 'audio' && { isVoiceNote: true }),
  };
  if (media.url) return { ...draft, url: media.url };
  const clean = media.base64!.replace(/^data:[^;,]*;base64,/, '');
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(clean)) throw ValidationError.field('media.base64', 'is not valid base64');
  const inline = Buffer.from(clean, 'base64');
  if (inline.length === 0) throw ValidationError.field('media.base64', 'is empty');
  if (inline.length > maxBytes) throw ValidationError.field('media.base64', `is larger than ${maxBytes} bytes`);
  return { ...draft, inline };
}

/** Our file as the row keeps it: stored with the message when we have it, else why not. */
const mediaOf = (d: Draft, stored: StoredBlob | undefined, sizeBytes?: number): StoredMedia | null =>
  !isMediaType(d.type)
    ? null
    : {
        mimetype: d.mimetype ?? DEFAULT_MIME[d.type],
        ...(d.fileName && { fileName: d.fileName }),
        ...(d.caption && { caption: d.caption }),
        ...(d.isVoiceNote && { isVoiceNote: true }),
        ...(stored
          ? { sizeBytes: stored.sizeBytes, sha256: stored.sha256, state: 'stored' as const }
          : { ...(sizeBytes !== undefined && { sizeBytes }), state: 'failed' as const, error: 'not_stored' as const }),
      };

export function createSendService(deps: SendDeps) {
  const { chats, writes, outbox, registry, limiter, clock, logger } = deps;

  const content = async (draft: Draft): Promise<OutgoingContent> => {
    if (draft.type === 'text') return { type: 'text', text: draft.body ?? '' };
    if (draft.structured) return draft.structured;
    if (!isMediaType(draft.type)) throw ValidationError.field('type', 'is not a kind of message that can be sent');
    let data = draft.inline;
    let { mimetype, fileName } = draft;
    if (!data) {
      const fetched = await fetchMedia(draft.url!, { maxBytes: deps.mediaMaxBytes, allowPrivate: deps.mediaAllowPrivate });
      data = fetched.data;
      mimetype ??= fetched.mimetype;
      fileName ??= fetched.fileName;
    }
    return {
      type: draft.type,
      data,
      mimetype: mimetype ?? DEFAULT_MIME[draft.type],
      ...(fileName && { fileName }),
      ...(draft.caption && { caption: draft.caption }),
      ...(draft.isVoiceNote && { isVoiceNote: true }),
    };
  };

  const send = async (
    caller: AccessClaims,
    { session, jid }: ResolvedChat,
    input: SendInput,
    link: (messageId: string) => Promise<void>,
  ): Promise<SentView> => {
    const draft = draftOf(input, deps.mediaMaxBytes);
    const messageId = newWaMessageId();

    const failure = (chatRowId: string, errorType: string, message: string) => ({
      sessionId: session.id,
      chatId: chatRowId,
      messageText: draft.body ?? '',
      errorType,
      message,
      timestamp: clock.now().toISOString(),
    });

    /** Stores the message once; a message refused before it reached the engine is stored failed, with its event. */
    const store = async (media: StoredMedia | null, failed?: { errorType: string; message: string }) => {
      const item: IngestItem = {
        companyId: session.companyId,
        sessionId: session.id,
        chat: { waChatId: jid, chatType: chatKindOf(jid) },
        message: {
          waMessageId: messageId,
          fromMe: true,
          fromNumber: session.phoneJid ?? session.phoneNumber ?? '',
          fromName: null,
          body: draft.body,
          messageType: draft.type,
          timestamp: clock.now(),
          isPlaceholder: false,
          isRead: true,
          status: failed ? 'failed' : 'pending',
          managerId: caller.userId,
          media,
          location: draft.structured?.type === 'location' ? { latitude: draft.structured.latitude, longitude: draft.structured.longitude, ...(draft.structured.name && { name: draft.structured.name }), ...(draft.structured.address && { address: draft.structured.address }) } : null,
          contacts: draft.structured?.type === 'contact' ? draft.structured.contacts.map(contactCard) : null,
          quotedMessageId: input.replyTo ?? null,
          errorMessage: failed?.message ?? null,
        },
      };
      const stored = await outbox.transaction(async (tx, emit) => {
        const [written] = await writes.writeBatch(tx, [item]);
        if (written) {
          announceStored(emit, [written]);
          if (failed) emit('message.send_failed', session.companyId, failure(written.chat.id, failed.errorType, failed.message));
        }
        return written;
      });
      if (!stored) throw commonErrors.internal_error('The message could not be stored');
      await link(messageId);
      return stored;
    };

    // The rate is checked before anything is fetched: a throttled caller cannot make us download.
    const rate = limiter.hit(`send:${session.id}`, deps.sendRatePerMinute, 60_000);
    if (!rate.allowed) {
      const message = `Send rate limit of ${deps.sendRatePerMinute} messages per minute reached for this session`;
      await store(mediaOf(draft, undefined, draft.inline?.length), { errorType: 'rate_limit', message });
      throw commonErrors.rate_limited({ retryAfterSec: rate.retryAfterSec, message });
    }
    const outgoing = await content(draft);
    // Kept before it is sent: our own file is viewable like a received one, whatever WhatsApp says.
    const blob = 'data' in outgoing ? await deps.storage.putBuffer(outgoing.data) : undefined;
    const stored = await store(mediaOf(draft, blob));

    /** The one settling write: the status (and error), with its events. */
    const settle = (status: 'sent' | 'failed', failed?: { errorType: string; message: string }) =>
      outbox.transaction(async (tx, emit) => {
        const row = await writes.advanceStatus(tx, session.id, messageId, status, failed?.message);
        if (row) {
          emit('message.status_changed', session.companyId, {
            sessionId: session.id,
            chatId: row.chatId,
            messageId,
            status,
            timestamp: clock.now().toISOString(),
          });
        }
        if (failed) emit('message.send_failed', session.companyId, failure(stored.chat.id, failed.errorType, failed.message));
      });

    const engine = registry.get(session.id);
    try {
      if (!engine) throw whatsappErrors.session_not_connected();
      await engine.sendMessage(jid, outgoing, { messageId, ...(input.replyTo && { quotedMessageId: input.replyTo }) });
    } catch (err) {
      const kind = engineErrorKind(err);
      const error = toHttpError(err, 'send');
      logger.warn({ err, sessionId: session.id, companyId: session.companyId, kind }, 'send failed');
      await settle('failed', { errorType: error.code === 'session_not_connected' ? 'not_connected' : kind, message: error.message });
      throw error;
    }
    await settle('sent');
    return sentView({ ...stored.message, status: 'sent' });
  };

  return {
    /**
     * At start: sends a previous process handed to WhatsApp without hearing back are failed with
     * the reason (a later receipt still moves them forward), so none stays pending and its
     * Idempotency-Key answers that state.
     */
    async reconcileInterrupted(startedAt: Date): Promise<number> {
      const message = 'The gateway stopped before WhatsApp confirmed this message; it may or may not have been delivered';
      const failed = await outbox.transaction(async (tx, emit) => {
        const rows = await deps.messages.failInterruptedSends(tx, startedAt, message);
        for (const row of rows) {
          const timestamp = clock.now().toISOString();
          emit('message.status_changed', row.companyId, { sessionId: row.sessionId, chatId: row.chatId, messageId: row.waMessageId, status: 'failed', timestamp });
          emit('message.send_failed', row.companyId, {
            sessionId: row.sessionId,
            chatId: row.chatId,
            messageText: row.body ?? '',
            errorType: 'interrupted',
            message,
            timestamp,
          });
        }
        return rows;
      });
      if (failed.length > 0) logger.warn({ count: failed.length }, 'sends interrupted by the last stop were marked failed');
      return failed.length;
    },

    /**
     * The caller is authorized first; with an Idempotency-Key, the same caller's same key within 24 h
     * answers the first result (or the stored state of its message) and sends nothing twice.
     */
    async send(caller: AccessClaims, sessionId: string, chatId: string, input: SendInput, idempotencyKey?: string): Promise<SentView> {
      const target = await chats.resolve(caller, sessionId, chatId, 'write');
      if (!idempotencyKey) return send(caller, target, input, async () => undefined);
      return deps.idempotency.run<SentView>(
        { caller, sessionId: target.session.id, target: target.jid },
        idempotencyKey,
        (link) => send(caller, target, input, link),
        async (messageId) => {
          const row = await deps.messages.findByWaId(target.session.id, messageId);
          return row && row.status !== 'pending' ? sentView(row) : undefined;
        },
      );
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
