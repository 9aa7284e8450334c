/**
 * Turns engine events into session state: the persisted status (API.md state machine), the
 * socket events, the seed-004 health rules (counters, auto-close, error webhook, log lines).
 * Events of one session are handled in order; conversation events go to the conversations sink.
 */
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import { KeyedQueue } from '../shared/keyed-queue.js';
import type { DisconnectReason, EngineEvent } from '../whatsapp/engine.js';
import type { SessionRef, SessionRegistry } from '../whatsapp/registry.js';
import { ERROR_TYPE_LABEL, type HealthMonitor } from './health.js';
import { renderQr } from './qr.js';
import type { SessionStatus } from './session-view.js';
import type { SessionPatch, SessionsRepository } from './sessions.repository.js';


/** Conversations (messages, receipts, typing) are handled by their own feature. */
export type ConversationSink = (session: SessionRef, event: EngineEvent) => Promise<void>;

export interface ErrorNotifier {
  notify(args: { sessionId: string; companyId: string; errorType: 'Bad MAC' | 'Bad Decrypt'; currentCount: number; maxAllowed: number }): Promise<void>;
}

export interface LifecycleDeps {
  repo: SessionsRepository;
  bus: EventBus;
  health: HealthMonitor;
  registry: SessionRegistry;
  conversations: ConversationSink;
  errorNotifier: ErrorNotifier;
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
  const { repo, bus, health, logger, clock } = deps;
  const queue = new KeyedQueue((err, key) => logger.error({ err, sessionId: key }, 'session event handling failed'));
  const latestQr = new Map<string, string>();
  const qrWaiters = new Map<string, Set<(qr: string | null) => void>>();
  /** Why we asked a session to close, so its `closed` event is stored with that reason. */
  const pendingCloseReason = new Map<string, string>();
  const reconnecting = new Set<string>();

  const resolveQrWaiters = (sessionId: string, qr: string | null): void => {
    const waiters = qrWaiters.get(sessionId);
    if (!waiters) return;
    qrWaiters.delete(sessionId);
    for (const w of waiters) w(qr);
  };

  const setStatus = async (ref: SessionRef, status: SessionStatus, patch: SessionPatch = {}) => {
    await repo.update(ref.id, { status, ...patch });
  };

  const sessionError = (ref: SessionRef, errorType: string, message: string): void => {
    bus.emit('whatsapp:session-error', { companyId: ref.companyId, sessionId: ref.id }, {
      sessionId: ref.id,
      errorType,
      message,
      timestamp: clock.now().toISOString(),
    });
  };

  const closeForThreshold = (ref: SessionRef, reason: 'bad_mac_threshold' | 'bad_decrypt_threshold', message: string): void => {
    pendingCloseReason.set(ref.id, reason);
    // Not awaited inside the session's queue: the close reports back through that same queue.
    repo
      .update(ref.id, { closedByThreshold: true, isActive: false })
      .then(() => deps.registry.stop(ref.id, reason))
      .catch((err: unknown) => logger.error({ err, sessionId: ref.id, companyId: ref.companyId }, 'auto-close failed'));
    sessionError(ref, reason, message);
  };

  const onDecryptError = async (ref: SessionRef, event: Extract<EngineEvent, { type: 'decrypt-error' }>) => {
    const log = logger.child({ sessionId: ref.id, companyId: ref.companyId });
    const label = ERROR_TYPE_LABEL[event.kind];
    const { count, max, reachedMax } = health.record(ref.id, event.kind);
    log.warn({ errorType: label, count, max, sender: event.senderJid, detail: event.detail }, `${label} error #${count} for ${event.senderJid}`);
    // Each counted failure is visible live, so a dashboard sees the health figures move before the threshold.
    sessionError(ref, event.kind, `${label} error ${count}/${max} from ${event.senderJid}`);
    if (event.keysRemoved !== undefined) {
      log.info({ keysRemoved: event.keysRemoved, sender: event.senderJid }, `removed ${event.keysRemoved} corrupted session keys for ${event.senderJid}`);
    }
    if (count >= max - 1) {
      await deps.errorNotifier
        .notify({ sessionId: ref.id, companyId: ref.companyId, errorType: label, currentCount: count, maxAllowed: max })
        .catch((err: unknown) => log.error({ err }, 'could not queue the error webhook'));
    }
    if (reachedMax) {
      const reason = event.kind === 'bad_mac' ? 'bad_mac_threshold' : 'bad_decrypt_threshold';
      log.error({ reason, count, max }, `closing session: ${label} errors reached ${count}/${max}`);
      closeForThreshold(ref, reason, `${label} errors reached ${count}/${max}; the session was closed to protect its encryption state`);
    }
  };

  const onDisconnected = async (ref: SessionRef, event: Extract<EngineEvent, { type: 'disconnected' }>) => {
    const log = logger.child({ sessionId: ref.id, companyId: ref.companyId });
    const now = clock.now();
    resolveQrWaiters(ref.id, null);
    latestQr.delete(ref.id);
    if (event.willReconnect) {
      reconnecting.add(ref.id);
      await setStatus(ref, 'reconnecting', { lastCloseReason: event.reason, lastCloseAt: now });
      log.warn({ reason: event.reason, code: event.code, attempt: event.attempt, retryInMs: event.retryInMs }, 'connection lost; reconnecting');
      bus.emit('whatsapp:session-disconnected', { companyId: ref.companyId, sessionId: ref.id }, { sessionId: ref.id, reason: event.reason });
      sessionError(ref, event.reason, event.message);
      return;
    }
    reconnecting.delete(ref.id);
    const requested = pendingCloseReason.get(ref.id);
    pendingCloseReason.delete(ref.id);
    const final = FINAL_STATE[event.reason];
    const reason = event.reason === 'closed' && requested ? requested : event.reason;
    health.reset(ref.id);
    log.info({ reason }, 'counters reset');
    await setStatus(ref, final.status, {
      lastCloseReason: reason,
      lastCloseAt: now,
      ...(event.reason !== 'closed' && { isActive: final.isActive }),
    });
    log.info({ reason, status: final.status }, `session socket closed (${reason})`);
    bus.emit('whatsapp:session-disconnected', { companyId: ref.companyId, sessionId: ref.id }, { sessionId: ref.id, reason });
    if (final.isError) sessionError(ref, event.reason, event.message);
  };

  const handle = async (ref: SessionRef, event: EngineEvent): Promise<void> => {
    switch (event.type) {
      case 'qr': {
        const qrCode = await renderQr(event.qr);
        latestQr.set(ref.id, qrCode);
        resolveQrWaiters(ref.id, qrCode);
        await setStatus(ref, 'qr');
        // Only admins link numbers; the QR goes to them alone.
        bus.emit('whatsapp:qr-updated', { companyId: ref.companyId }, { sessionId: ref.id, qrCode });
        return;
      }
      case 'pairing-code':
        return;
      case 'connecting':
        await setStatus(ref, reconnecting.has(ref.id) ? 'reconnecting' : 'connecting');
        return;
      case 'connected': {
        reconnecting.delete(ref.id);
        latestQr.delete(ref.id);
        const now = clock.now();
        const row = await repo.update(ref.id, {
          status: 'connected',
          phoneNumber: event.phoneNumber,
          phoneJid: event.jid,
          lastConnectedAt: now,
          lastSeen: now,
        });
        logger.info({ sessionId: ref.id, companyId: ref.companyId, jid: event.jid }, `connected to WhatsApp as ${event.jid}`);
        bus.emit('whatsapp:session-connected', { companyId: ref.companyId, sessionId: ref.id }, {
          sessionId: ref.id,
          phoneNumber: event.phoneNumber,
          displayName: row?.displayName ?? '',
        });
        bus.publish({ kind: 'internal', name: 'stats.dirty', companyId: ref.companyId });
        return;
      }
      case 'disconnected':
        await onDisconnected(ref, event);
        bus.publish({ kind: 'internal', name: 'stats.dirty', companyId: ref.companyId });
        return;
      case 'decrypt-error':
        await onDecryptError(ref, event);
        return;
      case 'error':
        logger.error({ sessionId: ref.id, companyId: ref.companyId, errorType: event.errorType }, event.message);
        sessionError(ref, event.errorType, event.message);
        return;
      default:
        await deps.conversations(ref, event);
    }
  };

  return {
    /** The registry's event sink. */
    onEngineEvent(ref: SessionRef, event: EngineEvent): void {
      void queue.run(ref.id, () => handle(ref, event));
    },
    expectClose(sessionId: string, reason: string): void {
      pendingCloseReason.set(sessionId, reason);
    },
    latestQr: (sessionId: string): string | undefined => latestQr.get(sessionId),
    /** Resolves with the next QR (or null if the session closes or the time runs out). */
    waitForQr(sessionId: string, timeoutMs: number): Promise<string | null> {
      const existing = latestQr.get(sessionId);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => {
        let set = qrWaiters.get(sessionId);
        if (!set) {
          set = new Set();
          qrWaiters.set(sessionId, set);
        }
        const waiter = (qr: string | null): void => {
          clearTimeout(timer);
          resolve(qr);
        };
        const timer = setTimeout(() => {
          qrWaiters.get(sessionId)?.delete(waiter);
          resolve(null);
        }, timeoutMs);
        set.add(waiter);
      });
    },
    forget(sessionId: string): void {
      latestQr.delete(sessionId);
      pendingCloseReason.delete(sessionId);
      reconnecting.delete(sessionId);
      health.reset(sessionId);
      resolveQrWaiters(sessionId, null);
    },
    drain: () => queue.drain(),
  };
}

export type SessionLifecycle = ReturnType<typeof createSessionLifecycle>;
