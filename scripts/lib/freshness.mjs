// What `npm start` needs to decide whether a build is stale, and to replace one without ever
// leaving a half-written build where a server (or a concurrent `npm start`) could read it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Newest mtime among the given files and directories and everything below them. Directories count
 * too: deleting or renaming a source changes only its directory's mtime.
 */
function newestMtime(paths) {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const stat = statSync(p);
    newest = Math.max(newest, stat.mtimeMs);
    if (!stat.isDirectory()) continue;
    const children = readdirSync(p).filter((name) => name !== 'node_modules');
    newest = Math.max(newest, newestMtime(children.map((name) => path.join(p, name))));
  }
  return newest;
}

/** Whether `output` is missing or older than any of `inputs`. */
export function isStale(output, inputs) {
  return !existsSync(output) || statSync(output).mtimeMs < newestMtime(inputs);
}

/** A scratch directory next to `dest` (same file system, so the final rename is atomic). */
export function partialDir(dest) {
  return `${dest}.partial-${process.pid}`;
}

const unless = (...codes) => (err) => {
  if (!codes.includes(err?.code)) throw err;
};

/**
 * Puts a finished build in place of the previous one; the gap is two renames, not a rebuild. Two
 * `npm start`s building at once both succeed: whichever lands second finds the other's build in
 * place, made from the same sources, and drops its own.
 */
export async function swapInto(partial, dest) {
  const old = `${dest}.old-${process.pid}`;
  await rename(dest, old).catch(unless('ENOENT'));
  const landed = await rename(partial, dest).then(() => true, unless('ENOTEMPTY', 'EEXIST'));
  if (!landed) await rm(partial, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
}
