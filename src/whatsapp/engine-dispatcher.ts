/**
 * The one entrance of engine events: connection state goes to the session lifecycle, conversation
 * events to the ingest, decrypt failures to the health monitor. Each route keeps the events of one
 * session in order; the returned promise settles once the event is durably handled, so an engine
 * can hold its acknowledgement until then.
 */
import type { Logger } from 'pino';
import { KeyedQueue } from '../shared/keyed-queue.js';
import type { EngineEvent } from './engine.js';
import type { SessionRef } from './registry.js';

export type StateEvent = Extract<EngineEvent, { type: 'qr' | 'pairing-code' | 'connecting' | 'connected' | 'disconnected' | 'error' }>;
export type ConversationEvent = Extract<EngineEvent, { type: 'message' | 'message-status' | 'message-change' | 'typing' | 'chat-meta' }>;
export type HealthEvent = Extract<EngineEvent, { type: 'decrypt-error' }>;

export interface EngineEventConsumers {
  state(session: SessionRef, event: StateEvent): Promise<void>;
  /** Keeps its own per-session order (the ingest batches across sessions). */
  conversation: {
    handle(session: SessionRef, event: ConversationEvent): Promise<void>;
    drainSession(sessionId: string): Promise<void>;
    drain(): Promise<void>;
  };
  health(session: SessionRef, event: HealthEvent): Promise<void>;
}

export interface EngineDispatcher {
  dispatch(session: SessionRef, event: EngineEvent): Promise<void>;
  /** Resolves once every event of this session received so far has been handled. */
  drainSession(sessionId: string): Promise<void>;
  drain(): Promise<void>;
}

export function createEngineDispatcher(consumers: EngineEventConsumers, logger: Logger): EngineDispatcher {
  const failed = (route: string) => (err: unknown, sessionId: string) => logger.error({ err, sessionId, route }, 'engine event handling failed');
  const state = new KeyedQueue(failed('state'));
  const health = new KeyedQueue(failed('health'));
  return {
    dispatch(session, event) {
      switch (event.type) {
        case 'message':
        case 'message-status':
        case 'message-change':
        case 'typing':
        case 'chat-meta':
          return consumers.conversation.handle(session, event);
        case 'decrypt-error':
          return health.run(session.id, () => consumers.health(session, event));
        default:
          return state.run(session.id, () => consumers.state(session, event));
      }
    },
    async drainSession(sessionId) {
      await Promise.all([state.drainKey(sessionId), health.drainKey(sessionId), consumers.conversation.drainSession(sessionId)]);
    },
    async drain() {
      await Promise.all([state.drain(), health.drain(), consumers.conversation.drain()]);
    },
  };
}
