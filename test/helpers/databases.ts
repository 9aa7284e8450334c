/**
 * Database targets for database-facing suites: always a fresh in-memory PGlite, plus a fresh
 * PostgreSQL database on the machine's server when it is reachable (each run gets its own
 * database, dropped afterwards). When PostgreSQL is not reachable the suites say so and skip it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { pgliteTemplate } from './pglite-template.js';

const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let reachable: Promise<boolean> | undefined;

/** Whether the machine's PostgreSQL answers (checked once per test file). */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      console.warn(`[tests] PostgreSQL is not reachable at ${PG_ADMIN_URL}: PostgreSQL suites are SKIPPED (PGlite suites still run)`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

export interface FreshPostgres {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty PostgreSQL database for one suite. */
export async function createPostgresDatabase(): Promise<FreshPostgres> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export type DbKind = 'pglite' | 'postgres';

/** Opens a fresh, migrated database of the given kind; `cleanup` closes (and drops) it. */
export async function openFreshDatabase(kind: DbKind): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ kind: 'pglite', template: await pgliteTemplate() });
    return { database, cleanup: () => database.close() };
  }
  const fresh = await createPostgresDatabase();
  const database = await openDatabase({ kind: 'postgres', url: fresh.url, poolSize: 5 });
  return {
    database,
    cleanup: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

/** The kinds to run a database-facing suite on: PGlite always, PostgreSQL when reachable. */
export async function databaseKinds(): Promise<DbKind[]> {
  return (await postgresReachable()) ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Route suites test the HTTP contract and the rules behind it, on the embedded database; the
 * PostgreSQL twin belongs to repository, migration and end-to-end suites. TEST_ROUTES_ON_POSTGRES=1
 * runs the route suites on PostgreSQL too.
 */
export async function routeDatabaseKinds(): Promise<DbKind[]> {
  return process.env.TEST_ROUTES_ON_POSTGRES === '1' ? databaseKinds() : ['pglite'];
}
