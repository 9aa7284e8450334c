/** Capped exponential backoff with full jitter, shared by both engines' reconnect loops. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxRetries: number;
}

/**
 * Delay before reconnect attempt `attempt` (1-based), or null once the retry limit is spent.
 * Full jitter (a random point in [base/2, cap]) keeps many sessions from reconnecting in lockstep
 * after a shared outage.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number | null {
  if (attempt > policy.maxRetries) return null;
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const floor = Math.min(cap, policy.baseMs / 2);
  return Math.round(floor + (cap - floor) * random());
}
