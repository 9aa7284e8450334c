import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fakeOutbox } from '../../test/helpers/fake-outbox.js';
import type { DisconnectReason } from '../whatsapp/engine.js';
import { HealthMonitor } from './health.js';
import { QrBoard } from './qr-board.js';
import { createSessionLifecycle } from './session-lifecycle.js';
import type { SessionPatch, SessionsRepository } from './sessions.repository.js';

const ref = { id: 's1', companyId: 'c1' };
const clock = { now: () => new Date('2026-12-01T10:00:00Z') };

function setup() {
  const updates: SessionPatch[] = [];
  const repo = {
    update: async (_id: string, patch: SessionPatch) => {
      updates.push(patch);
      return { displayName: 'Sales' };
    },
  } as unknown as SessionsRepository;
  const outbox = fakeOutbox();
  const health = new HealthMonitor({ maxBadMacErrors: 3, maxBadDecryptErrors: 5, windowMs: 60_000 }, clock);
  const qr = new QrBoard();
  const lifecycle = createSessionLifecycle({ repo, outbox, health, qr, logger: pino({ level: 'silent' }), clock });
  return { lifecycle, updates, outbox, health, qr };
}

const closed = (reason: DisconnectReason, closeReason?: string) =>
  ({ type: 'disconnected', reason, willReconnect: false, message: `because ${reason}`, ...(closeReason && { closeReason }) }) as const;

describe('session lifecycle: what each final disconnect leaves', () => {
  it.each([
    // reason, stored status, isActive written (undefined: left as the close set it), error event
    ['closed', 'closed', undefined, false],
    ['client_logout', 'logged_out', false, false],
    ['logged_out', 'logged_out', false, true],
    ['replaced', 'closed', false, true],
    ['forbidden', 'failed', false, true],
    ['qr_expired', 'closed', false, true],
    // Gave up for now: stays active so that a restart of the server tries again.
    ['failed', 'failed', true, true],
  ] as const)('%s → %s', async (reason, status, isActive, isError) => {
    const { lifecycle, updates, outbox, health } = setup();
    await health.record('s1', 'bad_mac');
    await lifecycle.handle(ref, closed(reason));
    expect(updates).toEqual([{ status, lastCloseReason: reason, lastCloseAt: clock.now(), ...(isActive !== undefined && { isActive }) }]);
    expect(outbox.events.map((e) => e.name)).toEqual(isError ? ['session.disconnected', 'session.error'] : ['session.disconnected']);
    expect(outbox.events[0]!.payload).toEqual({ sessionId: 's1', reason, status });
    // Counters describe one connection: a final close resets them.
    expect(health.stats('s1', false).badMacErrors).toBe(0);
  });

  it('stores and announces the reason a close was asked for', async () => {
    const { lifecycle, updates, outbox } = setup();
    await lifecycle.handle(ref, closed('closed', 'bad_mac_threshold'));
    expect(updates[0]).toMatchObject({ status: 'closed', lastCloseReason: 'bad_mac_threshold' });
    expect(outbox.events[0]!.payload).toMatchObject({ reason: 'bad_mac_threshold' });
  });

  it('a drop with a reconnect ahead is `reconnecting`, and the attempts that follow stay so until connected', async () => {
    const { lifecycle, updates, outbox } = setup();
    await lifecycle.handle(ref, { type: 'disconnected', reason: 'connection_lost', willReconnect: true, message: 'gone', attempt: 1, retryInMs: 1000 });
    await lifecycle.handle(ref, { type: 'connecting' });
    await lifecycle.handle(ref, { type: 'connected', phoneNumber: '+77010000001', jid: '77010000001@c.us' });
    await lifecycle.handle(ref, { type: 'connecting' });
    expect(updates.map((u) => u.status)).toEqual(['reconnecting', 'reconnecting', 'connected', 'connecting']);
    expect(outbox.events.map((e) => e.name)).toEqual(['session.disconnected', 'session.error', 'session.connected']);
    expect(outbox.events[2]!.payload).toEqual({ sessionId: 's1', phoneNumber: '+77010000001', displayName: 'Sales' });
  });

  it('a QR is shown to waiters and announced; connecting clears it', async () => {
    const { lifecycle, outbox, qr } = setup();
    const waiting = qr.next('s1', 5000);
    await lifecycle.handle(ref, { type: 'qr', qr: '2@ref,key,identity,adv' });
    const shown = await waiting;
    expect(shown).toMatch(/^data:image\/png;base64,/);
    expect(outbox.events).toEqual([expect.objectContaining({ name: 'session.qr_changed', payload: { sessionId: 's1', qrCode: shown } })]);
    await lifecycle.handle(ref, { type: 'connected', phoneNumber: '+7701', jid: '7701@c.us' });
    expect(qr.current('s1')).toBeUndefined();
  });
});
