import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryAuthStore } from '../../../../test/helpers/memory-auth-store.js';
import type { EngineEvent } from '../../engine.js';
import { createSimulatorEngines } from './simulator-engine.js';

const opts = { backoff: { baseMs: 5, maxMs: 20, maxRetries: 2 }, qrMaxRefreshes: 3, qrRefreshMs: 60_000, mediaDir: path.join(os.tmpdir(), `sim-media-${process.pid}`) };

function engineWith(creds: string | null, onEvent: (e: EngineEvent) => void | Promise<void> = () => undefined) {
  const { factory, controls } = createSimulatorEngines(opts);
  const auth = memoryAuthStore(creds);
  const engine = factory({ sessionId: 's1', companyId: 'c1', logger: pino({ level: 'silent' }), auth, getStoredMessage: async () => null });
  const events: EngineEvent[] = [];
  engine.on((e) => {
    events.push(e);
    return onEvent(e);
  });
  return { engine, control: controls.of('s1')!, auth, events };
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('simulator engine', () => {
  it("answers a contact's message only once the handler stored it", async () => {
    let release!: () => void;
    const stored = new Promise<void>((resolve) => (release = resolve));
    const { engine, control, events } = engineWith(JSON.stringify({ phoneNumber: '77010000001' }), (e) => (e.type === 'message' ? stored : undefined));
    await engine.start();
    await waitFor(() => events.some((e) => e.type === 'connected'));
    let answered = false;
    const inbound = control.inbound({ from: '77010000002', body: 'hello' }).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    release();
    await inbound;
    expect(answered).toBe(true);
    await engine.stop();
  });

  it('a failed store fails the control call (nothing acknowledged that was not stored)', async () => {
    const { engine, control, events } = engineWith(JSON.stringify({ phoneNumber: '77010000001' }), (e) => {
      if (e.type === 'message') return Promise.reject(new Error('disk full'));
    });
    await engine.start();
    await waitFor(() => events.some((e) => e.type === 'connected'));
    await expect(control.inbound({ from: '77010000002', body: 'hello' })).rejects.toThrow('disk full');
    await engine.stop();
  });

  it('credentials another engine stored are reported as logged out and wiped, never connected as "+undefined"', async () => {
    const { engine, auth, events } = engineWith(JSON.stringify({ noiseKey: { private: 'x' }, me: { id: '7701:3@s.whatsapp.net' } }));
    await engine.start();
    expect(events).toEqual([expect.objectContaining({ type: 'disconnected', reason: 'logged_out', willReconnect: false })]);
    expect(await auth.loadCreds()).toBeNull();
  });
});
