/** Company statistics (seed 000 §13) and the live figures behind whatsapp:stats-updated. */
import type { AccessClaims } from '../auth/tokens.js';
import type { AccessPolicy } from '../managers/access-policy.js';
import type { StatsUpdatedEvent } from '../realtime/socket-events.js';
import type { Clock } from '../shared/clock.js';
import { ValidationError } from '../shared/errors.js';
import type { StatsRepository } from './stats.repository.js';
import type { StatsOverview } from './stats-view.js';

export type LiveStats = StatsUpdatedEvent['stats'];

export interface StatsServiceDeps {
  repo: StatsRepository;
  policy: AccessPolicy;
  clock: Clock;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a 400 naming `tz` unless Intl knows the zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw ValidationError.field('tz', 'must be an IANA time zone name, e.g. Europe/Berlin');
    }
    // Bounded: only names Intl accepted get here, and there are a few hundred of them.
    if (formatters.size < 1000) formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at instant `t`, encoded as if it were UTC. */
function wallClock(f: Intl.DateTimeFormat, t: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const ms = ((t % 1000) + 1000) % 1000;
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) + ms;
}

/**
 * The UTC instant at which the local day containing `now` began in `timeZone`. Usually local
 * midnight; where a DST change skips midnight (e.g. America/Santiago in September) the day begins
 * at the first instant after the gap.
 */
export function startOfDay(now: Date, timeZone: string): Date {
  const f = formatterFor(timeZone);
  const wallNow = wallClock(f, now.getTime());
  const midnight = wallNow - (((wallNow % 86_400_000) + 86_400_000) % 86_400_000);
  // Two rounds settle the offset unless midnight falls into a DST gap.
  let t = midnight - (wallClock(f, midnight) - midnight);
  t = midnight - (wallClock(f, t) - t);
  if (wallClock(f, t) === midnight) return new Date(t);
  // Midnight does not exist that day: find the first instant whose wall clock is past it.
  let lo = t - 6 * 3_600_000;
  let hi = t + 6 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(f, mid) >= midnight) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

export function createStatsService(deps: StatsServiceDeps) {
  const { repo, policy, clock } = deps;

  /**
   * Managers with the same sessions (a team sharing one number is the common case) share one
   * in-flight computation instead of each running the same queries.
   */
  const inFlight = new Map<string, Promise<LiveStats>>();

  const compute = async (companyId: string, onlyIds?: string[]): Promise<LiveStats> => {
    const [sessions, chats, todayMessages] = await Promise.all([
      repo.sessions(companyId, onlyIds),
      repo.chats(companyId, onlyIds),
      repo.messagesSince(companyId, startOfDay(clock.now(), 'UTC'), onlyIds),
    ]);
    return {
      totalChats: chats.individual + chats.groups,
      unreadChats: chats.unread,
      totalMessages: chats.messages,
      todayMessages,
      connectedSessions: sessions.connected,
    };
  };

  const live = (companyId: string, onlyIds?: string[]): Promise<LiveStats> => {
    const key = `${companyId}|${onlyIds ? [...onlyIds].sort().join(',') : '*'}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = compute(companyId, onlyIds).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    /** Admins see the company; managers only the sessions they may read. */
    async overview(caller: AccessClaims, timeZone = 'UTC'): Promise<StatsOverview> {
      const since = startOfDay(clock.now(), timeZone);
      const onlyIds = (await policy.readableSessionIds(caller)) ?? undefined;
      const [sessions, chats, today, managers] = await Promise.all([
        repo.sessions(caller.companyId, onlyIds),
        repo.chats(caller.companyId, onlyIds),
        repo.messagesSince(caller.companyId, since, onlyIds),
        repo.managers(caller.companyId, onlyIds),
      ]);
      return {
        sessions,
        messages: { total: chats.messages, today, sent: chats.sent, received: Math.max(0, chats.messages - chats.sent) },
        chats: { total: chats.individual + chats.groups, individual: chats.individual, groups: chats.groups },
        managers,
        media: { storedBytes: chats.mediaBytes },
      };
    },

    /** The company-wide live figures (UTC day), for its admins. */
    liveForCompany(companyId: string): Promise<LiveStats> {
      return live(companyId);
    },

    /** The live figures one user may see; undefined for a manager with no sessions. */
    async liveFor(user: AccessClaims): Promise<LiveStats | undefined> {
      const onlyIds = await policy.readableSessionIds(user);
      if (onlyIds === null) return live(user.companyId);
      if (onlyIds.length === 0) return undefined;
      return live(user.companyId, onlyIds);
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
