/** The rules `npm start` uses to decide whether to rebuild (scripts/lib/freshness.mjs). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isStale, partialDir, swapInto } from '../scripts/lib/freshness.mjs';

const dirs: string[] = [];
function tree(): { dir: string; src: string; stamp: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshness-'));
  dirs.push(dir);
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'a'), { recursive: true });
  writeFileSync(path.join(src, 'a', 'one.ts'), '1');
  writeFileSync(path.join(src, 'two.ts'), '2');
  const stamp = path.join(dir, 'stamp');
  writeFileSync(stamp, '');
  // Sources an hour old, the build a minute old: fresh.
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const p of [path.join(src, 'a', 'one.ts'), path.join(src, 'two.ts'), path.join(src, 'a'), src]) utimesSync(p, hourAgo, hourAgo);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(stamp, minuteAgo, minuteAgo);
  return { dir, src, stamp };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('isStale', () => {
  it('fresh when the build is newer than every source', () => {
    const { src, stamp } = tree();
    expect(isStale(stamp, [src])).toBe(false);
  });

  it('stale without a build', () => {
    const { dir, src } = tree();
    expect(isStale(path.join(dir, 'missing'), [src])).toBe(true);
  });

  it('stale after an edit, however deep', () => {
    const { src, stamp } = tree();
    writeFileSync(path.join(src, 'a', 'one.ts'), 'edited');
    expect(isStale(stamp, [src])).toBe(true);
  });

  it('stale after a source is deleted (its directory changes)', () => {
    const { src, stamp } = tree();
    rmSync(path.join(src, 'a', 'one.ts'));
    expect(isStale(stamp, [src])).toBe(true);
  });
});

describe('swapInto', () => {
  it('puts a first build in place, then replaces it whole', async () => {
    const { dir } = tree();
    const dest = path.join(dir, 'dist');
    for (const version of ['first', 'second']) {
      const partial = partialDir(dest);
      mkdirSync(partial);
      writeFileSync(path.join(partial, 'v'), version);
      await swapInto(partial, dest);
      expect(readFileSync(path.join(dest, 'v'), 'utf8')).toBe(version);
    }
    expect(readdirSync(dir).sort()).toEqual(['dist', 'src', 'stamp']);
  });
});
