/**
 * Inbound through the public HTTP path, beside its physical limits measured in the same run:
 *   1. a bare Fastify route in the same process, driven by the same client (what HTTP alone allows);
 *   2. the in-process ingest rate of this build (the simulator's inbound() without HTTP);
 *   3. the simulator API under `concurrency` keep-alive clients, with one socket counting events
 *      and a probe asking /health every 100 ms from outside the server's event loop.
 * The server's CPU per message (all its threads: the embedded database included), its event-loop
 * delay and utilization are read in-process. The load runs in its own process (http-ingest-load.ts).
 *
 *   tsx bench/http-ingest.ts [--db pglite|postgres] [--sessions 4] [--concurrency 64] [--seconds 15]
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { dbKindOf, flags, fmt, freshDatabase, linkSimulatorSessions, machine, registerAdmin, runChild, startApp, table, type RunningApp } from './lib.js';

const opts = flags({ db: 'pglite', sessions: '4', concurrency: '64', seconds: '15' });
const kind = dbKindOf(opts.db);
const SESSIONS = Number(opts.sessions);
const CONCURRENCY = Number(opts.concurrency);
const SECONDS = Number(opts.seconds);

interface LoadResult {
  ok: number;
  refused: number;
  failed: number;
  statuses: Record<string, number>;
  rate: number;
  events: number;
  eventP50: number;
  eventP99: number;
  eventMax: number;
  healthP50: number;
  healthP99: number;
  healthMax: number;
  healthFailures: number;
}

const runLoad = (spec: Record<string, unknown>): Promise<LoadResult> => runChild<LoadResult>('bench/http-ingest-load.ts', spec);

/** The in-process ceiling: the simulator's inbound() as fast as the ingest takes it, no HTTP. */
async function inProcessRate(running: RunningApp, sessions: string[]): Promise<number> {
  let n = 0;
  const deadline = performance.now() + 5000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      const control = running.app.simulatorControls!.of(sessions[w % sessions.length]!)!;
      while (performance.now() < deadline) {
        const k = ++n;
        await control.inbound({ from: `7702${String(k % 500).padStart(7, '0')}`, fromName: 'In process', body: `in-process ${k}`, messageId: `IP${k}` });
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`# inbound over HTTP on ${kind}`);
  console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);

  // 1. The physical limit of HTTP with the same client: a bare Fastify route in this process.
  const bare = Fastify();
  bare.get('/bare', async () => ({ success: true, data: { messageId: 'x' } }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
  const bareResult = await runLoad({ url: bareUrl, token: '', sessions: [], concurrency: CONCURRENCY, seconds: 5, path: '/bare' });
  await bare.close();

  const fresh = await freshDatabase(kind, 20);
  const running = await startApp(fresh.database);
  try {
    const { token } = await registerAdmin(running.baseUrl);
    const sessions = await linkSimulatorSessions(running, token, SESSIONS);
    await new Promise((r) => setTimeout(r, 300));

    // 2. The in-process ingest rate of this build.
    const inProcess = await inProcessRate(running, sessions);

    // 3. The public HTTP path.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    delay.enable();
    const load = await runLoad({ url: running.baseUrl, token, sessions, concurrency: CONCURRENCY, seconds: SECONDS });
    delay.disable();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const mainThreadMs = elu.active;

    console.log(
      table(
        ['what', 'req or msg/s', 'of limit', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['bare Fastify route, same client (HTTP limit)', fmt(bareResult.rate), '100 %', '', '', ''],
          ['in-process ingest → socket (ingest limit)', fmt(inProcess), '100 %', '', '', ''],
          [
            `HTTP inbound → stored → socket event (${SESSIONS} sessions, ${CONCURRENCY} clients)`,
            fmt(load.rate),
            `${fmt((100 * load.rate) / inProcess, 0)} % of in-process, ${fmt((100 * load.rate) / bareResult.rate, 0)} % of bare`,
            fmt(load.eventP50, 1),
            fmt(load.eventP99, 1),
            fmt(load.eventMax, 1),
          ],
          ['GET /health during the flood (every 100 ms, own connection)', '', '', fmt(load.healthP50, 1), fmt(load.healthP99, 1), fmt(load.healthMax, 1)],
        ],
      ),
    );
    console.log(
      `server CPU per accepted message: ${fmt(cpuMs / load.ok, 2)} ms (all threads), main thread busy ${fmt(mainThreadMs / load.ok, 2)} ms; ` +
        `event-loop utilization ${fmt(elu.utilization * 100, 0)} %, delay p50 ${fmt(delay.percentile(50) / 1e6, 1)} ms, p99 ${fmt(delay.percentile(99) / 1e6, 1)} ms, max ${fmt(delay.max / 1e6, 1)} ms`,
    );
    console.log(`answers: ${JSON.stringify(load.statuses)}; events received ${fmt(load.events)} of ${fmt(load.ok)}; /health failures ${load.healthFailures}`);
  } finally {
    await running.close();
    await fresh.cleanup();
  }
}

await main();
process.exit(0);
