import { BufferJSON, initAuthCreds } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.js';
import { companies, waSessions } from '../db/schema/index.js';
import { databaseKinds, openFreshDatabase, postgresReachable } from '../../test/helpers/databases.js';
import { createAuthStateStore } from './auth-store.repository.js';

const kinds = await databaseKinds();
if (!(await postgresReachable())) {
  describe.skip('auth store on postgres (SKIPPED: PostgreSQL not reachable)', () => {
    it('runs when PostgreSQL is reachable', () => undefined);
  });
}

const ser = (v: unknown): string => JSON.stringify(v, BufferJSON.replacer);
const de = <T>(s: string): T => JSON.parse(s, BufferJSON.reviver) as T;

describe.each(kinds)('auth store on %s', (kind) => {
  let database: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ database, cleanup } = await openFreshDatabase(kind));
    await database.db.insert(companies).values({ id: 'c1', name: 'Acme' });
    await database.db.insert(waSessions).values([
      { id: 's1', companyId: 'c1', displayName: 'one' },
      { id: 's2', companyId: 'c1', displayName: 'two' },
      { id: 's3', companyId: 'c1', displayName: 'three' },
    ]);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('round-trips creds with Buffers through BufferJSON and upserts', async () => {
    const store = createAuthStateStore(database.db, 's1');
    expect(await store.loadCreds()).toBeNull();
    const creds = initAuthCreds();
    await store.saveCreds(ser(creds));
    const loaded = de<typeof creds>((await store.loadCreds())!);
    expect(Buffer.isBuffer(loaded.noiseKey.private)).toBe(true);
    expect(Buffer.from(loaded.noiseKey.private).equals(Buffer.from(creds.noiseKey.private))).toBe(true);
    expect(Buffer.from(loaded.signedPreKey.signature).equals(Buffer.from(creds.signedPreKey.signature))).toBe(true);
    expect(loaded.registrationId).toBe(creds.registrationId);

    await store.saveCreds(ser({ ...creds, registered: true }));
    expect(de<typeof creds>((await store.loadCreds())!).registered).toBe(true);
  });

  it('round-trips keys, deletes on null, and returns only present ids', async () => {
    const store = createAuthStateStore(database.db, 's1');
    const pre = { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) };
    await store.setKeys({
      'pre-key': { '1': ser(pre), '2': ser(pre) },
      session: { '5511999.0': ser(Buffer.from('sess')) },
      'lid-mapping': { '5511999': ser('27420411') },
    });
    const got = await store.getKeys('pre-key', ['1', '2', '3']);
    expect(Object.keys(got).sort()).toEqual(['1', '2']);
    const revived = de<typeof pre>(got['1']!);
    expect(Buffer.from(revived.private).equals(pre.private)).toBe(true);
    expect(de<string>((await store.getKeys('lid-mapping', ['5511999']))['5511999']!)).toBe('27420411');

    await store.setKeys({ 'pre-key': { '1': null, '4': ser(pre) }, session: { '5511999.0': ser(Buffer.from('new')) } });
    expect(Object.keys(await store.getKeys('pre-key', ['1', '2', '4'])).sort()).toEqual(['2', '4']);
    expect(Buffer.from(de<Buffer>((await store.getKeys('session', ['5511999.0']))['5511999.0']!)).toString()).toBe('new');
    expect(await store.getKeys('pre-key', [])).toEqual({});
  });

  it('keeps sessions apart', async () => {
    const a = createAuthStateStore(database.db, 's2');
    await a.setKeys({ 'pre-key': { '1': 'x' } });
    expect(await createAuthStateStore(database.db, 's3').getKeys('pre-key', ['1'])).toEqual({});
    expect(await a.getKeys('pre-key', ['1'])).toEqual({ '1': 'x' });
  });

  it('survives concurrent setKeys on the same and different ids', async () => {
    const store = createAuthStateStore(database.db, 's2');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.setKeys({
          session: { shared: `v${i}`, [`own${i}`]: `v${i}` },
          'sender-key': { [`g@g.us::u::${i}`]: 'k' },
        }),
      ),
    );
    const ids = Array.from({ length: 20 }, (_, i) => `own${i}`);
    expect(Object.keys(await store.getKeys('session', ids))).toHaveLength(20);
    expect((await store.getKeys('session', ['shared'])).shared).toMatch(/^v\d+$/);
  });

  it('writes a large batch in one call', async () => {
    const store = createAuthStateStore(database.db, 's3');
    const many = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [String(i), 'p']));
    await store.setKeys({ 'pre-key': many });
    expect(Object.keys(await store.getKeys('pre-key', Object.keys(many)))).toHaveLength(2500);
    await store.setKeys({ 'pre-key': Object.fromEntries(Object.keys(many).map((k) => [k, null])) });
    expect(await store.getKeys('pre-key', Object.keys(many))).toEqual({});
  });

  it('lists key ids by prefix, treating _ and % literally', async () => {
    const store = createAuthStateStore(database.db, 's1');
    await store.setKeys({
      session: {
        '77011.0': 'a',
        '77011.12': 'b',
        '770111.0': 'c', // another user whose id starts with the same digits
        '27420_1.0': 'd', // LID session
        '27420_1.80': 'e',
        '27420X1.0': 'f', // would match an unescaped `_`
        '5%5.0': 'g',
        '55.0': 'h',
      },
      'sender-key': { '77011.0': 'other type' },
    });
    expect((await store.listKeyIds('session', '77011.')).sort()).toEqual(['77011.0', '77011.12']);
    expect((await store.listKeyIds('session', '27420_')).sort()).toEqual(['27420_1.0', '27420_1.80']);
    expect(await store.listKeyIds('session', '5%')).toEqual(['5%5.0']);
    expect(await store.listKeyIds('session', 'nobody.')).toEqual([]);
  });

  it('clear() wipes creds and keys of this session only', async () => {
    const store = createAuthStateStore(database.db, 's1');
    const other = createAuthStateStore(database.db, 's2');
    await other.saveCreds('{"other":true}');
    await store.clear();
    expect(await store.loadCreds()).toBeNull();
    expect(await store.listKeyIds('session', '')).toEqual([]);
    expect(await store.getKeys('pre-key', ['2', '4'])).toEqual({});
    expect(await other.loadCreds()).toBe('{"other":true}');
    expect(await other.getKeys('pre-key', ['1'])).toEqual({ '1': 'x' });
  });
});
