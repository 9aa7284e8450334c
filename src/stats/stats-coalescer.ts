/**
 * Turns bursts of "something changed" into at most one whatsapp:stats-updated per company per
 * interval: the first change of a quiet company is answered at once (leading edge), changes
 * during the following interval collapse into one more computation when it ends (trailing edge).
 * Admins get the company figures; each connected manager gets figures over its own sessions only.
 */
import type { Logger } from 'pino';
import type { AccessClaims } from '../auth/tokens.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { AnyDomainEvent, DomainEventName } from '../events/domain-events.js';
import type { EventBus } from '../events/event-bus.js';
import type { EventOutbox } from '../events/outbox.js';
import type { StatsService } from './stats.service.js';

export interface StatsCoalescerDeps {
  bus: EventBus;
  publish: EventOutbox['publish'];
  stats: Pick<StatsService, 'liveForCompany' | 'liveFor'>;
  /** Users of the company with a live socket (Gateway.connectedUsers). */
  connectedUsers: (companyId: string) => Promise<AccessClaims[]>;
  clock?: Clock;
  intervalMs?: number;
  logger: Logger;
}

export interface StatsCoalescer {
  /** Marks a company's stats as changed (the bus subscription calls this too). */
  markDirty(companyId: string): void;
  stop(): void;
}

/** One small record per company that has had activity; kept, since it carries the last run time. */
interface CompanyState {
  lastRunAt: number;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<void>;
  /** A change arrived while computing; it needs one more (trailing) run. */
  dirtyAgain: boolean;
}

/** The events after which a company's figures may differ. */
const CHANGES_STATS: ReadonlySet<DomainEventName> = new Set<DomainEventName>([
  'message.stored',
  'chat.updated',
  'session.created',
  'session.removed',
  'session.connected',
  'session.disconnected',
  'access.granted',
  'access.revoked',
]);

const companyOf = (event: AnyDomainEvent): string | undefined => (CHANGES_STATS.has(event.name) ? event.companyId : undefined);

export function createStatsCoalescer(deps: StatsCoalescerDeps): StatsCoalescer {
  const { bus, stats, logger, publish } = deps;
  const clock = deps.clock ?? systemClock;
  const intervalMs = deps.intervalMs ?? 1000;
  const companies = new Map<string, CompanyState>();
  let stopped = false;

  const publishFor = async (companyId: string): Promise<void> => {
    const companyStats = await stats.liveForCompany(companyId);
    if (stopped) return;
    await publish('stats.recomputed', companyId, { stats: companyStats });

    const managers = (await deps.connectedUsers(companyId)).filter((u) => u.role === 'manager' && u.companyId === companyId);
    await Promise.all(
      managers.map(async (manager) => {
        try {
          const own = await stats.liveFor(manager);
          if (!own || stopped) return;
          await publish('stats.recomputed', companyId, { stats: own, forUserId: manager.userId });
        } catch (err) {
          logger.error({ err, companyId, userId: manager.userId }, 'could not compute manager stats');
        }
      }),
    );
  };

  const run = (companyId: string, state: CompanyState): void => {
    state.timer = undefined;
    state.lastRunAt = clock.now().getTime();
    state.running = publishFor(companyId)
      .catch((err: unknown) => logger.error({ err, companyId }, 'could not compute stats'))
      .finally(() => {
        state.running = undefined;
        if (state.dirtyAgain && !stopped) {
          state.dirtyAgain = false;
          schedule(companyId);
        }
      });
  };

  function schedule(companyId: string): void {
    if (stopped) return;
    let state = companies.get(companyId);
    if (!state) {
      state = { lastRunAt: Number.NEGATIVE_INFINITY, dirtyAgain: false };
      companies.set(companyId, state);
    }
    if (state.timer) return;
    if (state.running) {
      state.dirtyAgain = true;
      return;
    }
    // Capped so a clock stepping backwards cannot hold a company's updates back.
    const wait = Math.min(intervalMs, state.lastRunAt + intervalMs - clock.now().getTime());
    if (wait <= 0) {
      run(companyId, state);
      return;
    }
    const s = state;
    s.timer = setTimeout(() => run(companyId, s), wait);
  }

  const unsubscribe = bus.subscribe((event) => {
    const companyId = companyOf(event);
    if (companyId) schedule(companyId);
  });

  return {
    markDirty: schedule,
    stop() {
      stopped = true;
      unsubscribe();
      for (const state of companies.values()) if (state.timer) clearTimeout(state.timer);
      companies.clear();
    },
  };
}
