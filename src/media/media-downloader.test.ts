/** The download queue's decisions, with the database and the engine played in memory. */
import { Readable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventOutbox } from '../events/outbox.js';
import { EngineSendError, MediaDownloadError, type WhatsAppEngine } from '../whatsapp/engine.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { createMediaDownloader } from './media-downloader.js';
import type { DownloadRow, MediaDownloadsRepository } from './media-downloads.repository.js';
import type { MediaStorage } from './media-storage.js';
import type { StoredMedia } from './media-view.js';

function setup(download: (n: number) => Promise<Readable>, opts: { engine?: boolean } = {}) {
  let now = Date.parse('2026-12-02T10:00:00Z');
  const clock = { now: () => new Date(now) };
  const row: DownloadRow = { messageId: 'm1', companyId: 'c1', sessionId: 's1', source: { locator: { id: 'x' } }, attempts: 0, nextAttemptAt: new Date(now), lastError: null, createdAt: new Date(now) };
  const outcomes: Partial<StoredMedia>[] = [];
  const reschedules: { at: number; countAttempt: boolean }[] = [];
  const repo = {
    due: async (limit: number, running: string[]) => (row.nextAttemptAt.getTime() <= now && !running.includes(row.messageId) && !outcomes.length && limit > 0 ? [{ ...row }] : []),
    nextAttemptAt: async () => (outcomes.length ? undefined : row.nextAttemptAt),
    reschedule: async (_id: string, at: Date, o: { countAttempt: boolean }) => {
      reschedules.push({ at: at.getTime() - now, countAttempt: o.countAttempt });
      row.nextAttemptAt = at;
      if (o.countAttempt) row.attempts += 1;
    },
    wakeSession: async () => void (row.nextAttemptAt = new Date(now)),
    settle: async (_tx: unknown, _id: string, patch: Partial<StoredMedia>) => {
      outcomes.push(patch);
      return undefined;
    },
  } as unknown as MediaDownloadsRepository;
  let calls = 0;
  const engine = { downloadMedia: () => download(calls++) } as unknown as WhatsAppEngine;
  const registry = { get: () => (opts.engine === false ? undefined : engine) } as unknown as SessionRegistry;
  const storage = {
    put: async (s: Readable) => {
      for await (const _ of s) void _;
      return { sha256: 'a'.repeat(64), sizeBytes: 3 };
    },
  } as unknown as MediaStorage;
  const outbox = { transaction: async (work: (tx: unknown, emit: () => void) => Promise<unknown>) => work({}, () => undefined) } as unknown as EventOutbox;
  const collected: string[] = [];
  const collector = { collect: async (hashes: string[]) => void collected.push(...hashes) };
  const downloader = createMediaDownloader({ repo, storage, registry, outbox, clock, logger: pino({ level: 'silent' }), maxBytes: 100, concurrency: 2, collector });
  /** Runs what is due now, then moves the clock to the next attempt, `times` times. */
  const step = async (times = 1) => {
    for (let i = 0; i < times; i++) {
      downloader.start();
      while (downloader.running > 0) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, 5));
      now = Math.max(now, row.nextAttemptAt.getTime());
    }
    await downloader.stop(10);
  };
  return { step, outcomes, reschedules, row, collected };
}

describe('media download queue', () => {
  it('stores a file once it streams; one whose message is gone meanwhile is collected again', async () => {
    const q = setup(async () => Readable.from([Buffer.from('abc')]));
    await q.step();
    expect(q.outcomes).toEqual([{ state: 'stored', sha256: 'a'.repeat(64), sizeBytes: 3 }]);
    // The in-memory repository finds no message to settle, as after a deletion.
    expect(q.collected).toEqual(['a'.repeat(64)]);
  });

  it('ends too_large and expired at once, without retrying', async () => {
    for (const [kind, outcome] of [
      ['too_large', { state: 'failed', error: 'too_large' }],
      ['expired', { state: 'expired' }],
    ] as const) {
      const q = setup(async () => {
        throw new MediaDownloadError(kind, kind);
      });
      await q.step();
      expect(q.outcomes).toEqual([outcome]);
      expect(q.reschedules).toEqual([]);
    }
  });

  it('retries other failures with a growing delay, then fails them for good', async () => {
    const q = setup(async () => {
      throw new MediaDownloadError('unavailable', 'HTTP 503');
    });
    await q.step(16);
    expect(q.reschedules.map((r) => r.at)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000, 600_000, 600_000, 600_000, 600_000, 600_000]);
    expect(q.outcomes).toEqual([{ state: 'failed', error: 'download_failed' }]);
  });

  it('waits for a session that is not connected without spending attempts', async () => {
    const q = setup(async () => {
      throw new EngineSendError('not_connected', 'not connected');
    });
    await q.step(3);
    expect(q.reschedules.every((r) => !r.countAttempt && r.at === 30_000)).toBe(true);
    expect(q.row.attempts).toBe(0);
    expect(q.outcomes).toEqual([]);
    const offline = setup(async () => Readable.from([]), { engine: false });
    await offline.step(2);
    expect(offline.row.attempts).toBe(0);
    expect(offline.outcomes).toEqual([]);
  });
});
