/**
 * The crash suite of one engine, on each database (see crash-run.ts); one file per engine so the
 * two run side by side.
 */
import { describe, expect, it } from 'vitest';
import { runCrashCycles } from './crash-run.js';
import { databaseKinds } from './databases.js';

export async function defineCrashSuite(engine: 'simulator' | 'baileys'): Promise<void> {
  if (process.env.E2E_ENGINES && process.env.E2E_ENGINES !== engine) return;
  const kinds = await databaseKinds();
  describe(`crashes on the ${engine} engine`, () => {
    it.each(kinds)('every acknowledged message is stored once, counters agree, after SIGKILLs (%s)', async (db) => {
      const result = await runCrashCycles({ engine, db, crashes: 2, streams: 6 });
      expect(result.acknowledged).toBeGreaterThan(0);
      expect(result.missing).toEqual([]);
      expect(result.duplicates).toEqual([]);
      expect(result.counterMismatches).toEqual([]);
      expect(result.stored).toBeGreaterThanOrEqual(result.acknowledged);
    }, 300_000);
  });
}
