/**
 * Nothing acknowledged is lost: contacts stream messages while the gateway is SIGKILLed at random
 * moments, on both engines and both databases (see helpers/crash-run.ts). `npm run crash-test`
 * runs the same with more crashes and prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { runCrashCycles } from '../helpers/crash-run.js';
import { databaseKinds } from '../helpers/databases.js';
import { engineModes } from './engine-modes.js';

const kinds = await databaseKinds();

describe.each(engineModes().map((m) => m.name as 'simulator' | 'baileys'))('crashes on the %s engine', (engine) => {
  it.each(kinds)('every acknowledged message is stored once, counters agree, after SIGKILLs (%s)', async (db) => {
    const result = await runCrashCycles({ engine, db, crashes: 2, streams: 6 });
    expect(result.acknowledged).toBeGreaterThan(0);
    expect(result.missing).toEqual([]);
    expect(result.duplicates).toEqual([]);
    expect(result.counterMismatches).toEqual([]);
    expect(result.stored).toBeGreaterThanOrEqual(result.acknowledged);
  }, 300_000);
});
