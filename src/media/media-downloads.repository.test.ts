/**
 * The download queue's table on both databases: rows written with their message (a placeholder
 * replaced by a media message gets one), a conditional reschedule that a wake-up wins, and an
 * outcome recorded once with the session's byte counter.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openFreshDatabase } from '../../test/helpers/databases.js';
import type { Database } from '../db/client.js';
import { companies, mediaDownloads, waSessions } from '../db/schema/index.js';
import { createIngestRepository, type IngestItem } from '../messages/ingest.repository.js';
import { createMediaDownloadsRepository, type MediaDownloadsRepository } from './media-downloads.repository.js';

const kinds = await databaseKinds();

let seq = 0;
const mediaItem = (over: Partial<IngestItem['message']> = {}): IngestItem => ({
  companyId: 'c1',
  sessionId: 's1',
  chat: { waChatId: '77010000002@c.us', chatType: 'individual' },
  message: {
    waMessageId: `MEDIA${++seq}`,
    fromMe: false,
    fromNumber: '77010000002@c.us',
    fromName: null,
    body: null,
    messageType: 'image',
    timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)),
    isPlaceholder: false,
    isRead: false,
    status: null,
    managerId: null,
    media: { mimetype: 'image/jpeg', state: 'pending', sizeBytes: 10 },
    quotedMessageId: null,
    ...over,
  },
  download: { locator: { id: `file-${seq}` }, sha256: 'a'.repeat(64) },
});

describe.each(kinds)('media downloads on %s', (kind) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let repo: MediaDownloadsRepository;
  const writes = createIngestRepository();
  const write = (items: IngestItem[]) => database.db.transaction((tx) => writes.writeBatch(tx, items));

  beforeAll(async () => {
    ({ database, cleanup } = await openFreshDatabase(kind));
    await database.db.insert(companies).values({ id: 'c1', name: 'Acme' });
    await database.db.insert(waSessions).values({ id: 's1', companyId: 'c1', displayName: 'Main' });
    repo = createMediaDownloadsRepository(database.db);
  });
  afterAll(async () => cleanup());

  it('writes a download with its message, due at once, and reschedules it only if nobody woke it meanwhile', async () => {
    const [stored] = await write([mediaItem()]);
    const [row] = (await repo.due(10, [])).filter((r) => r.messageId === stored!.message.id);
    expect(row).toBeDefined();
    // What was read is what is compared: a reschedule with it applies (PostgreSQL keeps
    // microseconds, a Date milliseconds; the row is written with milliseconds so the two agree).
    await repo.reschedule(row!.messageId, new Date(Date.now() + 60_000), { countAttempt: false, ifAt: row!.nextAttemptAt });
    expect((await repo.due(10, [])).map((r) => r.messageId)).not.toContain(row!.messageId);
    // A wake-up, then a reschedule decided on the older read: the wake-up wins.
    await repo.wakeSession('s1');
    await repo.reschedule(row!.messageId, new Date(Date.now() + 60_000), { countAttempt: false, ifAt: row!.nextAttemptAt });
    expect((await repo.due(10, [])).map((r) => r.messageId)).toContain(row!.messageId);
  });

  it('records the outcome once, adds the bytes to the session, and removes the row', async () => {
    const [stored] = await write([mediaItem()]);
    const id = stored!.message.id;
    const before = (await database.db.select().from(waSessions).where(eq(waSessions.id, 's1')))[0]!.mediaBytes;
    const first = await database.db.transaction((tx) => repo.settle(tx, id, { state: 'stored', sha256: 'a'.repeat(64), sizeBytes: 10 }));
    expect(first?.media).toMatchObject({ state: 'stored', sha256: 'a'.repeat(64), mimetype: 'image/jpeg' });
    const again = await database.db.transaction((tx) => repo.settle(tx, id, { state: 'failed', error: 'download_failed' }));
    expect(again).toBeUndefined();
    expect((await database.db.select().from(waSessions).where(eq(waSessions.id, 's1')))[0]!.mediaBytes).toBe(before + 10);
    expect(await database.db.select().from(mediaDownloads).where(eq(mediaDownloads.messageId, id))).toEqual([]);
  });

  it('a decrypt placeholder replaced by a media message gets its download', async () => {
    const placeholder = mediaItem({ isPlaceholder: true, messageType: 'ciphertext', media: null });
    const { download: _none, ...withoutDownload } = placeholder;
    await write([withoutDownload]);
    const [replaced] = await write([{ ...mediaItem({ waMessageId: placeholder.message.waMessageId }) }]);
    expect(replaced?.inserted).toBe(false);
    expect((await repo.due(100, [])).map((r) => r.messageId)).toContain(replaced!.message.id);
  });
});
