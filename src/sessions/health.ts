/**
 * Seed 004 session health: Bad MAC / Bad Decrypt counters in a sliding time window.
 * Counters live in memory (they describe the live connection and reset on close/restart); the
 * fact that a session was closed by the threshold is persisted on the session row.
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

export class HealthMonitor {
  private readonly events = new Map<string, { bad_mac: number[]; bad_decrypt: number[] }>();

  constructor(
    private readonly limits: HealthLimits,
    private readonly clock: Clock,
  ) {}

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

  record(sessionId: string, kind: DecryptErrorKind): RecordResult {
    const w = this.window(sessionId);
    w[kind].push(this.clock.now().getTime());
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

  reset(sessionId: string): void {
    this.events.delete(sessionId);
  }
}
