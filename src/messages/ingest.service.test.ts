import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fakeOutbox } from '../../test/helpers/fake-outbox.js';
import type { ChatsRepository } from '../chats/chats.repository.js';
import type { IngestItem, IngestRepository, IngestResult } from './ingest.repository.js';
import { createIngestService } from './ingest.service.js';

const session = { id: 's1', companyId: 'c1' };
const item = (id: string, sessionId = 's1'): IngestItem => ({
  companyId: 'c1',
  sessionId,
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

/** A repository that records batches; `gate` (when set) holds every write until it is opened. */
function recordingRepo(): IngestRepository & { batches: string[][]; statuses: string[]; written: IngestItem[]; hold(): () => void } {
  const batches: string[][] = [];
  const statuses: string[] = [];
  const written: IngestItem[] = [];
  let gate: Promise<void> | undefined;
  return {
    batches,
    statuses,
    written,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    async writeBatch(_tx, items) {
      await gate;
      batches.push(items.map((i) => i.message.waMessageId));
      written.push(...items);
      return items.map(
        (i) =>
          ({
            message: { ...i.message, id: i.message.waMessageId, companyId: i.companyId, sessionId: i.sessionId, chatId: 'chat1', createdAt: new Date(0) },
            chat: { id: 'chat1', waChatId: i.chat.waChatId, chatType: 'individual', lastMessageAt: null, lastMessageText: null, unreadCount: 0 },
            inserted: true,
          }) as unknown as IngestResult,
      );
    },
    async advanceStatus(_tx, _sessionId, id, status) {
      // A status for a message not written yet would find no row: recorded as such.
      statuses.push(batches.flat().includes(id) ? `${id}:${status}` : `${id}:${status} before its message`);
      return { chatId: 'chat1' } as never;
    },
  };
}

const within = <T>(p: Promise<T>, ms = 2000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('ingest never resolved')), ms))]);

const build = (repo: IngestRepository, opts: { maxPendingPerSession?: number } = {}) => {
  const outbox = fakeOutbox();
  const storage = { putBuffer: async () => ({ sha256: 'f'.repeat(64), sizeBytes: 1 }) };
  const service = createIngestService({ repo, chats: {} as ChatsRepository, outbox, logger: pino({ level: 'silent' }), storage, changes: async () => undefined, ...opts });
  return { service, outbox };
};

describe('ingest service', () => {
  it('batches what arrives together and keeps flushing after an idle flush', async () => {
    const repo = recordingRepo();
    const { service, outbox } = build(repo);
    // Two items in one tick schedule two flushes; the second finds the queue already empty.
    await within(Promise.all([service.ingest(item('A')), service.ingest(item('B'))]));
    await new Promise((resolve) => setImmediate(resolve));
    const later = await within(service.ingest(item('C')));
    expect(later?.message.waMessageId).toBe('C');
    expect(repo.batches).toEqual([['A', 'B'], ['C']]);
    // Each stored message is announced by an event recorded with its batch.
    expect(outbox.events.map((e) => e.name)).toEqual(['message.stored', 'message.stored', 'message.stored']);
    await within(service.drain());
  });

  it('makes the producer wait when a session has too many messages waiting, instead of queueing without limit', async () => {
    const repo = recordingRepo();
    const open = repo.hold();
    const { service } = build(repo, { maxPendingPerSession: 3 });
    const accepted: string[] = [];
    const produce = async (id: string, sessionId = 's1') => {
      await service.ingest(item(id, sessionId));
      accepted.push(id);
    };
    const all = ['1', '2', '3', '4', '5'].map((id) => produce(id));
    // Another session is not held back by this one's backlog.
    const other = produce('other', 's2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(accepted).toEqual([]);
    open();
    await within(Promise.all([...all, other]));
    expect(accepted.sort()).toEqual(['1', '2', '3', '4', '5', 'other']);
    // Never more than 3 of s1 were queued at once: the 4th and 5th went in a later batch.
    expect(repo.batches[0]!.filter((id) => id !== 'other')).toHaveLength(3);
  });

  it('keeps a media message with a preview in order with what follows it, and stores the preview', async () => {
    const repo = recordingRepo();
    const { service } = build(repo);
    const stored = service.handle(session, {
      type: 'message',
      message: {
        messageId: 'P1',
        chatJid: '77010000001@c.us',
        chatKind: 'individual',
        fromMe: true,
        senderJid: '77000000000@c.us',
        body: null,
        messageType: 'image',
        media: { mimetype: 'image/jpeg', thumbnail: Buffer.from([0xff, 0xd8, 0xff]), locator: { id: 'x' } },
        timestamp: new Date(0),
        isPlaceholder: false,
        origin: 'own',
      },
    });
    const status = service.handle(session, { type: 'message-status', messageId: 'P1', chatJid: '77010000001@c.us', status: 'read', timestamp: new Date(0) });
    await within(Promise.all([stored, status]));
    expect(repo.statuses).toEqual(['P1:read']);
    expect(repo.written.find((i) => i.message.waMessageId === 'P1')?.message.media).toMatchObject({ state: 'pending', thumbnailSha256: 'f'.repeat(64) });
  });

  it('settles a status change after the messages queued before it, and drains one session alone', async () => {
    const repo = recordingRepo();
    const open = repo.hold();
    const { service, outbox } = build(repo);
    const stored = service.handle(session, {
      type: 'message',
      message: {
        messageId: 'M1',
        chatJid: '77010000001@c.us',
        chatKind: 'individual',
        fromMe: true,
        senderJid: '77000000000@c.us',
        body: 'x',
        messageType: 'text',
        timestamp: new Date(0),
        isPlaceholder: false,
        origin: 'own',
      },
    });
    const status = service.handle(session, { type: 'message-status', messageId: 'M1', chatJid: '77010000001@c.us', status: 'read', timestamp: new Date(0) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(repo.statuses).toEqual([]);
    let drained = false;
    const draining = service.drainSession('s1').then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    open();
    await within(Promise.all([stored, status, draining]));
    expect(repo.statuses).toEqual(['M1:read']);
    expect(outbox.events.map((e) => e.name)).toEqual(['message.stored', 'message.status_changed']);
  });
});
