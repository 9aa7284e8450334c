/**
 * Sending: the message is stored first (pending, with the WhatsApp id we give it), then handed to
 * the engine, then moved to `sent` or `failed`. So a crash mid-send leaves a visible row, the
 * engine's echo of our own message is recognised as a duplicate, and every failure is stored and
 * announced as `whatsapp:send-error`.
 */
import type { Logger } from 'pino';
import type { AccessClaims } from '../auth/tokens.js';
import type { ChatsService } from '../chats/chats.service.js';
import type { Clock } from '../shared/clock.js';
import { commonErrors, ValidationError, type AppError } from '../shared/errors.js';
import type { EventBus } from '../shared/event-bus.js';
import type { RateLimiter } from '../shared/rate-limiter.js';
import type { OutgoingContent } from '../whatsapp/engine.js';
import { engineErrorKind, toHttpError, type EngineErrorKind } from '../whatsapp/engine-errors.js';
import { chatKindOf } from '../whatsapp/jid.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { newWaMessageId } from '../whatsapp/message-id.js';
import { whatsappErrors } from '../whatsapp/whatsapp.errors.js';
import type { IdempotencyStore } from './idempotency.js';
import type { IngestService } from './ingest.service.js';
import { fetchMedia } from './media-fetch.js';
import type { MessagesRepository } from './messages.repository.js';
import type { SendInput, SendType, SentView } from './send-view.js';

export interface SendDeps {
  chats: ChatsService;
  messages: MessagesRepository;
  ingest: IngestService;
  registry: SessionRegistry;
  limiter: RateLimiter;
  idempotency: IdempotencyStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  sendRatePerMinute: number;
  mediaMaxBytes: number;
  mediaAllowPrivate: boolean;
}

const DEFAULT_MIME: Record<Exclude<SendType, 'text'>, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  document: 'application/octet-stream',
};

export function createSendService(deps: SendDeps) {
  const { chats, ingest, registry, limiter, bus, clock, logger } = deps;

  const content = async (input: SendInput): Promise<OutgoingContent> => {
    if (input.type === 'text') {
      if (!input.message?.trim()) throw ValidationError.field('message', 'is required for a text message');
      if (input.media) throw ValidationError.field('media', 'is not allowed for a text message');
      return { type: 'text', text: input.message };
    }
    const media = input.media;
    if (!media || (!media.url && !media.base64)) throw ValidationError.field('media', `a ${input.type} needs media.url or media.base64`);
    if (media.url && media.base64) throw ValidationError.field('media', 'give either media.url or media.base64, not both');
    let data: Buffer;
    let mimetype = media.mimetype;
    let fileName = media.fileName;
    if (media.base64) {
      const clean = media.base64.replace(/^data:[^;,]*;base64,/, '');
      if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(clean)) throw ValidationError.field('media.base64', 'is not valid base64');
      data = Buffer.from(clean, 'base64');
      if (data.length === 0) throw ValidationError.field('media.base64', 'is empty');
      if (data.length > deps.mediaMaxBytes) throw ValidationError.field('media.base64', `is larger than ${deps.mediaMaxBytes} bytes`);
    } else {
      const fetched = await fetchMedia(media.url!, { maxBytes: deps.mediaMaxBytes, allowPrivate: deps.mediaAllowPrivate });
      data = fetched.data;
      mimetype ??= fetched.mimetype;
      fileName ??= fetched.fileName;
    }
    return {
      type: input.type,
      data,
      mimetype: mimetype ?? DEFAULT_MIME[input.type],
      ...(fileName && { fileName }),
      ...(input.message && { caption: input.message }),
    };
  };

  const send = async (caller: AccessClaims, sessionId: string, chatId: string, input: SendInput): Promise<SentView> => {
    const { session, jid } = await chats.resolve(caller, sessionId, chatId, 'write');
    const outgoing = await content(input);
    const messageId = newWaMessageId();
    const body = outgoing.type === 'text' ? outgoing.text : (outgoing.caption ?? null);
    const stored = await ingest.ingest({
      companyId: session.companyId,
      sessionId: session.id,
      chat: { waChatId: jid, chatType: chatKindOf(jid) },
      message: {
        waMessageId: messageId,
        fromMe: true,
        fromNumber: session.phoneJid ?? session.phoneNumber ?? '',
        fromName: null,
        body,
        messageType: outgoing.type,
        timestamp: clock.now(),
        isPlaceholder: false,
        isRead: true,
        status: 'pending',
        managerId: caller.userId,
        media: outgoing.type === 'text' ? null : { mimetype: outgoing.mimetype, fileName: outgoing.fileName, caption: outgoing.caption, sizeBytes: outgoing.data.length },
        quotedMessageId: input.replyTo ?? null,
      },
    });
    if (!stored) throw commonErrors.internal_error('The message could not be stored');
    const ref = { id: session.id, companyId: session.companyId };
    const view = (status: string): SentView => ({
      id: stored.message.id,
      messageId,
      fromMe: true,
      body,
      messageType: outgoing.type,
      timestamp: stored.message.timestamp.toISOString(),
      chatId: stored.chat.id,
      status,
    });

    const failWith = async (errorType: EngineErrorKind, error: AppError): Promise<never> => {
      const { message } = error;
      await ingest.advanceStatus(ref, { type: 'message-status', messageId, chatJid: jid, status: 'failed', timestamp: clock.now() });
      await deps.messages.setError(session.id, messageId, message);
      bus.emit('whatsapp:send-error', { companyId: session.companyId, sessionId: session.id }, {
        sessionId: session.id,
        chatId: stored.chat.id,
        messageText: body ?? '',
        errorType,
        message,
        timestamp: clock.now().toISOString(),
      });
      throw error;
    };

    const rate = limiter.hit(`send:${session.id}`, deps.sendRatePerMinute, 60_000);
    if (!rate.allowed) {
      const msg = `Send rate limit of ${deps.sendRatePerMinute} messages per minute reached for this session`;
      return failWith('rate_limit', commonErrors.rate_limited({ retryAfterSec: rate.retryAfterSec, message: msg }));
    }
    const engine = registry.get(session.id);
    if (!engine) return failWith('not_connected', whatsappErrors.session_not_connected());
    try {
      await engine.sendMessage(jid, outgoing, { messageId, ...(input.replyTo && { quotedMessageId: input.replyTo }) });
    } catch (err) {
      const kind = engineErrorKind(err);
      logger.warn({ err, sessionId: session.id, companyId: session.companyId, kind }, 'send failed');
      return failWith(kind, toHttpError(err, 'send'));
    }
    await ingest.advanceStatus(ref, { type: 'message-status', messageId, chatJid: jid, status: 'sent', timestamp: clock.now() });
    return view('sent');
  };

  return {
    /** With an Idempotency-Key, the same key within 24 h returns the first result and sends nothing twice. */
    async send(caller: AccessClaims, sessionId: string, chatId: string, input: SendInput, idempotencyKey?: string): Promise<SentView> {
      if (!idempotencyKey) return send(caller, sessionId, chatId, input);
      return deps.idempotency.run<SentView>(caller, sessionId, idempotencyKey, () => send(caller, sessionId, chatId, input));
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
