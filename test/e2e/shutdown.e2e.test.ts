/**
 * A graceful stop under load: SIGTERM while 16 clients keep writing ends the server within
 * SHUTDOWN_TIMEOUT_MS with exit code 0, and every message it answered 200 is stored.
 */
import { describe, expect, it } from 'vitest';
import { runCrashCycles } from '../helpers/crash-run.js';

describe('SIGTERM under load', () => {
  it('stops within SHUTDOWN_TIMEOUT_MS with exit code 0, engines closed and nothing acknowledged lost', async () => {
    const timeoutMs = 8000;
    const result = await runCrashCycles({
      engine: 'simulator',
      db: 'pglite',
      crashes: 2,
      streams: 16,
      signal: 'SIGTERM',
      env: { SHUTDOWN_TIMEOUT_MS: String(timeoutMs) },
    });
    expect(result.stops).toHaveLength(2);
    for (const stop of result.stops) {
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(timeoutMs);
    }
    expect(result.acknowledged).toBeGreaterThan(0);
    expect(result.missing).toEqual([]);
    expect(result.duplicates).toEqual([]);
    expect(result.counterMismatches).toEqual([]);
  }, 300_000);
});
