/**
 * Database client factory: PGlite (embedded, default; in its own thread, see pglite-thread.ts) or
 * PostgreSQL, both through the same driver (`pg`), the same Drizzle schema and the same committed
 * SQL migrations.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { startPgliteThread } from './pglite-thread.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Human-readable location, for logs. */
  readonly location: string;
  ping(): Promise<void>;
  /** Queries waiting for a connection: how far the database is behind what is asked of it. */
  waiting(): number;
  close(): Promise<void>;
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export type DatabaseTarget =
  // No dataDir: in memory. `template`: a dump (PGlite's dumpDataDir) to start from instead of initdb.
  | { kind: 'pglite'; dataDir?: string; template?: Blob }
  | { kind: 'postgres'; url: string; poolSize?: number };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
    const thread = await startPgliteThread({
      ...(target.dataDir && { dataDir: target.dataDir }),
      ...(target.template && { template: target.template }),
    });
    // PGlite has one session: one connection, kept open; pg queues the queries for it.
    const pool = new pg.Pool({ max: 1, idleTimeoutMillis: 0, stream: () => thread.connect() });
    pool.on('error', () => undefined);
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    try {
      await migratePg(db as never, { migrationsFolder });
    } catch (err) {
      await pool.end().catch(() => undefined);
      await thread.close();
      throw err;
    }
    return {
      db,
      kind: 'pglite',
      location: target.dataDir ?? 'memory',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      waiting: () => pool.waitingCount,
      close: async () => {
        await pool.end();
        await thread.close();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  await migratePg(db as never, { migrationsFolder });
  const url = new URL(target.url);
  return {
    db,
    kind: 'postgres',
    location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    waiting: () => pool.waitingCount,
    close: () => pool.end(),
  };
}
