/** Engine event fan-out: a throwing subscriber or a failed background task never escapes as a crash. */
import type { Logger } from 'pino';
import type { EngineEvent, EngineEventHandler } from '../../engine.js';

export class EventHub {
  private readonly handlers = new Set<EngineEventHandler>();

  constructor(private readonly logger: Logger) {}

  on(handler: EngineEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  emit(event: EngineEvent): void {
    for (const h of this.handlers) {
      try {
        h(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'engine event handler failed');
      }
    }
  }

  fail(errorType: string, err: unknown): void {
    this.logger.error({ err, errorType }, 'baileys engine error');
    this.emit({ type: 'error', errorType, message: err instanceof Error ? err.message : String(err) });
  }

  /** Runs background work so that a failure becomes an `error` event, never an unhandled rejection. */
  track(errorType: string, work: Promise<unknown>): void {
    work.catch((err: unknown) => this.fail(errorType, err));
  }
}
