/** Session commands and queries: create, list, QR, disconnect, close, restart, delete, health. */
import type { MediaCollector } from '../media/media-gc.js';
import type { Logger } from 'pino';
import type { AccessClaims } from '../auth/tokens.js';
import type { AccessPolicy } from '../managers/access-policy.js';
import type { Clock } from '../shared/clock.js';
import type { EventOutbox } from '../events/outbox.js';
import { NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { isUniqueViolation } from '../users/users.repository.js';
import type { EngineDispatcher } from '../whatsapp/engine-dispatcher.js';
import { toHttpError } from '../whatsapp/engine-errors.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { whatsappErrors } from '../whatsapp/whatsapp.errors.js';
import type { HealthMonitor, HealthStats } from './health.js';
import type { QrBoard } from './qr-board.js';
import type { SessionLifecycle } from './session-lifecycle.js';
import { toCreatedSession, toSessionView } from './session-view.js';
import { sessionErrors } from './sessions.errors.js';
import type { SessionRow, SessionsRepository } from './sessions.repository.js';

export interface SessionsServiceDeps {
  repo: SessionsRepository;
  policy: AccessPolicy;
  registry: SessionRegistry;
  lifecycle: SessionLifecycle;
  dispatcher: Pick<EngineDispatcher, 'drainSession'>;
  qrBoard: QrBoard;
  health: HealthMonitor;
  outbox: EventOutbox;
  logger: Logger;
  clock: Clock;
  qrWaitMs: number;
  restartPauseMs: number;
  /** The files a deleted session's messages leave behind. */
  media: Pick<MediaCollector, 'hashesOfSession' | 'collect'>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSessionsService(deps: SessionsServiceDeps) {
  const { repo, policy, registry, lifecycle, dispatcher, qrBoard, health, outbox, logger } = deps;
  const ref = (s: SessionRow) => ({ id: s.id, companyId: s.companyId });
  const healthOf = (s: SessionRow): HealthStats => health.stats(s.id, s.closedByThreshold);
  const log = (s: SessionRow) => logger.child({ sessionId: s.id, companyId: s.companyId });

  const startSession = async (s: SessionRow): Promise<void> => {
    await repo.update(s.id, { isActive: true, status: 'starting' });
    await registry.start(ref(s));
  };

  /** Close keeps credentials and does not come back by itself. */
  const close = async (s: SessionRow, reason: string): Promise<void> => {
    log(s).info({ reason }, `closing session ${s.phoneJid ?? s.id}. Reason: ${reason}`);
    await repo.update(s.id, { isActive: false });
    if (registry.isRunning(s.id)) {
      await registry.stop(s.id, reason);
      await dispatcher.drainSession(s.id);
    } else {
      await health.reset(s.id);
      await repo.update(s.id, { status: s.status === 'logged_out' ? 'logged_out' : 'closed', lastCloseReason: reason, lastCloseAt: deps.clock.now() });
    }
  };

  return {
    async create(caller: AccessClaims, displayName: string) {
      let row: SessionRow;
      try {
        row = await outbox.transaction(async (tx, emit) => {
          const created = await repo.insert({ id: newId(), companyId: caller.companyId, adminId: caller.userId, displayName: displayName.trim() }, tx);
          emit('session.created', caller.companyId, { sessionId: created.id, displayName: created.displayName });
          return created;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw sessionErrors.session_exists();
        throw err;
      }
      await registry.start(ref(row));
      return toCreatedSession(row);
    },

    async list(caller: AccessClaims, page: number, limit: number) {
      const [only, permissions] = await Promise.all([policy.readableSessionIds(caller), policy.permissionsOn(caller)]);
      const { rows, total } = await repo.listPage(caller.companyId, page, limit, only ?? undefined);
      return { items: rows.map((r) => toSessionView(r, healthOf(r), permissions(r.id))), total };
    },

    async get(caller: AccessClaims, sessionId: string) {
      const s = await policy.session(caller, sessionId, 'read');
      const { rows } = await repo.listPage(caller.companyId, 1, 1, [s.id]);
      const row = rows[0];
      if (!row) throw new NotFoundError('Session');
      return toSessionView(row, healthOf(row), (await policy.permissionsOn(caller))(row.id));
    },

    async rename(caller: AccessClaims, sessionId: string, displayName: string) {
      await policy.session(caller, sessionId, 'admin');
      try {
        await repo.update(sessionId, { displayName: displayName.trim() });
      } catch (err) {
        if (isUniqueViolation(err)) throw sessionErrors.session_exists();
        throw err;
      }
      return this.get(caller, sessionId);
    },

    async remove(caller: AccessClaims, sessionId: string): Promise<void> {
      const s = await policy.session(caller, sessionId, 'admin');
      // Log the device out so the phone does not keep a dead linked device.
      if (s.status === 'connected') await registry.logout(ref(s)).catch((err: unknown) => log(s).warn({ err }, 'logout before delete failed'));
      else await registry.stop(s.id, 'deleted');
      await dispatcher.drainSession(s.id);
      // Chats, messages, credentials, keys and grants go with the row (foreign keys cascade).
      const files = await outbox.transaction(async (tx, emit) => {
        const hashes = await deps.media.hashesOfSession(tx, s.id);
        if (await repo.remove(caller.companyId, s.id, tx)) emit('session.removed', s.companyId, { sessionId: s.id });
        return hashes;
      });
      await lifecycle.forget(s.id);
      await deps.media.collect(files).catch((err: unknown) => log(s).warn({ err }, 'files of the deleted session were not all removed'));
    },

    async qr(caller: AccessClaims, sessionId: string): Promise<string> {
      const s = await policy.session(caller, sessionId, 'admin');
      if (s.status === 'connected') throw sessionErrors.already_connected();
      const current = qrBoard.current(s.id);
      if (current) return current;
      const waiting = qrBoard.next(s.id, deps.qrWaitMs);
      if (!registry.isRunning(s.id)) await startSession(s);
      const qr = await waiting;
      if (!qr) {
        const now = await repo.findById(s.id);
        if (now?.status === 'connected') throw sessionErrors.already_connected();
        throw sessionErrors.qr_not_ready();
      }
      return qr;
    },

    async requestPairingCode(caller: AccessClaims, sessionId: string, phoneNumber: string): Promise<string> {
      const s = await policy.session(caller, sessionId, 'admin');
      if (s.status === 'connected') throw sessionErrors.already_connected();
      if (!registry.isRunning(s.id)) {
        const waiting = qrBoard.next(s.id, deps.qrWaitMs);
        await startSession(s);
        await waiting;
      }
      const engine = registry.get(s.id);
      if (!engine) throw whatsappErrors.session_not_running();
      try {
        return await engine.requestPairingCode(phoneNumber);
      } catch (err) {
        throw toHttpError(err, 'pairing');
      }
    },

    /** Logs the device out of WhatsApp; a new QR is needed to link again. */
    async disconnect(caller: AccessClaims, sessionId: string): Promise<void> {
      const s = await policy.session(caller, sessionId, 'admin');
      await repo.update(s.id, { isActive: false });
      const wasRunning = registry.isRunning(s.id);
      await registry.logout(ref(s));
      await dispatcher.drainSession(s.id);
      if (!wasRunning) {
        // No engine to report it: record the logout ourselves.
        await health.reset(s.id);
        await outbox.transaction(async (tx, emit) => {
          await repo.update(s.id, { status: 'logged_out', lastCloseReason: 'client_logout', lastCloseAt: deps.clock.now() }, tx);
          emit('session.disconnected', s.companyId, { sessionId: s.id, reason: 'client_logout', status: 'logged_out' });
        });
      }
    },

    async close(caller: AccessClaims, sessionId: string, reason: string): Promise<void> {
      const s = await policy.session(caller, sessionId, 'admin');
      await close(s, reason);
    },

    /** Close, a short pause, start again with the stored credentials (no QR when linked). */
    async restart(caller: AccessClaims, sessionId: string): Promise<void> {
      const s = await policy.session(caller, sessionId, 'admin');
      if (registry.isRunning(s.id)) await close(s, 'restart');
      await health.reset(s.id);
      log(s).info('counters reset');
      await sleep(deps.restartPauseMs);
      await repo.update(s.id, { closedByThreshold: false });
      await startSession(s);
    },

    async health(caller: AccessClaims, sessionId: string) {
      const s = await policy.session(caller, sessionId, 'read');
      return { phoneId: s.id, isConnected: s.status === 'connected', ...healthOf(s) };
    },

    /** Seed 004 `GET /api/sessions`. */
    async seedList(caller: AccessClaims) {
      const rows = await repo.listAll(caller.companyId);
      return rows.map((s) => ({
        id: s.id,
        phoneJid: s.phoneJid,
        status: s.status,
        lastConnectedAt: s.lastConnectedAt ? s.lastConnectedAt.toISOString() : null,
        stats: healthOf(s),
        isActive: registry.isRunning(s.id),
      }));
    },

    /** Brings back every session that was active when the process stopped. */
    async restoreAll(): Promise<number> {
      const rows = await repo.listActive();
      for (const s of rows) {
        await repo.update(s.id, { status: 'starting' });
        await registry.start(ref(s)).catch((err: unknown) => log(s).error({ err }, 'restore failed'));
      }
      if (rows.length) logger.info({ count: rows.length }, 'restored sessions');
      return rows.length;
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
