/**
 * Removes files no message refers to any more (files are shared: one photo received twice is one
 * file). Callers name the hashes that lost a reference; each is removed only when no row names
 * it and it was not written or touched within the grace period: a download of the same content
 * finishing right now touches the file (media-storage.ts) before its row commits.
 */
import { or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../db/client.js';
import { messages } from '../db/schema/index.js';
import type { Clock } from '../shared/clock.js';
import type { MediaStorage } from './media-storage.js';

export function createMediaCollector(deps: { db: Db; storage: MediaStorage; clock: Clock; logger: Logger; graceMs?: number }) {
  const graceMs = deps.graceMs ?? 60_000;

  const referenced = async (sha256: string): Promise<boolean> => {
    const rows = await deps.db
      .select({ one: sql`1` })
      .from(messages)
      .where(or(sql`${messages.media}->>'sha256' = ${sha256}`, sql`${messages.media}->>'thumbnailSha256' = ${sha256}`))
      .limit(1);
    return rows.length > 0;
  };

  const collectOne = async (sha256: string): Promise<void> => {
    if (await referenced(sha256)) return;
    const stat = await deps.storage.stat(sha256);
    if (!stat) return;
    const age = deps.clock.now().getTime() - stat.modifiedAt.getTime();
    if (age < graceMs) {
      setTimeout(() => void collectOne(sha256).catch((err: unknown) => deps.logger.warn({ err, sha256 }, 'media collection failed')), graceMs - age + 1_000).unref();
      return;
    }
    // Asked once more right before: the window in which a new reference can slip in stays as small as it can be.
    if (!(await referenced(sha256))) await deps.storage.delete(sha256);
  };

  return {
    /** The files of a session's messages (before its rows go). */
    async hashesOfSession(tx: DbOrTx, sessionId: string): Promise<string[]> {
      const rows = await tx
        .select({ file: sql<string | null>`${messages.media}->>'sha256'`, thumb: sql<string | null>`${messages.media}->>'thumbnailSha256'` })
        .from(messages)
        .where(sql`${messages.sessionId} = ${sessionId} and ${messages.media} is not null`);
      return [...new Set(rows.flatMap((r) => [r.file, r.thumb]).filter((h): h is string => !!h))];
    },
    /** After the commit that dropped the references. */
    async collect(hashes: string[]): Promise<void> {
      for (const sha256 of hashes) await collectOne(sha256);
    },
  };
}

export type MediaCollector = ReturnType<typeof createMediaCollector>;
