/**
 * Seed 004 session health: Bad MAC / Bad Decrypt counters in a sliding time window. They are read
 * from memory (every session view shows them) and written through to the database before a
 * counted error is acted on, so a storm that spans a restart is not forgotten; a close or restart
 * resets them. That a session was closed by the threshold is kept on the session row.
 */
import type { Clock } from '../shared/clock.js';

export type DecryptErrorKind = 'bad_mac' | 'bad_decrypt';

export interface HealthLimits {
  maxBadMacErrors: number;
  maxBadDecryptErrors: number;
  windowMs: number;
}

export interface HealthStats {
  badMacErrors: number;
  badDecryptErrors: number;
  maxBadMacErrors: number;
  maxBadDecryptErrors: number;
  isHealthy: boolean;
}

export interface RecordResult {
  count: number;
  max: number;
  /** The counter reached its maximum: the session must be closed. */
  reachedMax: boolean;
}

export const ERROR_TYPE_LABEL: Record<DecryptErrorKind, 'Bad MAC' | 'Bad Decrypt'> = {
  bad_mac: 'Bad MAC',
  bad_decrypt: 'Bad Decrypt',
};

/** Unhealthy from 80% of the maximum, rounded up: with 3 → at 3, with 5 → at 4. */
export const unhealthyAt = (max: number): number => Math.ceil(max * 0.8);

/** The error times of one session's window, as stored (ms since the epoch). */
export interface ErrorTimes {
  bad_mac: number[];
  bad_decrypt: number[];
}

export interface HealthPersistence {
  /** null: the session has no counted errors. */
  save(sessionId: string, errors: ErrorTimes | null): Promise<void>;
  loadAll(): Promise<{ sessionId: string; errors: ErrorTimes }[]>;
}

export class HealthMonitor {
  private readonly events = new Map<string, ErrorTimes>();

  constructor(
    private readonly limits: HealthLimits,
    private readonly clock: Clock,
    private readonly persistence?: HealthPersistence,
  ) {}

  /** Takes back the counters stored before a restart (call once, before sessions start). */
  async restore(): Promise<void> {
    for (const { sessionId, errors } of (await this.persistence?.loadAll()) ?? []) {
      this.events.set(sessionId, { bad_mac: [...errors.bad_mac], bad_decrypt: [...errors.bad_decrypt] });
    }
  }

  private window(sessionId: string) {
    let w = this.events.get(sessionId);
    if (!w) {
      w = { bad_mac: [], bad_decrypt: [] };
      this.events.set(sessionId, w);
    }
    const cutoff = this.clock.now().getTime() - this.limits.windowMs;
    for (const kind of ['bad_mac', 'bad_decrypt'] as const) {
      const list = w[kind];
      let drop = 0;
      while (drop < list.length && list[drop]! <= cutoff) drop++;
      if (drop) list.splice(0, drop);
    }
    return w;
  }

  max(kind: DecryptErrorKind): number {
    return kind === 'bad_mac' ? this.limits.maxBadMacErrors : this.limits.maxBadDecryptErrors;
  }

  /** Counts one error; resolves once the count is stored. */
  async record(sessionId: string, kind: DecryptErrorKind): Promise<RecordResult> {
    const w = this.window(sessionId);
    w[kind].push(this.clock.now().getTime());
    await this.persistence?.save(sessionId, w);
    const count = w[kind].length;
    const max = this.max(kind);
    return { count, max, reachedMax: count >= max };
  }

  stats(sessionId: string, closedByThreshold: boolean): HealthStats {
    const w = this.events.has(sessionId) ? this.window(sessionId) : { bad_mac: [], bad_decrypt: [] };
    const badMacErrors = w.bad_mac.length;
    const badDecryptErrors = w.bad_decrypt.length;
    const { maxBadMacErrors, maxBadDecryptErrors } = this.limits;
    const isHealthy =
      !closedByThreshold && badMacErrors < unhealthyAt(maxBadMacErrors) && badDecryptErrors < unhealthyAt(maxBadDecryptErrors);
    return { badMacErrors, badDecryptErrors, maxBadMacErrors, maxBadDecryptErrors, isHealthy };
  }

  async reset(sessionId: string): Promise<void> {
    const had = this.events.delete(sessionId);
    if (had) await this.persistence?.save(sessionId, null);
  }
}
