import { describe, expect, it } from 'vitest';
import { HealthMonitor, unhealthyAt, type ErrorTimes, type HealthPersistence } from './health.js';

const clockAt = (t: { ms: number }) => ({ now: () => new Date(t.ms) });

describe('HealthMonitor', () => {
  const limits = { maxBadMacErrors: 3, maxBadDecryptErrors: 5, windowMs: 60_000 };

  it('follows the seed example: 2/3 Bad MAC and 1/5 Bad Decrypt are healthy', async () => {
    const t = { ms: 1_000_000 };
    const h = new HealthMonitor(limits, clockAt(t));
    await h.record('s', 'bad_mac');
    await h.record('s', 'bad_mac');
    await h.record('s', 'bad_decrypt');
    expect(h.stats('s', false)).toEqual({
      badMacErrors: 2,
      badDecryptErrors: 1,
      maxBadMacErrors: 3,
      maxBadDecryptErrors: 5,
      isHealthy: true,
    });
  });

  it('reports reaching the maximum and turns unhealthy at 80% rounded up', async () => {
    const t = { ms: 0 };
    const h = new HealthMonitor(limits, clockAt(t));
    expect(unhealthyAt(3)).toBe(3);
    expect(unhealthyAt(5)).toBe(4);
    for (let i = 0; i < 3; i++) await h.record('s', 'bad_decrypt');
    expect(h.stats('s', false).isHealthy).toBe(true);
    expect(await h.record('s', 'bad_decrypt')).toEqual({ count: 4, max: 5, reachedMax: false });
    expect(h.stats('s', false).isHealthy).toBe(false);
    expect((await h.record('s', 'bad_decrypt')).reachedMax).toBe(true);
  });

  it('forgets errors older than the window', async () => {
    const t = { ms: 0 };
    const h = new HealthMonitor(limits, clockAt(t));
    await h.record('s', 'bad_mac');
    await h.record('s', 'bad_mac');
    t.ms += 61_000;
    expect(await h.record('s', 'bad_mac')).toEqual({ count: 1, max: 3, reachedMax: false });
  });

  it('is unhealthy while closed by the threshold, and resets', async () => {
    const h = new HealthMonitor(limits, clockAt({ ms: 0 }));
    await h.record('s', 'bad_mac');
    expect(h.stats('s', true).isHealthy).toBe(false);
    await h.reset('s');
    expect(h.stats('s', false).badMacErrors).toBe(0);
    expect(h.stats('other', false).isHealthy).toBe(true);
  });
});

describe('HealthMonitor persistence', () => {
  it('writes each counted error through before answering, and takes the window back after a restart', async () => {
    const stored = new Map<string, ErrorTimes | null>();
    const persistence: HealthPersistence = {
      save: async (id, errors) => void stored.set(id, errors && { bad_mac: [...errors.bad_mac], bad_decrypt: [...errors.bad_decrypt] }),
      loadAll: async () => [...stored].flatMap(([sessionId, errors]) => (errors ? [{ sessionId, errors }] : [])),
    };
    const t = { ms: 1_000 };
    const limits = { maxBadMacErrors: 3, maxBadDecryptErrors: 5, windowMs: 60_000 };
    const before = new HealthMonitor(limits, clockAt(t), persistence);
    await before.record('s', 'bad_mac');
    await before.record('s', 'bad_mac');
    expect(stored.get('s')).toEqual({ bad_mac: [1_000, 1_000], bad_decrypt: [] });

    const after = new HealthMonitor(limits, clockAt(t), persistence);
    await after.restore();
    expect(await after.record('s', 'bad_mac')).toEqual({ count: 3, max: 3, reachedMax: true });
    await after.reset('s');
    expect(stored.get('s')).toBeNull();
  });
});
