/**
 * Fetches received files in a bounded queue. The queue is the `media_downloads` table: a restart
 * picks up where the last process stopped, and a running download is never started twice here.
 * Files stream to storage (never whole in memory); the outcome is written once, with its
 * `message.updated` event. Expired and too-large files are final; other failures are retried with
 * backoff, and a session that is not connected just waits for it to come back.
 */
import type { Logger } from 'pino';
import type { EventOutbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { EngineSendError, MediaDownloadError } from '../whatsapp/engine.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import type { DownloadRow, MediaDownloadsRepository } from './media-downloads.repository.js';
import { BlobTooLargeError, type MediaStorage } from './media-storage.js';
import type { MediaCollector } from './media-gc.js';
import { mediaView, type StoredMedia } from './media-view.js';

export interface MediaDownloaderOptions {
  repo: MediaDownloadsRepository;
  storage: MediaStorage;
  registry: SessionRegistry;
  outbox: EventOutbox;
  clock: Clock;
  logger: Logger;
  maxBytes: number;
  concurrency: number;
  /** Attempts before a file is failed for good; with the backoff below, about 75 minutes. */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a download of a session that is not connected waits before it looks again. */
  offlineWaitMs?: number;
  collector: Pick<MediaCollector, 'collect'>;
}

export function createMediaDownloader(opts: MediaDownloaderOptions) {
  const { repo, storage, registry, outbox, clock, logger } = opts;
  const maxAttempts = opts.maxAttempts ?? 16;
  const retryBaseMs = opts.retryBaseMs ?? 2_000;
  const retryMaxMs = opts.retryMaxMs ?? 10 * 60_000;
  const offlineWaitMs = opts.offlineWaitMs ?? 30_000;
  const running = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let pumping = false;
  let again = false;

  const later = (ms: number) => new Date(clock.now().getTime() + ms);

  /** Records the outcome once; false when the message is gone (or was settled already). */
  const finish = (row: DownloadRow, patch: Partial<StoredMedia>): Promise<boolean> =>
    outbox.transaction(async (tx, emit) => {
      const message = await repo.settle(tx, row.messageId, patch);
      if (!message) return false;
      emit('message.updated', message.companyId, {
        sessionId: message.sessionId,
        chatId: message.chatId,
        messageId: message.waMessageId,
        changes: { media: mediaView(message) },
        timestamp: clock.now().toISOString(),
      });
      return true;
    });

  /** A file kept for nothing (its message deleted meanwhile, or not the announced one) goes again. */
  const discard = (sha256: string) =>
    opts.collector.collect([sha256]).catch((err: unknown) => logger.warn({ err, sha256 }, 'an unreferenced file was not removed'));

  const run = async (row: DownloadRow): Promise<void> => {
    // Waiting for a session is not a failed attempt; a wake-up that came meanwhile wins (ifAt).
    const waitForSession = () => repo.reschedule(row.messageId, later(offlineWaitMs), { countAttempt: false, ifAt: row.nextAttemptAt });
    const engine = registry.get(row.sessionId);
    if (!engine) return waitForSession();
    const { source } = row;
    try {
      const stream = await engine.downloadMedia(source.locator, { maxBytes: opts.maxBytes });
      const blob = await storage.put(stream, { maxBytes: opts.maxBytes });
      if (source.sha256 && blob.sha256 !== source.sha256) {
        await discard(blob.sha256);
        throw new MediaDownloadError('integrity', 'The file is not the one WhatsApp announced');
      }
      if (!(await finish(row, { state: 'stored', sha256: blob.sha256, sizeBytes: blob.sizeBytes }))) await discard(blob.sha256);
    } catch (err) {
      if (err instanceof EngineSendError && err.kind === 'not_connected') return waitForSession();
      const kind = err instanceof BlobTooLargeError ? 'too_large' : err instanceof MediaDownloadError ? err.kind : 'unavailable';
      const message = err instanceof Error ? err.message : String(err);
      if (kind === 'too_large') return void (await finish(row, { state: 'failed', error: 'too_large' }));
      if (kind === 'expired') return void (await finish(row, { state: 'expired' }));
      if (row.attempts + 1 >= maxAttempts) {
        logger.warn({ err, messageId: row.messageId, sessionId: row.sessionId }, 'media download failed for good');
        return void (await finish(row, { state: 'failed', error: kind === 'integrity' ? 'integrity' : 'download_failed' }));
      }
      logger.info({ err: message, messageId: row.messageId, attempt: row.attempts + 1 }, 'media download failed; will retry');
      await retryLater(row, message);
    }
  };

  const retryLater = (row: DownloadRow, error: string) =>
    repo.reschedule(row.messageId, later(Math.min(retryBaseMs * 2 ** row.attempts, retryMaxMs)), { countAttempt: true, error });

  const start = (row: DownloadRow): void => {
    const work = run(row)
      // Our own failure (the database, the disk): the row must not stay due at once, or the queue would spin on it.
      .catch(async (err: unknown) => {
        logger.error({ err, messageId: row.messageId }, 'media download could not be recorded');
        await retryLater(row, err instanceof Error ? err.message : String(err)).catch(() => undefined);
      })
      .finally(() => {
        running.delete(row.messageId);
        kick();
      });
    running.set(row.messageId, work);
  };

  /** Starts what is due up to the concurrency, then sleeps until the next row is due. */
  const pump = async (): Promise<void> => {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const free = opts.concurrency - running.size;
        if (free > 0) for (const row of await repo.due(free, [...running.keys()])) start(row);
        if (timer) clearTimeout(timer);
        const next = await repo.nextAttemptAt();
        if (next && !stopped) {
          timer = setTimeout(kick, Math.min(Math.max(next.getTime() - clock.now().getTime(), 50), 60_000));
          timer.unref();
        }
        // A kick that came while this pass was reading is served by another pass.
      } while (again && !stopped);
    } finally {
      pumping = false;
    }
  };

  function kick(): void {
    pump().catch((err: unknown) => logger.error({ err }, 'media download queue could not be read'));
  }

  return {
    start(): void {
      stopped = false;
      kick();
    },
    /** New work or a session back online. */
    kick,
    async wakeSession(sessionId: string): Promise<void> {
      await repo.wakeSession(sessionId);
      kick();
    },
    /** Lets running downloads end (their rows stay for the next start if they do not). */
    async stop(graceMs = 5_000): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.allSettled(running.values()), grace]);
    },
    get running(): number {
      return running.size;
    },
  };
}

export type MediaDownloader = ReturnType<typeof createMediaDownloader>;
