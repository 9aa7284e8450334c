import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { baseMs: 1000, maxMs: 8000, maxRetries: 5 };

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    expect(backoffDelay(policy, 1, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 2, () => 1)).toBe(2000);
    expect(backoffDelay(policy, 4, () => 1)).toBe(8000);
    expect(backoffDelay(policy, 5, () => 1)).toBe(8000);
  });

  it('jitters between half the base and the cap', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(500);
    const d = backoffDelay(policy, 3)!;
    expect(d).toBeGreaterThanOrEqual(500);
    expect(d).toBeLessThanOrEqual(4000);
  });

  it('gives up after the retry limit', () => {
    expect(backoffDelay(policy, 6)).toBeNull();
    expect(backoffDelay({ ...policy, maxRetries: 0 }, 1)).toBeNull();
  });
});
