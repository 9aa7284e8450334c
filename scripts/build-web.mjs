// Builds the web dashboard into web/dist with Vite, as a production bundle whatever NODE_ENV the
// caller has (vitest sets `test`, which would bundle React's development build).
import { spawnSync } from 'node:child_process';
import { rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { partialDir, root, swapInto } from './lib/freshness.mjs';

export const webDist = path.join(root, 'web', 'dist');
/** index.html carries the start time of the build that produced web/dist. */
export const webStamp = path.join(webDist, 'index.html');
/** What web/dist is made of: a change to any of these makes it stale. */
export const webInputs = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/public', 'src/realtime', 'scripts/build-web.mjs'].map((p) =>
  path.join(root, p),
);

export async function buildWeb() {
  const startedAt = new Date();
  const out = partialDir(webDist);
  await rm(out, { recursive: true, force: true });
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const res = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  });
  if (res.status !== 0) {
    await rm(out, { recursive: true, force: true });
    throw new Error(`vite build failed (${res.status ?? res.signal})`);
  }
  await utimes(path.join(out, 'index.html'), startedAt, startedAt);
  await swapInto(out, webDist);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildWeb();
