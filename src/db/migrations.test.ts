import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresReachable, type FreshPostgres } from '../../test/helpers/databases.js';
import { migrationsFolder, openDatabase, type Database } from './client.js';

const EXPECTED_TABLES = [
  'audit_log',
  'chats',
  'companies',
  'idempotency_keys',
  'manager_access',
  'messages',
  'refresh_tokens',
  'users',
  'wa_auth_creds',
  'wa_auth_keys',
  'wa_sessions',
  'webhook_deliveries',
  'webhook_endpoints',
];

const journal = JSON.parse(await readFile(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };

async function publicTables(database: Database): Promise<string[]> {
  const res = await database.db.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  return ((res as unknown as { rows: { table_name: string }[] }).rows).map((r) => r.table_name);
}

async function appliedMigrations(database: Database): Promise<number> {
  const res = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return (res as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

const pgOk = await postgresReachable();

describe('migrations on PGlite', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('apply cleanly to an empty database and create every table; applying again (and reopening) is a no-op', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wa-mig-'));
    dirs.push(dir);
    const first = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      expect(await publicTables(first)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
      expect(await appliedMigrations(first)).toBe(journal.entries.length);
      await migratePg(first.db as never, { migrationsFolder });
      expect(await appliedMigrations(first)).toBe(journal.entries.length);
      await first.db.execute(sql`insert into companies (id, name) values ('c1', 'Kept')`);
    } finally {
      await first.close();
    }
    const second = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      expect(await appliedMigrations(second)).toBe(journal.entries.length);
      const res = await second.db.execute(sql`select name from companies where id = 'c1'`);
      expect((res as unknown as { rows: unknown[] }).rows).toEqual([{ name: 'Kept' }]);
    } finally {
      await second.close();
    }
    // Two first starts of PGlite on disk (initdb each): slow on a loaded machine.
  }, 120_000);
});

describe.skipIf(!pgOk)(`migrations on PostgreSQL${pgOk ? '' : ' (SKIPPED: PostgreSQL is not reachable)'}`, () => {
  let fresh: FreshPostgres | undefined;
  afterAll(async () => {
    await fresh?.drop();
  });

  it('apply cleanly to an empty database, twice, and create every table', async () => {
    fresh = await createPostgresDatabase();
    const raw = new pg.Client({ connectionString: fresh.url });
    await raw.connect();
    try {
      const before = await raw.query(`select count(*)::int as n from information_schema.tables where table_schema = 'public'`);
      expect(before.rows[0].n).toBe(0);
    } finally {
      await raw.end();
    }

    const database = await openDatabase({ kind: 'postgres', url: fresh.url, poolSize: 2 });
    try {
      expect(await publicTables(database)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
      expect(await appliedMigrations(database)).toBe(journal.entries.length);
      await migratePg(database.db as never, { migrationsFolder });
      expect(await appliedMigrations(database)).toBe(journal.entries.length);
    } finally {
      await database.close();
    }
    // A second process opening the same database migrates nothing either.
    const again = await openDatabase({ kind: 'postgres', url: fresh.url, poolSize: 2 });
    try {
      expect(await appliedMigrations(again)).toBe(journal.entries.length);
      expect(await publicTables(again)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    } finally {
      await again.close();
    }
  });
});
