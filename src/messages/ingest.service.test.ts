import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChatsRepository } from '../chats/chats.repository.js';
import { EventBus } from '../shared/event-bus.js';
import type { IngestItem, IngestRepository, IngestResult } from './ingest.repository.js';
import { createIngestService } from './ingest.service.js';

const item = (id: string): IngestItem => ({
  companyId: 'c1',
  sessionId: 's1',
  chat: { waChatId: '77010000001@c.us', chatType: 'individual' },
  message: {
    waMessageId: id,
    fromMe: false,
    fromNumber: '77010000001@c.us',
    fromName: null,
    body: id,
    messageType: 'text',
    timestamp: new Date(0),
    isPlaceholder: false,
    isRead: false,
    status: null,
    managerId: null,
    media: null,
    quotedMessageId: null,
  },
});

/** A repository that answers within microtasks, as the embedded database can. */
function instantRepo(): IngestRepository & { batches: string[][] } {
  const batches: string[][] = [];
  return {
    batches,
    async writeBatch(items) {
      batches.push(items.map((i) => i.message.waMessageId));
      return items.map(
        (i) =>
          ({
            message: { ...i.message, id: i.message.waMessageId, companyId: i.companyId, sessionId: i.sessionId, chatId: 'chat1' },
            chat: { id: 'chat1', lastMessageAt: null, lastMessageText: null, unreadCount: 0 },
            inserted: true,
          }) as unknown as IngestResult,
      );
    },
    advanceStatus: async () => undefined,
  };
}

const within = <T>(p: Promise<T>, ms = 2000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('ingest never resolved')), ms))]);

describe('ingest service', () => {
  it('batches what arrives together and keeps flushing after an idle flush', async () => {
    const repo = instantRepo();
    const service = createIngestService({ repo, chats: {} as ChatsRepository, bus: new EventBus(pino({ level: 'silent' })), logger: pino({ level: 'silent' }) });
    // Two items in one tick schedule two flushes; the second finds the queue already empty.
    await within(Promise.all([service.ingest(item('A')), service.ingest(item('B'))]));
    await new Promise((resolve) => setImmediate(resolve));
    const later = await within(service.ingest(item('C')));
    expect(later?.message.waMessageId).toBe('C');
    expect(repo.batches).toEqual([['A', 'B'], ['C']]);
    await within(service.drain());
  });
});
