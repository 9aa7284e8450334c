/**
 * `npm run crash-test`: contacts stream messages while the gateway is SIGKILLed at random moments
 * and restarted, on each engine and database; prints what was acknowledged, stored, missing,
 * duplicated, and any counter that disagrees with what is stored. The crash e2e suite runs the
 * same with fewer crashes.
 *
 *   tsx bench/crash.ts [--crashes 5] [--engines simulator,baileys] [--dbs pglite,postgres] [--streams 8]
 */
import { postgresReachable } from '../test/helpers/databases.js';
import { runCrashCycles } from '../test/helpers/crash-run.js';
import { flags, machine, table } from './lib.js';

const opts = flags({ crashes: '5', engines: 'simulator,baileys', dbs: 'pglite,postgres', streams: '8' });
const engines = opts.engines.split(',') as ('simulator' | 'baileys')[];
const dbs = (opts.dbs.split(',') as ('pglite' | 'postgres')[]).filter((d) => d !== 'postgres' || process.env.SKIP_PG !== '1');
const pgUp = await postgresReachable();

console.log(JSON.stringify(machine()));
const rows: string[][] = [];
let failed = false;
for (const engine of engines) {
  for (const db of dbs) {
    if (db === 'postgres' && !pgUp) {
      rows.push([engine, db, 'skipped: PostgreSQL not reachable', '', '', '', '', '']);
      continue;
    }
    const started = Date.now();
    const r = await runCrashCycles({ engine, db, crashes: Number(opts.crashes), streams: Number(opts.streams), log: (l) => console.log(`  [${engine}/${db}] ${l}`) });
    failed ||= r.missing.length > 0 || r.duplicates.length > 0 || r.counterMismatches.length > 0;
    rows.push([
      engine,
      db,
      String(r.crashes),
      String(r.acknowledged),
      String(r.stored),
      String(r.missing.length),
      String(r.duplicates.length),
      r.counterMismatches.length ? r.counterMismatches.slice(0, 3).join('; ') : 'none',
    ]);
    console.log(`  [${engine}/${db}] done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}
console.log(table(['engine', 'database', 'crashes', 'acknowledged', 'stored', 'missing', 'duplicated', 'counter mismatches'], rows));
process.exit(failed ? 1 : 0);
