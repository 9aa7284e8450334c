/**
 * Turns the engine's connection-state events into session state: the persisted status (docs/api.md
 * state machine), its domain events, the QR on display, and the log lines of seed 004. Called by
 * the engine dispatcher, in order per session.
 */
import type { Logger } from 'pino';
import type { EventOutbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import type { DisconnectReason } from '../whatsapp/engine.js';
import type { StateEvent } from '../whatsapp/engine-dispatcher.js';
import type { SessionRef } from '../whatsapp/registry.js';
import type { HealthMonitor } from './health.js';
import type { QrBoard } from './qr-board.js';
import { renderQr } from './qr.js';
import type { SessionStatus } from './session-view.js';
import type { SessionsRepository } from './sessions.repository.js';

export interface LifecycleDeps {
  repo: SessionsRepository;
  outbox: EventOutbox;
  health: HealthMonitor;
  qr: QrBoard;
  logger: Logger;
  clock: Clock;
}

/** What a final disconnect leaves the session as, and whether it stays active for restore. */
const FINAL_STATE: Record<DisconnectReason, { status: SessionStatus; isActive: boolean; isError: boolean }> = {
  closed: { status: 'closed', isActive: false, isError: false },
  client_logout: { status: 'logged_out', isActive: false, isError: false },
  logged_out: { status: 'logged_out', isActive: false, isError: true },
  replaced: { status: 'closed', isActive: false, isError: true },
  forbidden: { status: 'failed', isActive: false, isError: true },
  qr_expired: { status: 'closed', isActive: false, isError: true },
  // Gave up for now; a server restart tries again.
  failed: { status: 'failed', isActive: true, isError: true },
  connection_lost: { status: 'reconnecting', isActive: true, isError: true },
};

export function createSessionLifecycle(deps: LifecycleDeps) {
  const { repo, outbox, health, qr, logger, clock } = deps;
  const reconnecting = new Set<string>();
  const log = (ref: SessionRef) => logger.child({ sessionId: ref.id, companyId: ref.companyId });
  const errorEvent = (ref: SessionRef, errorType: string, message: string) => ({ sessionId: ref.id, errorType, message, timestamp: clock.now().toISOString() });

  const onDisconnected = async (ref: SessionRef, event: Extract<StateEvent, { type: 'disconnected' }>) => {
    const now = clock.now();
    qr.clear(ref.id);
    if (event.willReconnect) {
      reconnecting.add(ref.id);
      await outbox.transaction(async (tx, emit) => {
        await repo.update(ref.id, { status: 'reconnecting', lastCloseReason: event.reason, lastCloseAt: now }, tx);
        emit('session.disconnected', ref.companyId, { sessionId: ref.id, reason: event.reason, status: 'reconnecting' });
        emit('session.error', ref.companyId, errorEvent(ref, event.reason, event.message));
      });
      log(ref).warn({ reason: event.reason, code: event.code, attempt: event.attempt, retryInMs: event.retryInMs }, 'connection lost; reconnecting');
      return;
    }
    reconnecting.delete(ref.id);
    const final = FINAL_STATE[event.reason];
    const reason = event.reason === 'closed' && event.closeReason ? event.closeReason : event.reason;
    await health.reset(ref.id);
    log(ref).info({ reason }, 'counters reset');
    await outbox.transaction(async (tx, emit) => {
      await repo.update(
        ref.id,
        { status: final.status, lastCloseReason: reason, lastCloseAt: now, ...(event.reason !== 'closed' && { isActive: final.isActive }) },
        tx,
      );
      emit('session.disconnected', ref.companyId, { sessionId: ref.id, reason, status: final.status });
      if (final.isError) emit('session.error', ref.companyId, errorEvent(ref, event.reason, event.message));
    });
    log(ref).info({ reason, status: final.status }, `session socket closed (${reason})`);
  };

  return {
    /** The dispatcher's state route. */
    async handle(ref: SessionRef, event: StateEvent): Promise<void> {
      switch (event.type) {
        case 'qr': {
          const qrCode = await renderQr(event.qr);
          qr.show(ref.id, qrCode);
          await outbox.transaction(async (tx, emit) => {
            await repo.update(ref.id, { status: 'qr' }, tx);
            emit('session.qr_changed', ref.companyId, { sessionId: ref.id, qrCode });
          });
          return;
        }
        case 'pairing-code':
          return;
        case 'connecting':
          await repo.update(ref.id, { status: reconnecting.has(ref.id) ? 'reconnecting' : 'connecting' });
          return;
        case 'connected': {
          reconnecting.delete(ref.id);
          qr.clear(ref.id);
          const now = clock.now();
          await outbox.transaction(async (tx, emit) => {
            const row = await repo.update(
              ref.id,
              { status: 'connected', phoneNumber: event.phoneNumber, phoneJid: event.jid, lastConnectedAt: now, lastSeen: now },
              tx,
            );
            emit('session.connected', ref.companyId, { sessionId: ref.id, phoneNumber: event.phoneNumber, displayName: row?.displayName ?? '' });
          });
          log(ref).info({ jid: event.jid }, `connected to WhatsApp as ${event.jid}`);
          return;
        }
        case 'disconnected':
          await onDisconnected(ref, event);
          return;
        case 'error':
          log(ref).error({ errorType: event.errorType }, event.message);
          await outbox.publish('session.error', ref.companyId, errorEvent(ref, event.errorType, event.message));
          return;
      }
    },
    /** Forgets what is kept in memory for a deleted session. */
    async forget(sessionId: string): Promise<void> {
      reconnecting.delete(sessionId);
      qr.clear(sessionId);
      await health.reset(sessionId);
    },
  };
}

export type SessionLifecycle = ReturnType<typeof createSessionLifecycle>;
