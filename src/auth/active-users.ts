/**
 * "Does this token's user still exist with this role?" is asked on every request and socket
 * handshake. The answer is cached briefly and dropped the moment this process removes a user or
 * changes its role or password (`user.access_ended`), so a removal still takes effect at once here;
 * another node sees it within `ttlMs` (its refresh tokens are revoked, and access tokens are short).
 */
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../events/event-bus.js';
import type { AccessClaims } from './tokens.js';

const MAX_ENTRIES = 10_000;

export function createActiveUserCheck(deps: {
  lookup: (claims: AccessClaims) => Promise<boolean>;
  bus: EventBus;
  clock: Clock;
  ttlMs?: number;
}): (claims: AccessClaims) => Promise<boolean> {
  const ttlMs = deps.ttlMs ?? 5000;
  const cache = new Map<string, { ok: boolean; until: number }>();
  deps.bus.subscribe((event) => {
    if (event.name === 'user.access_ended') {
      for (const key of cache.keys()) if (key.startsWith(`${event.payload.userId}\u0000`)) cache.delete(key);
    }
  });
  return async (claims) => {
    const key = `${claims.userId}\u0000${claims.companyId}\u0000${claims.role}`;
    const now = deps.clock.now().getTime();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.ok;
    const ok = await deps.lookup(claims);
    // Insertion order is age order: the first key is the oldest.
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { ok, until: now + ttlMs });
    return ok;
  };
}
