/**
 * Where files live: a small interface (put, get with a byte range, stat, delete) over
 * content-addressed blobs named by their sha256, so that an S3-compatible store can replace the
 * local disk without touching anything above it. The local store keeps `DATA_DIR/media/ab/cd/<sha256>`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  /** Hex sha256 of the content: the blob's name. */
  sha256: string;
  sizeBytes: number;
}

export interface MediaStorage {
  /** Streams content in, never whole in memory; the same content put twice is kept once. */
  put(content: Readable, opts: { maxBytes: number }): Promise<StoredBlob>;
  putBuffer(content: Buffer): Promise<StoredBlob>;
  /** Inclusive byte range, as HTTP Range gives it. */
  get(sha256: string, range?: { start: number; end: number }): Readable;
  stat(sha256: string): Promise<{ sizeBytes: number; modifiedAt: Date } | null>;
  delete(sha256: string): Promise<void>;
}

/** The content went past the limit: nothing of it is kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

export function createLocalMediaStorage(root: string): MediaStorage {
  const tmpDir = path.join(root, 'tmp');
  const pathOf = (sha256: string): string => {
    // The name comes from our rows, but a path is never built from anything that is not a hash.
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256.slice(0, 80)}`);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  let ready: Promise<void> | undefined;
  // What a killed process was writing is left in tmp/: cleared before this process writes its first file.
  const ensureTmp = () =>
    (ready ??= fs
      .rm(tmpDir, { recursive: true, force: true })
      .then(() => fs.mkdir(tmpDir, { recursive: true }))
      .then(() => undefined));

  /** Moves a finished temp file to its name; if the blob exists, the newer copy goes and the old one is touched. */
  const settle = async (tmp: string, blob: StoredBlob): Promise<StoredBlob> => {
    const final = pathOf(blob.sha256);
    await fs.mkdir(path.dirname(final), { recursive: true });
    try {
      await fs.link(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Touched so that a collection of unreferenced files running now leaves it alone (media-gc.ts).
      const now = new Date();
      await fs.utimes(final, now, now);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return blob;
  };

  const put = async (content: Readable, opts: { maxBytes: number }): Promise<StoredBlob> => {
    try {
      await ensureTmp();
    } catch (err) {
      // Nobody will read it now: its file or connection must not stay open.
      content.destroy();
      throw err;
    }
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > opts.maxBytes) return done(new BlobTooLargeError(opts.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, meter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return settle(tmp, { sha256: hash.digest('hex'), sizeBytes: size });
  };

  return {
    put,
    async putBuffer(content) {
      await ensureTmp();
      const tmp = path.join(tmpDir, randomUUID());
      await fs.writeFile(tmp, content, { flag: 'wx' });
      return settle(tmp, { sha256: createHash('sha256').update(content).digest('hex'), sizeBytes: content.length });
    },
    get: (sha256, range) => createReadStream(pathOf(sha256), range ? { start: range.start, end: range.end } : {}),
    async stat(sha256) {
      try {
        const s = await fs.stat(pathOf(sha256));
        return { sizeBytes: s.size, modifiedAt: s.mtime };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(sha256) {
      await fs.rm(pathOf(sha256), { force: true });
    },
  };
}
