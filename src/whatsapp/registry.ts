/**
 * The session registry owns the live engines of this process: it starts, stops and restores
 * them, and forwards their events. Nothing else holds engines, so a cluster mode can replace this
 * with an implementation that routes commands to the node owning a session.
 */
import type { Logger } from 'pino';
import type { AuthStateStore, EngineEvent, EngineFactory, StoredMessageLookup, WhatsAppEngine } from './engine.js';

export interface SessionRef {
  id: string;
  companyId: string;
}

/** Settles once the event is durably handled (see EngineEventHandler). */
export type EngineEventSink = (session: SessionRef, event: EngineEvent) => Promise<void>;

export interface SessionRegistry {
  /** Starts the session's engine unless it is already running. */
  start(session: SessionRef): Promise<void>;
  /** Closes the connection, keeps credentials. Resolves after the engine reported its close. */
  stop(sessionId: string, reason: string): Promise<void>;
  /** Logs the device out and wipes credentials, whether or not the engine is running. */
  logout(session: SessionRef): Promise<void>;
  /** The live engine, for commands (send, read, presence). */
  get(sessionId: string): WhatsAppEngine | undefined;
  isRunning(sessionId: string): boolean;
  /** Stops every engine without reporting closes: the sessions stay active and restore on boot. */
  shutdown(): Promise<void>;
}

export interface RegistryDeps {
  factory: EngineFactory;
  logger: Logger;
  authStore: (sessionId: string) => AuthStateStore;
  storedMessage: (sessionId: string) => StoredMessageLookup;
  onEvent: EngineEventSink;
}

interface Live {
  ref: SessionRef;
  engine: WhatsAppEngine;
  unsubscribe: () => void;
}

export function createLocalRegistry(deps: RegistryDeps): SessionRegistry {
  const live = new Map<string, Live>();
  const starting = new Map<string, Promise<void>>();

  const release = (sessionId: string): void => {
    const entry = live.get(sessionId);
    if (!entry) return;
    entry.unsubscribe();
    live.delete(sessionId);
  };

  const start = async (ref: SessionRef): Promise<void> => {
    if (live.has(ref.id)) return;
    const pending = starting.get(ref.id);
    if (pending) return pending;
    const logger = deps.logger.child({ sessionId: ref.id, companyId: ref.companyId });
    const engine = deps.factory({
      sessionId: ref.id,
      companyId: ref.companyId,
      logger,
      auth: deps.authStore(ref.id),
      getStoredMessage: deps.storedMessage(ref.id),
    });
    const unsubscribe = engine.on((event) => {
      // An engine that stops for good (logged out, replaced, failed) frees its slot so that a
      // later start creates a fresh one.
      if (event.type === 'disconnected' && !event.willReconnect && live.get(ref.id)?.engine === engine) release(ref.id);
      return deps.onEvent(ref, event);
    });
    live.set(ref.id, { ref, engine, unsubscribe });
    const run = engine
      .start()
      .catch(async (err: unknown) => {
        logger.error({ err }, 'engine failed to start');
        release(ref.id);
        await deps.onEvent(ref, { type: 'error', errorType: 'engine_start_failed', message: err instanceof Error ? err.message : String(err) });
      })
      .catch((err: unknown) => logger.error({ err }, 'could not report the failed start'))
      .finally(() => starting.delete(ref.id));
    starting.set(ref.id, run);
    return run;
  };

  return {
    start,
    async stop(sessionId, reason) {
      const entry = live.get(sessionId);
      if (!entry) return;
      await starting.get(sessionId);
      try {
        await entry.engine.stop(reason);
      } finally {
        release(sessionId);
      }
    },
    async logout(ref) {
      const entry = live.get(ref.id);
      if (entry) {
        await starting.get(ref.id);
        try {
          await entry.engine.logout();
        } finally {
          release(ref.id);
        }
        return;
      }
      await deps.authStore(ref.id).clear();
    },
    get: (sessionId) => live.get(sessionId)?.engine,
    isRunning: (sessionId) => live.has(sessionId),
    async shutdown() {
      const entries = [...live.values()];
      for (const e of entries) e.unsubscribe();
      await Promise.allSettled(entries.map((e) => e.engine.stop('shutdown')));
      live.clear();
    },
  };
}
