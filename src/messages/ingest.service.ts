/**
 * Message ingest with group commit: items queue up while a write is in flight and go to the
 * database together in the next transaction, so throughput grows with load while a lone message
 * is written at once. Each session may have a bounded number of messages waiting: beyond it the
 * producer waits (back-pressure reaches the engine, and through it WhatsApp or the caller), so
 * memory never grows with a flood. Domain events are recorded in the batch's transaction.
 */
import type { Logger } from 'pino';
import type { ChatsRepository } from '../chats/chats.repository.js';
import type { Emit, EventOutbox } from '../events/outbox.js';
import type { EngineMessage } from '../whatsapp/engine.js';
import type { ConversationEvent } from '../whatsapp/engine-dispatcher.js';
import type { SessionRef } from '../whatsapp/registry.js';
import { storable, storableJson, storableOrNull } from '../shared/storable-text.js';
import type { IngestItem, IngestRepository, IngestResult } from './ingest.repository.js';
import { toChatSummary, toMessagePayload } from './message-view.js';
import { announcedMedia } from '../media/media-view.js';
import type { MediaStorage } from '../media/media-storage.js';
import type { MessageChanges } from './message-changes.js';

interface Pending {
  item: IngestItem;
  resolve: (r: IngestResult | undefined) => void;
  reject: (err: unknown) => void;
}

export interface IngestOptions {
  /** Most messages written in one transaction. */
  maxBatch?: number;
  /** Most messages of one session waiting to be written before the producer has to wait. */
  maxPendingPerSession?: number;
}

/**
 * Whatever a contact put in a message or a name, it is stored (see shared/storable-text.ts).
 * `thumbnailSha256`: the preview WhatsApp sent inside the message, already in media storage.
 */
function toIngestItem(session: SessionRef, m: EngineMessage, thumbnailSha256?: string): IngestItem {
  return {
    companyId: session.companyId,
    sessionId: session.id,
    chat: {
      waChatId: storable(m.chatJid),
      ...(m.chatAltJid && { altWaChatId: storable(m.chatAltJid) }),
      // A contact's push name names its chat; our own name never does.
      ...(m.chatName && !m.fromMe && { chatName: storable(m.chatName) }),
      chatType: m.chatKind,
    },
    message: {
      waMessageId: storable(m.messageId),
      fromMe: m.fromMe,
      fromNumber: storable(m.senderJid),
      fromName: storableOrNull(m.senderName),
      body: storableOrNull(m.body),
      messageType: m.messageType,
      timestamp: m.timestamp,
      isPlaceholder: m.isPlaceholder,
      // Our own messages and history are not "unread".
      isRead: m.fromMe || m.origin === 'history',
      status: m.fromMe ? (m.status ?? 'sent') : null,
      managerId: null,
      media: m.media
        ? {
            ...storableJson(announcedMedia(m.media, m.media.locator ? 'pending' : 'failed', m.media.locator ? undefined : 'no_source')),
            ...(thumbnailSha256 && { thumbnailSha256 }),
          }
        : null,
      quotedMessageId: storableOrNull(m.quotedMessageId),
      location: m.location ? storableJson(m.location) : null,
      contacts: m.contacts ? storableJson(m.contacts) : null,
    },
    ...(m.media?.locator && { download: { locator: storableJson(m.media.locator), ...(m.media.sha256 && { sha256: m.media.sha256 }) } }),
  };
}

export const announceStored = (emit: Emit, results: readonly IngestResult[]): void => {
  for (const { message, chat, inserted } of results) {
    emit('message.stored', message.companyId, {
      sessionId: message.sessionId,
      chat: toChatSummary(chat),
      message: toMessagePayload(message),
      isNew: inserted,
    });
  }
};

export function createIngestService(
  deps: {
    repo: IngestRepository;
    chats: ChatsRepository;
    outbox: EventOutbox;
    logger: Logger;
    /** Where the previews inside media messages are kept (they need no download). */
    storage: Pick<MediaStorage, 'putBuffer'>;
    /** Reactions, edits and deletions, applied after the session's earlier messages. */
    changes: MessageChanges;
  } & IngestOptions,
) {
  const { repo, outbox, logger } = deps;

  /** A preview that cannot be kept (a full disk) costs the preview, never the message. */
  const keepThumbnail = async (session: SessionRef, m: EngineMessage): Promise<string | undefined> => {
    if (!m.media?.thumbnail) return undefined;
    try {
      return (await deps.storage.putBuffer(m.media.thumbnail)).sha256;
    } catch (err) {
      logger.warn({ err, sessionId: session.id, messageId: m.messageId }, 'the preview of a media message could not be stored');
      return undefined;
    }
  };
  const maxBatch = deps.maxBatch ?? 200;
  const maxPending = deps.maxPendingPerSession ?? 500;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  const pending = new Map<string, number>();
  const waitingForSpace = new Map<string, (() => void)[]>();
  /** The last operation of each session, so status changes and drains follow its messages. */
  const tails = new Map<string, Promise<unknown>>();

  const settleTail = (sessionId: string, op: Promise<unknown>): void => {
    const prev = tails.get(sessionId);
    const tail = (prev ? Promise.allSettled([prev, op]) : op.then(undefined, () => undefined)).then(() => undefined);
    tails.set(sessionId, tail);
    void tail.then(() => {
      if (tails.get(sessionId) === tail) tails.delete(sessionId);
    });
  };

  const write = async (batch: Pending[]): Promise<void> => {
    let results: IngestResult[];
    try {
      results = await outbox.transaction(async (tx, emit) => {
        const written = await repo.writeBatch(tx, batch.map((p) => p.item));
        announceStored(emit, written);
        return written;
      });
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad row must not lose the others: write them one by one.
      logger.warn({ err, size: batch.length }, 'batch write failed; retrying items one by one');
      for (const p of batch) await write([p]);
      return;
    }
    const byKey = new Map(results.map((r) => [`${r.message.sessionId}\u0000${r.message.waMessageId}`, r]));
    for (const p of batch) p.resolve(byKey.get(`${p.item.sessionId}\u0000${p.item.message.waMessageId}`));
  };

  const flush = (): Promise<void> => {
    // With an empty queue the loop below would finish synchronously, clear `flushing` before it is
    // assigned, and leave a settled promise there that stops every later ingest from flushing.
    if (!flushing && queue.length === 0) return Promise.resolve();
    flushing ??= (async () => {
      try {
        while (queue.length > 0) {
          const batch = queue.slice(0, maxBatch);
          queue = queue.slice(batch.length);
          await write(batch);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  };

  const freed = (sessionId: string): void => {
    const left = (pending.get(sessionId) ?? 1) - 1;
    if (left > 0) pending.set(sessionId, left);
    else pending.delete(sessionId);
    waitingForSpace.get(sessionId)?.shift()?.();
  };

  /** Stores one message (once); resolves with the stored row, or undefined for an ignored duplicate. */
  const ingest = async (item: IngestItem): Promise<IngestResult | undefined> => {
    const { sessionId } = item;
    while ((pending.get(sessionId) ?? 0) >= maxPending) {
      await new Promise<void>((resolve) => {
        const list = waitingForSpace.get(sessionId) ?? [];
        list.push(resolve);
        waitingForSpace.set(sessionId, list);
      });
    }
    pending.set(sessionId, (pending.get(sessionId) ?? 0) + 1);
    const stored = new Promise<IngestResult | undefined>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!flushing) setImmediate(() => void flush());
    });
    settleTail(sessionId, stored);
    return stored.finally(() => freed(sessionId));
  };

  const onStatus = async (session: SessionRef, e: Extract<ConversationEvent, { type: 'message-status' }>): Promise<void> => {
    await outbox.transaction(async (tx, emit) => {
      const row = await repo.advanceStatus(tx, session.id, e.messageId, e.status);
      if (!row) return;
      emit('message.status_changed', session.companyId, {
        sessionId: session.id,
        chatId: row.chatId,
        messageId: e.messageId,
        status: e.status,
        timestamp: e.timestamp.toISOString(),
      });
    });
  };

  /** Runs after everything the session queued before it. */
  const afterTail = (sessionId: string, work: () => Promise<void>): Promise<void> => {
    const op = (tails.get(sessionId) ?? Promise.resolve()).then(work);
    settleTail(sessionId, op);
    return op;
  };

  return {
    ingest,
    /** Conversation events from the engine dispatcher; settles once the event is stored. */
    async handle(session: SessionRef, event: ConversationEvent): Promise<void> {
      switch (event.type) {
        case 'message': {
          const m = event.message;
          if (!m.media?.thumbnail?.length) {
            await ingest(toIngestItem(session, m));
            return;
          }
          // The preview is written first; the session's later events wait for this message as for any other.
          const op = keepThumbnail(session, m).then((sha256) => ingest(toIngestItem(session, m, sha256)));
          settleTail(session.id, op);
          await op;
          return;
        }
        case 'message-status':
          return afterTail(session.id, () => onStatus(session, event));
        case 'message-change':
          return afterTail(session.id, () => deps.changes(session, event));
        case 'typing':
          return outbox.publish('typing.changed', session.companyId, {
            sessionId: session.id,
            chatId: event.chatJid,
            isTyping: event.isTyping,
            participantId: event.participantJid,
            timestamp: event.timestamp.toISOString(),
          });
        case 'chat-meta':
          return afterTail(session.id, () => deps.chats.rename(session.companyId, session.id, event.chatJid, storable(event.name)));
      }
    },
    async drainSession(sessionId: string): Promise<void> {
      while (tails.has(sessionId)) await tails.get(sessionId);
    },
    async drain(): Promise<void> {
      while (flushing || queue.length || tails.size) {
        await flush();
        await Promise.all([...tails.values()]);
      }
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
