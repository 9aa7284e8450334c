import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { chats, companies, messages, waSessions } from '../db/schema/index.js';
import { databaseKinds, openFreshDatabase } from '../../test/helpers/databases.js';
import type { DeliveryStatus } from '../whatsapp/engine.js';
import { createIngestRepository, type IngestItem, type IngestRepository } from './ingest.repository.js';

const kinds = await databaseKinds();

let seq = 0;
const item = (over: Partial<IngestItem['message']> = {}, chat: Partial<IngestItem['chat']> = {}): IngestItem => ({
  companyId: 'c1',
  sessionId: 's1',
  chat: { waChatId: '77010000001@c.us', chatType: 'individual', chatName: 'Dana', ...chat },
  message: {
    waMessageId: `MSG${++seq}`,
    fromMe: false,
    fromNumber: '77010000001@c.us',
    fromName: 'Dana',
    body: `hello ${seq}`,
    messageType: 'text',
    timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)),
    isPlaceholder: false,
    isRead: false,
    status: null,
    managerId: null,
    media: null,
    quotedMessageId: null,
    ...over,
  },
});

describe.each(kinds)('ingest repository on %s', (kind) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  /** The repository runs inside its caller's transaction; here each call is its own. */
  let repo: {
    writeBatch(items: IngestItem[]): ReturnType<IngestRepository['writeBatch']>;
    advanceStatus(sessionId: string, id: string, status: DeliveryStatus): ReturnType<IngestRepository['advanceStatus']>;
  };

  beforeAll(async () => {
    ({ database, cleanup } = await openFreshDatabase(kind));
    await database.db.insert(companies).values({ id: 'c1', name: 'Acme' });
    await database.db.insert(waSessions).values({ id: 's1', companyId: 'c1', displayName: 'Main' });
    const writes = createIngestRepository();
    repo = {
      writeBatch: (items) => database.db.transaction((tx) => writes.writeBatch(tx, items)),
      advanceStatus: (sessionId, id, status) => writes.advanceStatus(database.db, sessionId, id, status),
    };
  });
  afterAll(async () => cleanup());

  const chatRow = async (waChatId = '77010000001@c.us') =>
    (await database.db.select().from(chats).where(eq(chats.waChatId, waChatId)))[0]!;

  it('stores a message once and creates its chat with counters maintained on write', async () => {
    const first = item();
    const [r] = await repo.writeBatch([first]);
    expect(r).toMatchObject({ inserted: true, message: { waMessageId: first.message.waMessageId }, chat: { unreadCount: 1, messageCount: 1 } });
    // The same WhatsApp message delivered again (reconnect, offline append): ignored.
    expect(await repo.writeBatch([{ ...first }])).toEqual([]);
    expect(await chatRow()).toMatchObject({ unreadCount: 1, messageCount: 1, chatName: 'Dana', lastMessageText: first.message.body });
  });

  it('dedupes within one batch and counts each new message once', async () => {
    const a = item();
    const b = item();
    const results = await repo.writeBatch([a, b, { ...a }]);
    expect(results).toHaveLength(2);
    expect(await chatRow()).toMatchObject({ unreadCount: 3, messageCount: 3, lastMessageText: b.message.body });
  });

  it('replaces a decrypt placeholder in place when the real message arrives', async () => {
    const placeholder = item({ body: null, messageType: 'ciphertext', isPlaceholder: true });
    const [p] = await repo.writeBatch([placeholder]);
    expect(p!.inserted).toBe(true);
    const real = { ...placeholder, message: { ...placeholder.message, body: 'decrypted at last', messageType: 'text' as const, isPlaceholder: false } };
    const [r] = await repo.writeBatch([real]);
    expect(r).toMatchObject({ inserted: false, message: { id: p!.message.id, body: 'decrypted at last', isPlaceholder: false } });
    // Counted once, not twice.
    expect(await chatRow()).toMatchObject({ messageCount: 4, unreadCount: 4, lastMessageText: 'decrypted at last' });
    // A placeholder arriving after the real message changes nothing.
    expect(await repo.writeBatch([placeholder])).toEqual([]);
  });

  it('keeps the newest message as the chat preview when an older one arrives late', async () => {
    const old = item({ timestamp: new Date(Date.UTC(2025, 0, 1)), body: 'from last year' });
    await repo.writeBatch([old]);
    expect((await chatRow()).lastMessageText).toBe('decrypted at last');
  });

  it('moves statuses forward only', async () => {
    const own = item({ fromMe: true, status: 'pending', isRead: true, fromNumber: '77070000000@c.us' });
    await repo.writeBatch([own]);
    const id = own.message.waMessageId;
    expect((await repo.advanceStatus('s1', id, 'sent'))?.status).toBe('sent');
    expect((await repo.advanceStatus('s1', id, 'read'))?.status).toBe('read');
    expect(await repo.advanceStatus('s1', id, 'delivered')).toBeUndefined();
    expect(await repo.advanceStatus('s1', id, 'read')).toBeUndefined();
    expect(await repo.advanceStatus('s1', id, 'failed')).toBeUndefined();
    const [row] = await database.db.select().from(messages).where(eq(messages.waMessageId, id));
    expect(row!.status).toBe('read');
    // Our own message neither adds to unread nor changes who is unread.
    expect((await chatRow()).sentCount).toBe(1);
  });

  it('keeps one chat for a contact known by phone number and @lid', async () => {
    const pn = '77010000009@c.us';
    const lid = '274204117184759@lid';
    await repo.writeBatch([item({}, { waChatId: pn, altWaChatId: lid })]);
    const [r] = await repo.writeBatch([item({}, { waChatId: lid })]);
    expect(r!.chat.waChatId).toBe(pn);
    expect((await chatRow(pn)).messageCount).toBe(2);
  });

  it('tells individual, group and status chats apart', async () => {
    await repo.writeBatch([
      item({}, { waChatId: '120363000000000001@g.us', chatType: 'group', chatName: 'Team' }),
      item({}, { waChatId: 'status@broadcast', chatType: 'status', chatName: undefined }),
    ]);
    expect((await chatRow('120363000000000001@g.us')).chatType).toBe('group');
    expect((await chatRow('status@broadcast')).chatType).toBe('status');
  });
  it("keeps the session's chat and message counters equal to what is stored", async () => {
    await repo.writeBatch([
      item({ fromMe: true, status: 'sent', isRead: true }),
      item({}, { waChatId: '120363000000000009@g.us', chatType: 'group', chatName: 'Team' }),
      item({}, { waChatId: 'status@broadcast', chatType: 'status' }),
    ]);
    const [session] = await database.db.select().from(waSessions).where(eq(waSessions.id, 's1'));
    const stored = await database.db.select().from(chats).where(eq(chats.sessionId, 's1'));
    const messageRows = await database.db.select().from(messages).where(eq(messages.sessionId, 's1'));
    expect(session).toMatchObject({
      individualChats: stored.filter((c) => c.chatType === 'individual').length,
      groupChats: stored.filter((c) => c.chatType === 'group').length,
      statusChats: stored.filter((c) => c.chatType === 'status').length,
      messageCount: messageRows.length,
      sentCount: messageRows.filter((m) => m.fromMe).length,
    });
    expect(session!.sentCount).toBeGreaterThan(0);
    expect(session!.statusChats).toBe(1);
  });

});
