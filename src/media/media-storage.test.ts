import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { BlobTooLargeError, createLocalMediaStorage } from './media-storage.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('local content-addressed media storage', () => {
  it('streams a file in under its sha256, serves ranges, and keeps equal content once', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'media-store-'));
    const store = createLocalMediaStorage(root);
    const data = randomBytes(100_000);
    const blob = await store.put(Readable.from([data.subarray(0, 4000), data.subarray(4000)]), { maxBytes: 1 << 20 });
    expect(blob).toEqual({ sha256: sha(data), sizeBytes: data.length });
    expect((await buffer(store.get(blob.sha256))).equals(data)).toBe(true);
    expect((await buffer(store.get(blob.sha256, { start: 10, end: 19 }))).equals(data.subarray(10, 20))).toBe(true);

    // Equal content again: one file, touched (so a collection running now leaves it).
    const file = path.join(root, blob.sha256.slice(0, 2), blob.sha256.slice(2, 4), blob.sha256);
    const old = new Date(Date.now() - 3_600_000);
    await utimes(file, old, old);
    await store.putBuffer(Buffer.from(data));
    expect((await store.stat(blob.sha256))!.modifiedAt.getTime()).toBeGreaterThan(old.getTime());
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);

    await store.delete(blob.sha256);
    expect(await store.stat(blob.sha256)).toBeNull();
  });

  it('refuses content past the limit and keeps nothing of it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'media-store-'));
    const store = createLocalMediaStorage(root);
    await expect(store.put(Readable.from([randomBytes(600), randomBytes(600)]), { maxBytes: 1000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect((await readdir(root)).filter((d) => d !== 'tmp')).toEqual([]);
  });

  it('never builds a path from something that is not a hash', async () => {
    const store = createLocalMediaStorage(await mkdtemp(path.join(tmpdir(), 'media-store-')));
    expect(() => store.get('../../etc/passwd')).toThrow();
    await expect(store.stat('../x')).rejects.toThrow();
  });

  it('clears what a killed process left half-written before its first write', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'media-store-'));
    const first = createLocalMediaStorage(root);
    await first.putBuffer(Buffer.from('a'));
    const leftover = path.join(root, 'tmp', 'half-written');
    await writeFile(leftover, 'x');
    await createLocalMediaStorage(root).putBuffer(Buffer.from('b'));
    expect(existsSync(leftover)).toBe(false);
  });
});
