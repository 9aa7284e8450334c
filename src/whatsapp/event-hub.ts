/**
 * Engine event fan-out, shared by the engines: a throwing subscriber, a rejected handling or a
 * failed background task never escapes as a crash; it becomes an `error` event and a log line.
 */
import type { Logger } from 'pino';
import type { EngineEvent, EngineEventHandler } from './engine.js';

export class EventHub {
  private readonly handlers = new Set<EngineEventHandler>();

  constructor(private readonly logger: Logger) {}

  on(handler: EngineEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Delivers the event and settles once every handler's work is done (rejects with the first failure). */
  async deliver(event: EngineEvent): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const h of this.handlers) {
      try {
        const result = h(event);
        if (result) pending.push(result);
      } catch (err) {
        pending.push(Promise.reject(err instanceof Error ? err : new Error(String(err))));
      }
    }
    await Promise.all(pending);
  }

  /** Delivers without waiting; a failure is reported. */
  emit(event: EngineEvent): void {
    this.deliver(event).catch((err: unknown) => {
      if (event.type === 'error') this.logger.error({ err }, 'engine error event handling failed');
      else this.fail(`${event.type}_handling_failed`, err);
    });
  }

  fail(errorType: string, err: unknown): void {
    this.logger.error({ err, errorType }, 'engine error');
    this.emit({ type: 'error', errorType, message: err instanceof Error ? err.message : String(err) });
  }

  /** Runs background work so that a failure becomes an `error` event, never an unhandled rejection. */
  track(errorType: string, work: Promise<unknown>): void {
    work.catch((err: unknown) => this.fail(errorType, err));
  }
}
