/**
 * The load side of bench/http-ingest.ts, in its own process so that it does not share the server's
 * event loop: `concurrency` clients post inbound messages through the simulator API (keep-alive),
 * one socket counts the `whatsapp:new-message` events, and a separate probe asks /health every
 * 100 ms. Prints one JSON line of results.
 */
import { io } from 'socket.io-client';
import http from 'node:http';
import { percentile } from './percentile.js';

interface Spec {
  url: string;
  token: string;
  sessions: string[];
  concurrency: number;
  seconds: number;
  /** Only the bare route: no socket, no sessions (the physical limit of the same client). */
  path?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Seconds a refusal asked us to wait. */
let retryAfterSec = 0;

/** One request over a kept-alive connection; resolves with the status once the body is read. */
function request(url: string, opts: { agent: http.Agent; method?: string; headers?: Record<string, string>; body?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent: opts.agent, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      res.resume();
      retryAfterSec = Number(res.headers['retry-after'] ?? 0);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const sorted = (a: number[]) => Float64Array.from(a).sort();

const sentAt = new Map<string, number>();
const eventLatency: number[] = [];
let ok = 0;
let refused = 0;
let failed = 0;
const statuses = new Map<number, number>();

let socket: ReturnType<typeof io> | undefined;
if (!spec.path) {
  socket = io(spec.url, { transports: ['websocket'], auth: { token: spec.token }, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket!.once('connect', () => resolve());
    socket!.once('connect_error', reject);
  });
  socket.on('whatsapp:new-message', (e: { message: { messageId: string } }) => {
    const t = sentAt.get(e.message.messageId);
    if (t !== undefined) {
      eventLatency.push(performance.now() - t);
      sentAt.delete(e.message.messageId);
    }
  });
}

const health: number[] = [];
let healthFailures = 0;
const deadline = performance.now() + spec.seconds * 1000;
const probe = (async () => {
  while (performance.now() < deadline) {
    const t = performance.now();
    try {
      const status = await request(`${spec.url}/health`, { agent: probeAgent });
      if (status === 200) health.push(performance.now() - t);
      else healthFailures++;
    } catch {
      healthFailures++;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
})();

let seq = 0;
const worker = async (w: number): Promise<void> => {
  while (performance.now() < deadline) {
    const n = ++seq;
    const messageId = `B${process.pid}X${n}`;
    const sessionId = spec.sessions[(w + n) % Math.max(1, spec.sessions.length)];
    const t = performance.now();
    try {
      if (!spec.path) sentAt.set(messageId, t);
      const status = spec.path
        ? await request(`${spec.url}${spec.path}`, { agent })
        : await request(`${spec.url}/api/simulator/sessions/${sessionId}/inbound`, {
            agent,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.token}` },
            body: JSON.stringify({ from: `7701${String(n % 500).padStart(7, '0')}`, fromName: `Contact ${n % 500}`, body: `load message ${n}`, messageId }),
          });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        ok++;
      } else if (status === 503 || status === 429) {
        refused++;
        // A refused request says when to come back: a well-behaved client waits that long.
        await new Promise((r) => setTimeout(r, Math.max(50, retryAfterSec * 1000)));
      } else failed++;
    } catch {
      failed++;
    }
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: spec.concurrency }, (_, i) => worker(i)));
const elapsed = (performance.now() - started) / 1000;
await probe;
// Events of the last requests may still be in flight.
await new Promise((r) => setTimeout(r, 1000));
socket?.close();
const ev = sorted(eventLatency);
const h = sorted(health);
console.log(
  JSON.stringify({
    ok,
    refused,
    failed,
    statuses: Object.fromEntries(statuses),
    rate: ok / elapsed,
    events: eventLatency.length,
    eventP50: percentile(ev, 50),
    eventP99: percentile(ev, 99),
    eventMax: ev.length ? ev[ev.length - 1] : Number.NaN,
    healthP50: percentile(h, 50),
    healthP99: percentile(h, 99),
    healthMax: h.length ? h[h.length - 1] : Number.NaN,
    healthFailures,
  }),
);
agent.destroy();
probeAgent.destroy();
