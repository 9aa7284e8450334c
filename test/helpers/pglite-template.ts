/**
 * A migrated, empty PGlite database as a dump, made once per schema and reused by every test that
 * needs a fresh database: PGlite's initdb costs ~4-5 s of CPU, loading a dump ~1 s.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder } from '../../src/db/client.js';

function migrationsDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else hash.update(entry.name).update(readFileSync(p));
    }
  };
  walk(migrationsFolder);
  return hash.digest('hex').slice(0, 16);
}

let template: Promise<Blob> | undefined;

/** A migrated, empty PGlite data folder that test servers copy as their `DATA_DIR/pglite` (made by global-setup.ts). */
export function pgliteDataTemplatePath(): string {
  return path.join(tmpdir(), `wa-inbox-pglite-datadir-${migrationsDigest()}`);
}

export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const file = path.join(tmpdir(), `wa-inbox-pglite-template-${migrationsDigest()}.tar`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const client = await PGlite.create();
      await migrate(drizzle({ client }) as never, { migrationsFolder });
      const blob = await client.dumpDataDir('none');
      await client.close();
      // Written aside and renamed: a parallel test process never reads half a file.
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, Buffer.from(await blob.arrayBuffer()));
      await rename(partial, file);
      return blob;
    }
  })();
  return template;
}
