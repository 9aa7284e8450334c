/**
 * Idempotency-Key for sends. A key belongs to its caller and names one target (session and chat):
 * the caller is authorized before the key is even looked at, another caller's key is simply a
 * different key (nothing reveals that it exists), and the same caller reusing a key for another
 * target gets 409. The first request reserves the key, links it to the message it stored, and
 * records its answer; a repeat within 24 h gets that answer without sending again. A refused
 * attempt releases the key (nothing was sent). A request cut off by a crash answers the stored
 * state of its message (reconciled at start) or, when it never stored one, runs afresh.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { AccessClaims } from '../auth/tokens.js';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';
import type { Clock } from '../shared/clock.js';
import { ValidationError } from '../shared/errors.js';
import { messageErrors } from './messages.errors.js';

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,128}$/;

export interface IdempotencyScope {
  caller: AccessClaims;
  sessionId: string;
  /** The chat the request is for (its canonical WhatsApp id). */
  target: string;
}

export interface IdempotencyStore {
  /**
   * `work` gets `link(ref)` to record what it stored (so an interrupted request can be answered);
   * `recover(ref)` rebuilds the answer from what is stored, or undefined when it is still running.
   */
  run<T extends object>(
    scope: IdempotencyScope,
    key: string,
    work: (link: (ref: string) => Promise<void>) => Promise<T>,
    recover: (ref: string) => Promise<T | undefined>,
  ): Promise<T>;
}

/** `startedAt`: rows reserved before it belong to a process that is gone. */
export function createIdempotencyStore(db: Db, clock: Clock, startedAt: Date): IdempotencyStore {
  const where = (c: AccessClaims, key: string) =>
    and(eq(idempotencyKeys.companyId, c.companyId), eq(idempotencyKeys.userId, c.userId), eq(idempotencyKeys.key, key));

  return {
    async run(scope, key, work, recover) {
      if (!KEY.test(key)) throw ValidationError.field('Idempotency-Key', 'must be 1 to 128 visible ASCII characters');
      const { caller } = scope;
      const now = clock.now();
      await db.delete(idempotencyKeys).where(and(where(caller, key), lt(idempotencyKeys.createdAt, new Date(now.getTime() - TTL_MS))));
      const reserve = () =>
        db
          .insert(idempotencyKeys)
          .values({ companyId: caller.companyId, userId: caller.userId, key, sessionId: scope.sessionId, target: scope.target, createdAt: now })
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key });
      let reserved = await reserve();
      if (reserved.length === 0) {
        const [existing] = await db.select().from(idempotencyKeys).where(where(caller, key)).limit(1);
        if (existing && (existing.sessionId !== scope.sessionId || existing.target !== scope.target)) throw messageErrors.idempotency_key_reused();
        if (existing?.response != null) return existing.response as Awaited<ReturnType<typeof work>>;
        const recovered = existing?.ref ? await recover(existing.ref) : undefined;
        if (recovered) {
          await db.update(idempotencyKeys).set({ response: recovered }).where(where(caller, key));
          return recovered;
        }
        const orphaned = existing && !existing.ref && existing.createdAt < startedAt;
        if (!orphaned) throw messageErrors.idempotency_in_progress();
        // Reserved by a process that died before it stored anything: nothing was sent.
        await db.delete(idempotencyKeys).where(where(caller, key));
        reserved = await reserve();
        if (reserved.length === 0) throw messageErrors.idempotency_in_progress();
      }
      const link = async (ref: string): Promise<void> => {
        await db.update(idempotencyKeys).set({ ref }).where(where(caller, key));
      };
      try {
        const result = await work(link);
        await db.update(idempotencyKeys).set({ response: result }).where(where(caller, key));
        return result;
      } catch (err) {
        await db.delete(idempotencyKeys).where(where(caller, key));
        throw err;
      }
    },
  };
}
