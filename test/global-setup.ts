/**
 * Once per `npm test`: the server and dashboard are built (the end-to-end tier runs the compiled
 * server, as `npm start` does), and a migrated PGlite data folder is made for servers to start
 * from (PGlite's initdb costs seconds; a first start on a new folder is tested on its own).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/client.js';
import { pgliteDataTemplatePath } from './helpers/pglite-template.js';

export default async function setup(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // What npm's prestart runs: builds whatever is missing or older than its sources.
  execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: root, stdio: 'inherit' });
  const template = pgliteDataTemplatePath();
  if (!existsSync(template)) {
    const partial = `${template}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    const database = await openDatabase({ kind: 'pglite', dataDir: partial });
    await database.close();
    await rename(partial, template).catch(() => rm(partial, { recursive: true, force: true }));
  }
}
