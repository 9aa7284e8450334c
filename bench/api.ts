/**
 * Read API under concurrent load: `GET …/chats` and `GET …/chats/{chatId}/messages` on a session
 * with 10,000 chats and 200,000 messages, driven by autocannon over loopback from its own process
 * (bench/load.ts), so the load generator does not share the server's event loop; on this 2-core
 * machine the two still share the CPU.
 *
 * With `--open-loop <rate>`, each request kind is then also driven open-loop (bench/open-loop.ts):
 * requests sent at fixed intervals for `rate` req/s whether or not earlier ones have answered, with
 * latency from each one's intended send time. Beside it stand its limits from the same run: the
 * closed-loop maximum throughput of the same request, and a bare Fastify route (no auth, no
 * database) answering a JSON body of the same size, driven by the same clients at the same rate.
 *
 *   tsx bench/api.ts [--db pglite|postgres] [--chats 10000] [--messages 200000] [--connections 32] [--seconds 10] [--open-loop 200]
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { api, dbKindOf, flags, fmt, freshDatabase, machine, registerAdmin, runChild, startApp, table, type OpenLoopResult } from './lib.js';

const opts = flags({ db: 'pglite', chats: '10000', messages: '200000', connections: '32', seconds: '10', 'open-loop': '' });
const OPEN_RATE = Number(opts['open-loop'] || 0);
const kind = dbKindOf(opts.db);
const CHATS = Number(opts.chats);
const MESSAGES = Number(opts.messages);
const PAGES = Math.ceil(CHATS / 50);

const rowId = (prefix: string, n: number): string => `c${prefix}${String(n).padStart(20, '0')}`;

async function main(): Promise<void> {
  const m = machine();
  console.log(`# read API benchmark on ${kind}`);
  console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);
  const fresh = await freshDatabase(kind, 20);
  const running = await startApp(fresh.database);
  const bare = Fastify();
  try {
    // Right after start the event loop may still be busy enough for admission control to refuse (503).
    const token = await registerAdmin(running.baseUrl).catch(async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return registerAdmin(running.baseUrl);
    }).then((r) => r.token);
    const me = await api(running.baseUrl, 'GET', '/api/auth/me', undefined, token);
    const companyId = me.body.data.company.id as string;
    const created = await api(running.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: 'Bench line' }, token);
    const sessionId = created.body.data.sessionId as string;

    const t0 = performance.now();
    const { db } = fresh.database;
    await db.execute(sql`
      insert into chats (id, company_id, session_id, wa_chat_id, chat_name, chat_type, last_message_at, last_message_text, unread_count, message_count)
      select 'cc' || lpad(g::text, 20, '0'), ${companyId}, ${sessionId}, (77000000000 + g)::text || '@c.us', 'Contact ' || g, 'individual',
             now() - make_interval(secs => g), 'last message of ' || g, g % 3, ${Math.round(MESSAGES / CHATS)}
      from generate_series(1, ${CHATS}) g`);
    await db.execute(sql`
      insert into messages (id, company_id, session_id, chat_id, wa_message_id, from_me, from_number, body, message_type, timestamp, is_read, status)
      select 'cm' || lpad(g::text, 20, '0'), ${companyId}, ${sessionId}, 'cc' || lpad((g % ${CHATS} + 1)::text, 20, '0'), 'WA' || g, g % 2 = 0,
             (77000000000 + g % ${CHATS} + 1)::text || '@c.us', 'Message number ' || g || ', with an ordinary length of text in it.', 'text',
             now() - make_interval(secs => g), g % 5 <> 0, case when g % 2 = 0 then 'read' end
      from generate_series(1, ${MESSAGES}) g`);
    // Seeded behind the ingest's back: set the session's counters as the ingest would have.
    await db.execute(sql`update wa_sessions set individual_chats = ${CHATS}, message_count = ${MESSAGES}, sent_count = ${Math.floor(MESSAGES / 2)} where id = ${sessionId}`);
    await db.execute(sql`analyze chats`);
    await db.execute(sql`analyze messages`);
    console.log(`seeded ${fmt(CHATS)} chats and ${fmt(MESSAGES)} messages in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const base = `/api/whatsapp/sessions/${sessionId}`;
    const chatPaths = Array.from({ length: 1000 }, () => `${base}/chats/${rowId('c', 1 + Math.floor(Math.random() * CHATS))}/messages?limit=50`);
    const cases: { name: string; paths: string[]; url?: string }[] = [
      { name: 'GET …/chats (page 1, limit 50)', paths: [`${base}/chats?limit=50`] },
      { name: `GET …/chats (random page of ${PAGES}, limit 50)`, paths: Array.from({ length: PAGES }, (_, i) => `${base}/chats?limit=50&page=${i + 1}`) },
      { name: 'GET …/chats/{id}/messages (random chat, limit 50)', paths: chatPaths },
    ];
    // Every case must answer 200 with data and the right total before it is measured.
    let sample = '';
    for (const c of cases) {
      const res = await api(running.baseUrl, 'GET', c.paths[c.paths.length - 1]!, undefined, token);
      const expectedTotal = c.paths[0]!.includes('/messages') ? undefined : CHATS;
      if (res.status !== 200 || !Array.isArray(res.body.data) || res.body.data.length === 0 || (expectedTotal !== undefined && res.body.pagination.total !== expectedTotal)) {
        throw new Error(`${c.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      if (JSON.stringify(res.body).length > sample.length) sample = JSON.stringify(res.body);
    }
    if (OPEN_RATE > 0) {
      // The HTTP floor: a bare Fastify route in this process answering the largest body above.
      const body: unknown = JSON.parse(sample);
      bare.get('/bare', async () => body);
      await bare.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
      cases.push({ name: `bare Fastify route, same-size JSON (${fmt(Buffer.byteLength(sample) / 1024, 1)} KiB)`, paths: ['/bare'], url });
    }

    const rows: (string | number)[][] = [];
    const limit = new Map<string, number>();
    for (const c of cases) {
      const spec = { url: c.url ?? running.baseUrl, token, paths: c.paths, connections: Number(opts.connections), seconds: Number(opts.seconds) };
      const r = await runChild<{ rps: number; p50: number; p99: number; total: number; non2xx: number; errors: number }>('bench/load.ts', spec);
      if (r.errors > 0) throw new Error(`${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      // Admission control may refuse some (503) when the event loop falls behind: shown, not hidden.
      if (r.non2xx > 0) console.warn(`${c.name}: ${r.non2xx} non-2xx answers (admission control?)`);
      limit.set(c.name, r.rps);
      rows.push([kind, c.name, fmt(r.rps), fmt(r.p50, 1), fmt(r.p99, 1), r.non2xx > 0 ? `${fmt(r.total)} (${fmt(r.non2xx)} non-2xx)` : fmt(r.total)]);
      console.log(`${c.name}: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
    }
    console.log(`\nclosed loop (autocannon): ${opts.connections} connections, ${opts.seconds} s per case\n`);
    console.log(table(['database', 'request', 'req/s', 'p50 ms', 'p99 ms', 'requests'], rows));
    if (OPEN_RATE > 0) await openLoop(cases, token, running.baseUrl, limit);
  } finally {
    // The app closes the database it was given; cleanup then only drops a PostgreSQL one.
    await bare.close();
    await running.close();
    await fresh.cleanup().catch(() => undefined);
  }
}

/** Each case again, open-loop at --open-loop req/s, beside its closed-loop limit from this run. */
async function openLoop(cases: { name: string; paths: string[]; url?: string }[], token: string, baseUrl: string, limit: Map<string, number>): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    await new Promise((r) => setTimeout(r, 1000));
    const r = await runChild<OpenLoopResult>('bench/open-loop.ts', { url: c.url ?? baseUrl, token, paths: c.paths, rate: OPEN_RATE, seconds: Number(opts.seconds) });
    const non200 = Object.entries(r.statuses).map(([status, n]) => `${status}: ${fmt(n)}`);
    if (r.errors > 0) non200.push(`socket errors: ${fmt(r.errors)}`);
    if (r.unanswered > 0) non200.push(`unanswered: ${fmt(r.unanswered)}`);
    const max = limit.get(c.name) ?? Number.NaN;
    rows.push([
      kind,
      c.name,
      fmt(r.target),
      fmt(r.rate),
      fmt(r.p50, 1),
      fmt(r.p90, 1),
      fmt(r.p99, 1),
      fmt(r.max, 1),
      non200.join(', ') || '0',
      fmt(r.overloaded),
      `${fmt(r.late)} (max ${fmt(r.maxLag, 1)} ms)${r.queuedForSocket > 0 ? `, ${fmt(r.queuedForSocket)} waited for a socket` : ''}`,
      fmt(max),
      `${fmt((100 * r.target) / max)} %`,
    ]);
    console.log(`${c.name}: open loop at ${r.target} req/s: ${fmt(r.rate)} ok/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, max ${fmt(r.max, 1)} ms`);
  }
  console.log(`\nopen loop: ${OPEN_RATE} req/s for ${opts.seconds} s per case, latency of the 200s from each request's intended send time;`);
  console.log('late = sends more than 5 ms behind schedule (client lag); limit = closed-loop req/s of the same request above\n');
  console.log(
    table(['database', 'request', 'target req/s', 'achieved ok/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-200', '503 admission', 'late sends', 'limit req/s', 'target / limit'], rows),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
