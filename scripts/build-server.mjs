// Transpiles the server to dist/ with esbuild: types stripped, one output file per module, the
// same layout as the sources (dist/src, dist/tools/wa-server), so relative imports, the lazy
// import of the loopback WhatsApp server and import.meta.url-relative paths keep working.
// Type checking stays with `npm run typecheck`; this only has to be fast enough to run on start.
import { cp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { partialDir, root, swapInto } from './lib/freshness.mjs';

export const serverDist = path.join(root, 'dist');
/** Its mtime is the start of the build that produced dist/: sources newer than it are not in it. */
export const serverStamp = path.join(serverDist, '.built');
/** What dist/ is made of: a change to any of these makes it stale. */
export const serverInputs = ['src', 'tools/wa-server', 'tsconfig.json', 'package.json', 'scripts/build-server.mjs'].map((p) =>
  path.join(root, p),
);
// tools/ holds test tooling too; only the loopback server is loaded by the server (WHATSAPP_TEST_SERVER).
const sourceDirs = ['src', 'tools/wa-server'];

async function entryPoints() {
  const files = [];
  for (const dir of sourceDirs) {
    for (const name of await readdir(path.join(root, dir), { recursive: true })) {
      // .mjs: plain-JavaScript modules loaded by path at run time (the embedded database's worker thread).
      if ((name.endsWith('.ts') || name.endsWith('.mjs')) && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) files.push(path.join(root, dir, name));
    }
  }
  return files;
}

export async function buildServer() {
  const { build } = await import('esbuild');
  const startedAt = new Date();
  const out = partialDir(serverDist);
  await rm(out, { recursive: true, force: true });
  await build({
    entryPoints: await entryPoints(),
    outbase: root,
    outdir: out,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    tsconfig: path.join(root, 'tsconfig.json'),
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Drizzle reads the SQL migrations next to the compiled client (src/db/client.ts migrationsFolder).
  await cp(path.join(root, 'src/db/migrations'), path.join(out, 'src/db/migrations'), { recursive: true });
  await writeFile(path.join(out, '.built'), `${startedAt.toISOString()}\n`);
  await utimes(path.join(out, '.built'), startedAt, startedAt);
  await swapInto(out, serverDist);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildServer();
