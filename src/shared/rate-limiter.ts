/**
 * Fixed-window counters keyed by string. Behind an interface so a cluster can back it with Redis.
 * Expired windows are swept lazily so memory stays bounded by the number of active keys.
 */
import type { Clock } from './clock.js';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSec: number;
  count: number;
}

export interface RateLimiter {
  /** Counts one hit and tells whether it is within the limit. */
  hit(key: string, limit: number, windowMs: number): RateLimitResult;
  /** Reads without counting. */
  peek(key: string, limit: number): RateLimitResult;
  /** Gives one hit back (a refused or successful attempt that should not count). */
  release(key: string): void;
  reset(key: string): void;
}

export function createMemoryRateLimiter(clock: Clock): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = 0;

  const sweep = (now: number): void => {
    if (now - lastSweep < 60_000) return;
    lastSweep = now;
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  };

  const result = (w: { count: number; resetAt: number } | undefined, limit: number, now: number): RateLimitResult => {
    const count = w && w.resetAt > now ? w.count : 0;
    return {
      allowed: count <= limit,
      retryAfterSec: w && w.resetAt > now ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0,
      count,
    };
  };

  return {
    hit(key, limit, windowMs) {
      const now = clock.now().getTime();
      sweep(now);
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      return result(w, limit, now);
    },
    peek(key, limit) {
      const now = clock.now().getTime();
      const w = windows.get(key);
      const r = result(w, limit, now);
      // A peek asks "may one more go?": at the limit already, no.
      return { ...r, allowed: r.count < limit };
    },
    release(key) {
      const w = windows.get(key);
      if (w && w.count > 0) w.count -= 1;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
