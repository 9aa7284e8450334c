/**
 * Restart with many linked sessions: how long the restore takes, and whether the server keeps
 * answering meanwhile. N simulator sessions are linked and the app is stopped; a new app on the
 * same database listens, a probe in its own process asks `/health` every 10 ms, and the app
 * restores every session. Beside it, the same probe against the idle server after the restore
 * (what /health costs when nothing else happens).
 *
 *   tsx bench/restore.ts [--db pglite|postgres] [--sessions 300]
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import type { Database } from '../src/db/client.js';
import { dbKindOf, flags, fmt, freshDatabase, linkSimulatorSessions, machine, percentile, registerAdmin, startApp, table } from './lib.js';

const opts = flags({ db: 'pglite', sessions: '300' });
const kind = dbKindOf(opts.db);
const SESSIONS = Number(opts.sessions);

const PROBE = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const lat = []; let failures = 0; let stop = false;
process.stdin.on('data', () => (stop = true));
const once = () => new Promise((resolve) => {
  const t = performance.now();
  const req = http.get(process.argv[1] + '/health', { agent }, (res) => { res.resume(); res.on('end', () => { lat.push(performance.now() - t); resolve(); }); });
  req.on('error', () => { failures++; resolve(); });
});
(async () => {
  while (!stop) { await once(); await new Promise((r) => setTimeout(r, 10)); }
  process.stdout.write(JSON.stringify({ lat, failures }) + '\\n');
  process.exit(0);
})();`;

async function probeWhile(baseUrl: string, during: () => Promise<void>): Promise<{ lat: number[]; failures: number }> {
  const child = spawn(process.execPath, ['-e', PROBE, baseUrl], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => setTimeout(r, 200));
  await during();
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin.write('stop\n');
  await done;
  return JSON.parse(out.trim()) as { lat: number[]; failures: number };
}

async function buildOn(database: Database): Promise<{ app: App; baseUrl: string }> {
  const config = loadConfig({ DATA_DIR: '/tmp/wa-bench-restore', HOST: '127.0.0.1', PORT: '0', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01', WHATSAPP_ENGINE: 'simulator', LOG_LEVEL: 'silent' });
  const app = await buildApp(config, { database, logger: pino({ level: 'silent' }) });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  return { app, baseUrl: `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}` };
}

const summary = (what: string, r: { lat: number[]; failures: number }): string[] => {
  const sorted = [...r.lat].sort((a, b) => a - b);
  return [what, fmt(sorted.length), fmt(percentile(sorted, 50), 1), fmt(percentile(sorted, 99), 1), fmt(sorted.at(-1) ?? NaN, 1), String(r.failures)];
};

const m = machine();
console.log(`# restore of ${SESSIONS} sessions on ${kind}`);
console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);
const fresh = await freshDatabase(kind, 20);
try {
  const first = await startApp(fresh.database);
  const { token } = await registerAdmin(first.baseUrl);
  await linkSimulatorSessions(first, token, SESSIONS);
  await first.close();

  const { app, baseUrl } = await buildOn(fresh.database);
  let restoreMs = 0;
  const during = await probeWhile(baseUrl, async () => {
    const t = performance.now();
    await app.start();
    // Restored means connected again, every one of them.
    for (;;) {
      let connected = 0;
      for (let page = 1; page <= Math.ceil(SESSIONS / 100); page++) {
        const res = await fetch(`${baseUrl}/api/whatsapp/sessions?page=${page}&limit=100`, { headers: { authorization: `Bearer ${token}` } });
        connected += ((await res.json()) as { data: { status: string }[] }).data.filter((s) => s.status === 'connected').length;
      }
      if (connected >= SESSIONS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    restoreMs = performance.now() - t;
  });
  const idle = await probeWhile(baseUrl, () => new Promise((r) => setTimeout(r, 2000)));
  console.log(table(['GET /health', 'answers', 'p50 ms', 'p99 ms', 'max ms', 'failures'], [summary(`during the restore of ${SESSIONS} sessions`, during), summary('idle, after it (the floor)', idle)]));
  console.log(`restore: every session connected again ${fmt(restoreMs)} ms after start()`);
  await app.close();
} finally {
  await fresh.cleanup();
}
process.exit(0);
