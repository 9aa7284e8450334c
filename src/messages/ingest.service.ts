/**
 * Message ingest with group commit: items queue up while a write is in flight and go to the
 * database together in the next transaction, so throughput grows with load while a lone message
 * is written at once. Events are published only after the transaction commits.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../shared/event-bus.js';
import type { EngineEvent, EngineMessage } from '../whatsapp/engine.js';
import type { SessionRef } from '../whatsapp/registry.js';
import type { ChatsRepository } from '../chats/chats.repository.js';
import type { IngestItem, IngestRepository, IngestResult } from './ingest.repository.js';
import { toChatSummary, toMessagePayload } from './message-view.js';

const MAX_BATCH = 200;

interface Pending {
  item: IngestItem;
  resolve: (r: IngestResult | undefined) => void;
  reject: (err: unknown) => void;
}

export function toIngestItem(session: SessionRef, m: EngineMessage): IngestItem {
  return {
    companyId: session.companyId,
    sessionId: session.id,
    chat: {
      waChatId: m.chatJid,
      ...(m.chatAltJid && { altWaChatId: m.chatAltJid }),
      // A contact's push name names its chat; our own name never does.
      ...(m.chatName && !m.fromMe && { chatName: m.chatName }),
      chatType: m.chatKind,
    },
    message: {
      waMessageId: m.messageId,
      fromMe: m.fromMe,
      fromNumber: m.senderJid,
      fromName: m.senderName ?? null,
      body: m.body,
      messageType: m.messageType,
      timestamp: m.timestamp,
      isPlaceholder: m.isPlaceholder,
      // Our own messages and history are not "unread".
      isRead: m.fromMe || m.origin === 'history',
      status: m.fromMe ? (m.status ?? 'sent') : null,
      managerId: null,
      media: m.media ?? null,
      quotedMessageId: m.quotedMessageId ?? null,
    },
  };
}

export function createIngestService(deps: { repo: IngestRepository; chats: ChatsRepository; bus: EventBus; logger: Logger }) {
  const { repo, bus, logger } = deps;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;

  const publish = (results: IngestResult[]): void => {
    const companies = new Set<string>();
    for (const { message, chat } of results) {
      const audience = { companyId: message.companyId, sessionId: message.sessionId };
      bus.emit('whatsapp:new-message', audience, {
        sessionId: message.sessionId,
        companyId: message.companyId,
        chat: toChatSummary(chat),
        message: toMessagePayload(message),
      });
      bus.emit('whatsapp:chat-updated', audience, {
        sessionId: message.sessionId,
        companyId: message.companyId,
        chatId: chat.id,
        lastMessageAt: chat.lastMessageAt ? chat.lastMessageAt.toISOString() : null,
        lastMessageText: chat.lastMessageText,
        unreadCount: chat.unreadCount,
      });
      companies.add(message.companyId);
    }
    for (const companyId of companies) bus.publish({ kind: 'internal', name: 'stats.dirty', companyId });
  };

  const write = async (batch: Pending[]): Promise<void> => {
    let results: IngestResult[];
    try {
      results = await repo.writeBatch(batch.map((p) => p.item));
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
    publish(results);
    for (const p of batch) p.resolve(byKey.get(`${p.item.sessionId}\u0000${p.item.message.waMessageId}`));
  };

  const flush = (): Promise<void> => {
    // With an empty queue the loop below would finish synchronously, clear `flushing` before it is
    // assigned, and leave a settled promise there that stops every later ingest from flushing.
    if (!flushing && queue.length === 0) return Promise.resolve();
    flushing ??= (async () => {
      try {
        while (queue.length > 0) {
          const batch = queue.slice(0, MAX_BATCH);
          queue = queue.slice(batch.length);
          await write(batch);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  };

  /** Stores one message (once) and resolves with the stored row, or undefined for an ignored duplicate. */
  const ingest = (item: IngestItem): Promise<IngestResult | undefined> =>
    new Promise((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!flushing) setImmediate(() => void flush());
    });

  const onStatus = async (session: SessionRef, e: Extract<EngineEvent, { type: 'message-status' }>) => {
    const row = await repo.advanceStatus(session.id, e.messageId, e.status);
    if (!row) return;
    bus.emit('whatsapp:message-status', { companyId: session.companyId, sessionId: session.id }, {
      sessionId: session.id,
      messageId: e.messageId,
      status: e.status,
      timestamp: e.timestamp.toISOString(),
    });
  };

  return {
    ingest,
    /** The sessions lifecycle hands conversation events here. */
    async onEngineEvent(session: SessionRef, event: EngineEvent): Promise<void> {
      switch (event.type) {
        case 'message':
          // Not awaited: the lifecycle's per-session queue must not wait for the group commit,
          // or one session could never batch. Order is kept by the ingest queue itself.
          ingest(toIngestItem(session, event.message)).catch((err: unknown) =>
            logger.error({ err, sessionId: session.id, companyId: session.companyId, messageId: event.message.messageId }, 'could not store message'),
          );
          return;
        case 'message-status':
          await flushing;
          await onStatus(session, event);
          return;
        case 'typing':
          bus.emit('whatsapp:typing-status', { companyId: session.companyId, sessionId: session.id }, {
            sessionId: session.id,
            chatId: event.chatJid,
            isTyping: event.isTyping,
            participantId: event.participantJid,
            timestamp: event.timestamp.toISOString(),
          });
          return;
        case 'chat-meta':
          await deps.chats.rename(session.companyId, session.id, event.chatJid, event.name);
          return;
        default:
          return;
      }
    },
    advanceStatus: onStatus,
    drain: async () => {
      while (flushing || queue.length) await flush();
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
