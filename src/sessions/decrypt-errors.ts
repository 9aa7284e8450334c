/**
 * Seed 004's reaction to decrypt failures, as the dispatcher's health route: count each Bad MAC /
 * Bad Decrypt in the sliding window, announce it, warn the error webhook near the maximum, and
 * close the session when a counter reaches it.
 */
import type { Logger } from 'pino';
import type { EventOutbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import type { HealthEvent } from '../whatsapp/engine-dispatcher.js';
import type { SessionRef, SessionRegistry } from '../whatsapp/registry.js';
import { ERROR_TYPE_LABEL, type HealthMonitor } from './health.js';
import type { SessionsRepository } from './sessions.repository.js';

export interface ErrorNotifier {
  notify(args: { sessionId: string; companyId: string; errorType: 'Bad MAC' | 'Bad Decrypt'; currentCount: number; maxAllowed: number }): Promise<void>;
}

export interface DecryptErrorDeps {
  health: HealthMonitor;
  repo: SessionsRepository;
  registry: SessionRegistry;
  outbox: EventOutbox;
  errorNotifier: ErrorNotifier;
  logger: Logger;
  clock: Clock;
}

export function createDecryptErrorHandler(deps: DecryptErrorDeps) {
  const { health, outbox, logger, clock } = deps;
  const sessionError = (ref: SessionRef, errorType: string, message: string) =>
    outbox.publish('session.error', ref.companyId, { sessionId: ref.id, errorType, message, timestamp: clock.now().toISOString() });

  /**
   * Closes like `close` does, without waiting for the session's events to drain: this runs inside
   * the session's own health route, which a drain would wait for.
   */
  const closeForThreshold = async (ref: SessionRef, reason: 'bad_mac_threshold' | 'bad_decrypt_threshold', message: string): Promise<void> => {
    await deps.repo.update(ref.id, { closedByThreshold: true, isActive: false });
    await sessionError(ref, reason, message);
    await deps.registry.stop(ref.id, reason);
  };

  return async (ref: SessionRef, event: HealthEvent): Promise<void> => {
    const log = logger.child({ sessionId: ref.id, companyId: ref.companyId });
    const label = ERROR_TYPE_LABEL[event.kind];
    const { count, max, reachedMax } = await health.record(ref.id, event.kind);
    log.warn({ errorType: label, count, max, sender: event.senderJid, detail: event.detail }, `${label} error #${count} for ${event.senderJid}`);
    // Each counted failure is visible live, so a dashboard sees the health figures move before the threshold.
    await sessionError(ref, event.kind, `${label} error ${count}/${max} from ${event.senderJid}`);
    if (event.keysRemoved !== undefined) {
      log.info({ keysRemoved: event.keysRemoved, sender: event.senderJid }, `removed ${event.keysRemoved} corrupted session keys for ${event.senderJid}`);
    }
    if (count >= max - 1) {
      await deps.errorNotifier.notify({ sessionId: ref.id, companyId: ref.companyId, errorType: label, currentCount: count, maxAllowed: max });
    }
    if (reachedMax) {
      const reason = event.kind === 'bad_mac' ? 'bad_mac_threshold' : 'bad_decrypt_threshold';
      log.error({ reason, count, max }, `closing session: ${label} errors reached ${count}/${max}`);
      await closeForThreshold(ref, reason, `${label} errors reached ${count}/${max}; the session was closed to protect its encryption state`);
    }
  };
}
