/**
 * The open-loop load generator of bench/api.ts, in its own process: request i is due at
 * start + i/rate and is sent then whether or not earlier ones have answered (keep-alive agent with
 * many sockets), and its latency runs from that INTENDED time, not from when it actually left, so
 * a stalled server or a late client shows in the figures instead of being hidden (coordinated
 * omission). Prints its result as JSON on the last stdout line.
 *
 *   tsx bench/open-loop.ts '{"url":"http://127.0.0.1:3000","token":"…","paths":["/api/…"],"rate":200,"seconds":10}'
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './percentile.js';

interface OpenLoopSpec {
  url: string;
  /** Empty: no authorization header (the bare route). */
  token: string;
  /** Each request takes one at random: pages, chats. */
  paths: string[];
  /** Target requests per second. */
  rate: number;
  seconds: number;
  maxSockets?: number;
  /** How long to wait for the last answers after the last send. */
  drainSeconds?: number;
}

/** A send later than this after its intended time counts as late (timers tick in whole ms). */
const LATE_MS = 5;

const spec = JSON.parse(process.argv[2] ?? '{}') as OpenLoopSpec;
const target = new URL(spec.url);
const maxSockets = spec.maxSockets ?? 512;
const agent = new http.Agent({ keepAlive: true, maxSockets });
const headers: Record<string, string> = spec.token ? { authorization: `Bearer ${spec.token}` } : {};
const interval = 1000 / spec.rate;
const total = Math.max(1, Math.round(spec.rate * spec.seconds));
const pick = (): string => spec.paths[Math.floor(Math.random() * spec.paths.length)]!;

const okLatency = new Float64Array(total);
let ok = 0;
const statuses: Record<string, number> = {};
let overloaded = 0;
let errors = 0;
let late = 0;
let maxLag = 0;
let queuedForSocket = 0;
let outstanding = 0;
let sent = 0;
let lastAnswer = 0;

function send(intended: number): void {
  const lag = performance.now() - intended;
  if (lag > LATE_MS) late++;
  if (lag > maxLag) maxLag = lag;
  // Every request in flight holds a socket: past maxSockets this one waits in the agent's queue.
  if (outstanding >= maxSockets) queuedForSocket++;
  outstanding++;
  sent++;
  let done = false;
  const finish = (status: number | 'error', body: string): void => {
    if (done) return;
    done = true;
    outstanding--;
    const now = performance.now();
    lastAnswer = now;
    if (status === 200) okLatency[ok++] = now - intended;
    else if (status === 'error') errors++;
    else {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 503 && body.includes('"overloaded"')) overloaded++;
    }
  };
  const req = http.request({ host: target.hostname, port: target.port, path: pick(), method: 'GET', agent, headers }, (res) => {
    const status = res.statusCode ?? 0;
    let body = '';
    // Only a refusal's body is kept (to tell admission control from other 503s); the rest is drained.
    res.on('data', (chunk: Buffer) => {
      if (status !== 200 && body.length < 4096) body += chunk.toString();
    });
    res.on('end', () => finish(status, body));
    res.on('error', () => finish('error', ''));
  });
  req.on('error', () => finish('error', ''));
  req.end();
}

const start = performance.now() + 20;
await new Promise<void>((resolve) => {
  let i = 0;
  const tick = (): void => {
    const now = performance.now();
    while (i < total && start + i * interval <= now) send(start + i++ * interval);
    if (i < total) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    else resolve();
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
});
const sendSpan = (performance.now() - start) / 1000;
const drainDeadline = performance.now() + 1000 * (spec.drainSeconds ?? 30);
while (outstanding > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));

const sorted = okLatency.subarray(0, ok).sort();
const pct = (p: number): number => percentile(sorted, p);
const answerSpan = (Math.max(lastAnswer, start) - start) / 1000;
process.stdout.write(
  `${JSON.stringify({
    target: spec.rate,
    scheduled: total,
    sent,
    sentRate: sent / Math.max(sendSpan, 1e-9),
    /** 200 answers per second, from the first intended send to the last answer. */
    rate: ok / Math.max(answerSpan, 1e-9),
    ok,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: ok ? sorted[ok - 1]! : Number.NaN,
    statuses,
    overloaded,
    errors,
    unanswered: outstanding,
    late,
    maxLag,
    queuedForSocket,
  })}\n`,
);
agent.destroy();
process.exit(0);
