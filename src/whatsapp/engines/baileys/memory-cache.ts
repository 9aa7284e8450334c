/**
 * A small TTL cache for Baileys' CacheStore slots. The engine keeps one msgRetryCounterCache for
 * its whole life, so retry counts survive reconnects (Baileys' default is one per socket).
 */
import type { SocketConfig } from 'baileys';

export type CacheStore = NonNullable<SocketConfig['msgRetryCounterCache']>;

export function createMemoryCache(ttlMs: number, maxEntries = 10_000): CacheStore {
  const entries = new Map<string, { value: unknown; expires: number }>();
  return {
    get<T>(key: string): T | undefined {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.expires <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return hit.value as T;
    },
    set<T>(key: string, value: T): void {
      entries.delete(key);
      entries.set(key, { value, expires: Date.now() + ttlMs });
      // Oldest-first eviction keeps a flood of retries from growing memory without bound.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    del(key: string): void {
      entries.delete(key);
    },
    flushAll(): void {
      entries.clear();
    },
  };
}
