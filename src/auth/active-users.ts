/**
 * "Is this token's user still there, with this role, and was the token issued after the user's
 * logins were last ended?" is asked on every request and socket handshake. The user's standing is
 * cached briefly and dropped the moment this process ends a user's access (`user.access_ended`:
 * removed, role or password changed, logged out everywhere), so that takes effect at once here;
 * another node sees it within `ttlMs`.
 */
import type { EventBus } from '../events/event-bus.js';
import type { Clock } from '../shared/clock.js';
import type { AccessClaims, Role } from './tokens.js';

const MAX_ENTRIES = 10_000;

export interface UserStanding {
  role: Role;
  /** Access tokens issued before this are no longer accepted. */
  tokensValidAfter: Date | null;
}

export function createActiveUserCheck(deps: {
  lookup: (companyId: string, userId: string) => Promise<UserStanding | undefined>;
  bus: EventBus;
  clock: Clock;
  ttlMs?: number;
}): (claims: AccessClaims) => Promise<boolean> {
  const ttlMs = deps.ttlMs ?? 5000;
  const cache = new Map<string, { standing: UserStanding | undefined; until: number }>();
  const keyOf = (companyId: string, userId: string) => `${userId}\u0000${companyId}`;
  deps.bus.subscribe((event) => {
    if (event.name === 'user.access_ended') cache.delete(keyOf(event.companyId, event.payload.userId));
  });
  return async (claims) => {
    const key = keyOf(claims.companyId, claims.userId);
    const now = deps.clock.now().getTime();
    let hit = cache.get(key);
    if (!hit || hit.until <= now) {
      hit = { standing: await deps.lookup(claims.companyId, claims.userId), until: now + ttlMs };
      // Insertion order is age order: the first key is the oldest.
      cache.delete(key);
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, hit);
    }
    const { standing } = hit;
    if (!standing || standing.role !== claims.role) return false;
    return !standing.tokensValidAfter || (claims.issuedAt ?? 0) >= standing.tokensValidAfter.getTime();
  };
}
