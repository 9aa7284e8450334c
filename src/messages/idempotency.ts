/**
 * Idempotency-Key for sends: the first request with a key reserves it, its result is stored, and
 * a repeat within 24 h gets that result without sending again. A failed attempt releases the key
 * (nothing was sent), so the client may retry with it.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { AccessClaims } from '../auth/tokens.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { ValidationError } from '../shared/errors.js';
import { messageErrors } from './messages.errors.js';

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,128}$/;

export interface IdempotencyStore {
  run<T>(caller: AccessClaims, sessionId: string, key: string, work: () => Promise<T>): Promise<T>;
}

export function createIdempotencyStore(db: Db, clock: Clock): IdempotencyStore {
  const where = (companyId: string, key: string) => and(eq(idempotencyKeys.companyId, companyId), eq(idempotencyKeys.key, key));
  return {
    async run(caller, sessionId, key, work) {
      if (!KEY.test(key)) throw ValidationError.field('Idempotency-Key', 'must be 1 to 128 visible ASCII characters');
      const now = clock.now();
      await db.delete(idempotencyKeys).where(and(where(caller.companyId, key), lt(idempotencyKeys.createdAt, new Date(now.getTime() - TTL_MS))));
      const reserved = await db
        .insert(idempotencyKeys)
        .values({ companyId: caller.companyId, key, userId: caller.userId, sessionId, response: null, createdAt: now })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (reserved.length === 0) {
        const [existing] = await db.select().from(idempotencyKeys).where(where(caller.companyId, key)).limit(1);
        if (existing?.response != null && existing.sessionId === sessionId) return existing.response as Awaited<ReturnType<typeof work>>;
        if (existing && existing.sessionId !== sessionId) throw messageErrors.idempotency_key_reused();
        throw messageErrors.idempotency_in_progress();
      }
      try {
        const result = await work();
        await db.update(idempotencyKeys).set({ response: result as object }).where(where(caller.companyId, key));
        return result;
      } catch (err) {
        await db.delete(idempotencyKeys).where(where(caller.companyId, key));
        throw err;
      }
    },
  };
}
