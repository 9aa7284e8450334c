import { describe, expect, it } from 'vitest';
import { HealthMonitor, unhealthyAt } from './health.js';

const clockAt = (t: { ms: number }) => ({ now: () => new Date(t.ms) });

describe('HealthMonitor', () => {
  const limits = { maxBadMacErrors: 3, maxBadDecryptErrors: 5, windowMs: 60_000 };

  it('follows the seed example: 2/3 Bad MAC and 1/5 Bad Decrypt are healthy', () => {
    const t = { ms: 1_000_000 };
    const h = new HealthMonitor(limits, clockAt(t));
    h.record('s', 'bad_mac');
    h.record('s', 'bad_mac');
    h.record('s', 'bad_decrypt');
    expect(h.stats('s', false)).toEqual({
      badMacErrors: 2,
      badDecryptErrors: 1,
      maxBadMacErrors: 3,
      maxBadDecryptErrors: 5,
      isHealthy: true,
    });
  });

  it('reports reaching the maximum and turns unhealthy at 80% rounded up', () => {
    const t = { ms: 0 };
    const h = new HealthMonitor(limits, clockAt(t));
    expect(unhealthyAt(3)).toBe(3);
    expect(unhealthyAt(5)).toBe(4);
    for (let i = 0; i < 3; i++) h.record('s', 'bad_decrypt');
    expect(h.stats('s', false).isHealthy).toBe(true);
    expect(h.record('s', 'bad_decrypt')).toEqual({ count: 4, max: 5, reachedMax: false });
    expect(h.stats('s', false).isHealthy).toBe(false);
    expect(h.record('s', 'bad_decrypt').reachedMax).toBe(true);
  });

  it('forgets errors older than the window', () => {
    const t = { ms: 0 };
    const h = new HealthMonitor(limits, clockAt(t));
    h.record('s', 'bad_mac');
    h.record('s', 'bad_mac');
    t.ms += 61_000;
    expect(h.record('s', 'bad_mac')).toEqual({ count: 1, max: 3, reachedMax: false });
  });

  it('is unhealthy while closed by the threshold, and resets', () => {
    const h = new HealthMonitor(limits, clockAt({ ms: 0 }));
    h.record('s', 'bad_mac');
    expect(h.stats('s', true).isHealthy).toBe(false);
    h.reset('s');
    expect(h.stats('s', false).badMacErrors).toBe(0);
    expect(h.stats('other', false).isHealthy).toBe(true);
  });
});
