/** Pending downloads of received files (the `media_downloads` rows) and the outcome written to the message. */
import { and, asc, eq, lte, notInArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { mediaDownloads, messages, waSessions } from '../db/schema/index.js';
import type { MediaLocator } from '../whatsapp/engine.js';
import type { StoredMedia } from './media-view.js';

/** What the download needs: the engine's locator and the announced hash. */
export interface DownloadSource {
  locator: MediaLocator;
  sha256?: string;
}

export type DownloadRow = Omit<typeof mediaDownloads.$inferSelect, 'source'> & { source: DownloadSource };
type MessageRow = typeof messages.$inferSelect;

/** In the message's own transaction (ingest.repository.ts). */
export async function insertDownloads(tx: Tx, rows: { messageId: string; companyId: string; sessionId: string; source: DownloadSource }[]): Promise<void> {
  if (rows.length === 0) return;
  // A placeholder replaced by its message may already have one: the first stays. The time is
  // written from here, in milliseconds like every later write of it: a conditional reschedule
  // compares it with what it read (PostgreSQL's now() would keep microseconds a Date loses).
  const at = new Date();
  await tx
    .insert(mediaDownloads)
    .values(rows.map((r) => ({ ...r, nextAttemptAt: at })))
    .onConflictDoNothing();
}

export function createMediaDownloadsRepository(db: Db) {
  return {
    /** Due downloads, oldest first, leaving out those already running here. */
    async due(limit: number, running: string[]): Promise<DownloadRow[]> {
      const rows = await db
        .select()
        .from(mediaDownloads)
        .where(and(lte(mediaDownloads.nextAttemptAt, new Date()), running.length ? notInArray(mediaDownloads.messageId, running) : undefined))
        .orderBy(asc(mediaDownloads.nextAttemptAt))
        .limit(limit);
      return rows as DownloadRow[];
    },

    async nextAttemptAt(): Promise<Date | undefined> {
      const [row] = await db.select({ at: sql<Date>`min(${mediaDownloads.nextAttemptAt})`.mapWith(mediaDownloads.nextAttemptAt) }).from(mediaDownloads);
      return row?.at ?? undefined;
    },

    /** `ifAt`: only if the row is still due when it was read (a wake-up since then wins). */
    async reschedule(messageId: string, at: Date, opts: { countAttempt: boolean; error?: string; ifAt?: Date }): Promise<void> {
      await db
        .update(mediaDownloads)
        .set({
          nextAttemptAt: at,
          ...(opts.countAttempt && { attempts: sql`${mediaDownloads.attempts} + 1` }),
          ...(opts.error !== undefined && { lastError: opts.error.slice(0, 500) }),
        })
        .where(and(eq(mediaDownloads.messageId, messageId), opts.ifAt ? eq(mediaDownloads.nextAttemptAt, opts.ifAt) : undefined));
    },

    /** A session came back: its waiting downloads are due now. */
    async wakeSession(sessionId: string): Promise<void> {
      await db.update(mediaDownloads).set({ nextAttemptAt: new Date() }).where(eq(mediaDownloads.sessionId, sessionId));
    },

    /**
     * The outcome, once: the message's media gets `patch` only while it is still pending, and the
     * download row goes. Undefined when the message is gone or was settled already.
     */
    async settle(tx: Tx, messageId: string, patch: Partial<StoredMedia>): Promise<MessageRow | undefined> {
      await tx.delete(mediaDownloads).where(eq(mediaDownloads.messageId, messageId));
      const [row] = await tx
        .update(messages)
        .set({ media: sql`${messages.media} || ${JSON.stringify(patch)}::jsonb`, updatedAt: new Date() })
        .where(and(eq(messages.id, messageId), sql`${messages.media}->>'state' = 'pending'`))
        .returning();
      if (row && patch.state === 'stored' && patch.sizeBytes) {
        await tx
          .update(waSessions)
          .set({ mediaBytes: sql`${waSessions.mediaBytes} + ${patch.sizeBytes}` })
          .where(eq(waSessions.id, row.sessionId));
      }
      return row;
    },
  };
}

export type MediaDownloadsRepository = ReturnType<typeof createMediaDownloadsRepository>;
