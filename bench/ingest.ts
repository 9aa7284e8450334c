/**
 * Ingest throughput and end-to-end latency.
 *
 * N simulator sessions (engines driven in-process) push inbound messages as fast as the server takes
 * them, with a bounded number in flight per session; every message is stored by the group-commit
 * ingest and delivered to ONE admin socket (socket.io-client over real loopback). Measured: messages/s
 * counted on `whatsapp:new-message` at the client, and latency inbound() call → socket event.
 *
 * Beside it, in the same run, the bare database's rate for the same rows on a separate fresh
 * database of the same kind: set-based (per batch: one multi-row chat upsert + one multi-row
 * message insert in one transaction) and one transaction per message.
 *
 *   tsx bench/ingest.ts [--db pglite|postgres] [--sessions 4] [--messages 20000] [--warmup 2000]
 *                       [--inflight 64] [--contacts 200] [--batch 100] [--single-messages 3000]
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { io, type Socket } from 'socket.io-client';
import type { Db } from '../src/db/client.js';
import { chats, companies, messages, waSessions } from '../src/db/schema/index.js';
import { newId } from '../src/shared/ids.js';
import type { SimulatorControl } from '../src/whatsapp/simulator-control.js';
import { api, dbKindOf, flags, fmt, freshDatabase, machine, percentile, registerAdmin, startApp, table, withTimeout, type DbKind } from './lib.js';

const opts = flags({ db: 'pglite', sessions: '4', messages: '20000', warmup: '2000', inflight: '64', contacts: '200', batch: '100', 'single-messages': '3000' });

const kind: DbKind = dbKindOf(opts.db);
const SESSIONS = Number(opts.sessions);
const MESSAGES = Number(opts.messages);
const WARMUP = Number(opts.warmup);
const INFLIGHT = Number(opts.inflight);
const CONTACTS = Number(opts.contacts);
const BATCH = Number(opts.batch);
const SINGLE = Number(opts['single-messages']);
const PHASE_TIMEOUT_MS = 150_000;

const contactOf = (session: number, seq: number): string => `7701${session}${String(seq % CONTACTS).padStart(6, '0')}`;
const bodyOf = (seq: number): string => `Hello, this is message ${seq}; could someone check my order status please?`;

interface IngestFigures {
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  seconds: number;
  stored: number;
  rssMb: number;
  heapMb: number;
}

async function runIngest(): Promise<IngestFigures> {
  const fresh = await freshDatabase(kind);
  const server = await startApp(fresh.database);
  let socket: Socket | undefined;
  try {
    const { token } = await registerAdmin(server.baseUrl);
    socket = io(server.baseUrl, { transports: ['websocket'], path: '/socket.io/', auth: { token }, reconnection: false, forceNew: true });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket!.once('connect', resolve);
        socket!.once('connect_error', reject);
      }),
      10_000,
      'socket connect',
    );

    // Sessions: create over HTTP, wait for the QR, scan in-process, wait until connected.
    const qrSeen = new Set<string>();
    const connected = new Set<string>();
    socket.on('whatsapp:qr-updated', (e: { sessionId: string }) => qrSeen.add(e.sessionId));
    socket.on('whatsapp:session-connected', (e: { sessionId: string }) => connected.add(e.sessionId));
    const waitFor = async (test: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const sims: { id: string; sim: SimulatorControl }[] = [];
    for (let s = 0; s < SESSIONS; s++) {
      const created = await api(server.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: `Bench line ${s}` }, token);
      if (created.status !== 201) throw new Error(`create session failed: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.data.sessionId as string;
      await waitFor(() => qrSeen.has(id), `the QR of session ${s}`);
      const sim = server.app.simulatorControls?.of(id);
      if (!sim) throw new Error('the simulator engine has no control surface');
      await sim.scan(`7707000000${s}`);
      await waitFor(() => connected.has(id), `session ${s} to connect`);
      sims.push({ id, sim });
    }

    // One driver per session: keeps INFLIGHT messages between inbound() and their socket event.
    interface Driver {
      sim: SimulatorControl;
      index: number;
      issued: number;
      quota: number;
      inflight: number;
    }
    const drivers = new Map<string, Driver>(sims.map(({ id, sim }, index) => [id, { sim, index, issued: 0, quota: 0, inflight: 0 }]));
    const startedAt = new Map<string, number>();
    let seq = 0;
    let latencies = new Float64Array(0);
    let received = 0;
    let expected = 0;
    let onDone: (() => void) | undefined;
    let onFail: ((err: unknown) => void) | undefined;

    const pump = (d: Driver): void => {
      while (d.inflight < INFLIGHT && d.issued < d.quota) {
        d.issued += 1;
        d.inflight += 1;
        const n = seq++;
        const messageId = `BENCH${d.index}X${n}`;
        startedAt.set(messageId, performance.now());
        d.sim
          .inbound({ from: contactOf(d.index, n), fromName: `Contact ${n % CONTACTS}`, body: bodyOf(n), messageId })
          .catch((err: unknown) => onFail?.(err));
      }
    };

    socket.on('whatsapp:new-message', (e: { sessionId: string; message: { messageId: string } }) => {
      const t0 = startedAt.get(e.message.messageId);
      if (t0 === undefined) return;
      startedAt.delete(e.message.messageId);
      if (received < latencies.length) latencies[received] = performance.now() - t0;
      received += 1;
      const d = drivers.get(e.sessionId);
      if (d) {
        d.inflight -= 1;
        pump(d);
      }
      if (received === expected) onDone?.();
    });

    const phase = async (total: number): Promise<{ seconds: number; latencies: Float64Array }> => {
      const per = Math.ceil(total / SESSIONS);
      expected = per * SESSIONS;
      received = 0;
      latencies = new Float64Array(expected);
      const done = new Promise<void>((resolve, reject) => {
        onDone = resolve;
        onFail = reject;
      });
      const t0 = performance.now();
      for (const d of drivers.values()) {
        d.issued = 0;
        d.quota = per;
        pump(d);
      }
      await withTimeout(done, PHASE_TIMEOUT_MS, `ingest of ${expected} messages (received ${received})`);
      return { seconds: (performance.now() - t0) / 1000, latencies };
    };

    if (WARMUP > 0) await phase(WARMUP);
    const measured = await phase(MESSAGES);
    const mem = process.memoryUsage();
    const sorted = measured.latencies.slice().sort((a, b) => a - b);
    const counted = await server.app.database.db.execute(sql`select count(*)::int as n from messages`);
    const n = Number((counted as unknown as { rows: { n: number }[] }).rows[0]!.n);
    return {
      rate: sorted.length / measured.seconds,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1]!,
      seconds: measured.seconds,
      stored: n,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
    };
  } finally {
    socket?.close();
    await server.close().catch((err: unknown) => console.error('close failed', err));
    await fresh.cleanup().catch(() => undefined);
  }
}

/** The same rows, written straight with Drizzle. */
async function runBaseline(mode: 'set' | 'single', total: number): Promise<{ rate: number; seconds: number; written: number }> {
  const fresh = await freshDatabase(kind);
  const db: Db = fresh.database.db;
  try {
    const companyId = newId();
    await db.insert(companies).values({ id: companyId, name: 'Baseline Co' });
    const sessionIds = Array.from({ length: SESSIONS }, () => newId());
    await db.insert(waSessions).values(sessionIds.map((id, s) => ({ id, companyId, displayName: `Baseline ${s}`, status: 'connected' as const })));

    const rowOf = (n: number) => {
      const s = n % SESSIONS;
      return {
        sessionId: sessionIds[s]!,
        waChatId: `${contactOf(s, n)}@c.us`,
        chatName: `Contact ${n % CONTACTS}`,
        waMessageId: `BASE${s}X${n}`,
        fromNumber: `${contactOf(s, n)}@c.us`,
        body: bodyOf(n),
        timestamp: new Date(),
      };
    };

    // Array parameters: one constant statement text per table whatever the batch size, so this
    // measures the database and not the building of a 100-row VALUES list (the ingest writes the
    // same way). Each select lists every column of its table in table order.
    const writeBatch = async (rows: ReturnType<typeof rowOf>[]): Promise<void> => {
      await db.transaction(async (tx) => {
        const perChat = new Map<string, { id: string; sessionId: string; waChatId: string; chatName: string; at: Date; text: string; n: number }>();
        for (const r of rows) {
          const key = `${r.sessionId}\u0000${r.waChatId}`;
          const prev = perChat.get(key);
          perChat.set(key, { id: prev?.id ?? newId(), sessionId: r.sessionId, waChatId: r.waChatId, chatName: r.chatName, at: r.timestamp, text: r.body, n: (prev?.n ?? 0) + 1 });
        }
        const list = [...perChat.values()];
        const p = <T>(f: (c: (typeof list)[number]) => T) => sql.param(list.map(f));
        const chatRows = await tx
          .insert(chats)
          .select(
            sql`select u.id, ${companyId}, u.session_id, u.wa_chat_id, null, u.chat_name, 'individual', u.at, u.text, u.n, u.n, 0, false, now(), now()
              from unnest(${p((c) => c.id)}::text[], ${p((c) => c.sessionId)}::text[], ${p((c) => c.waChatId)}::text[], ${p((c) => c.chatName)}::text[],
                ${p((c) => c.at.toISOString())}::timestamptz[], ${p((c) => c.text)}::text[], ${p((c) => c.n)}::int[]) as u(id, session_id, wa_chat_id, chat_name, at, text, n)`,
          )
          .onConflictDoUpdate({
            target: [chats.sessionId, chats.waChatId],
            set: {
              chatName: sql`coalesce(excluded.chat_name, ${chats.chatName})`,
              messageCount: sql`${chats.messageCount} + excluded.message_count`,
              unreadCount: sql`${chats.unreadCount} + excluded.unread_count`,
              lastMessageAt: sql`greatest(${chats.lastMessageAt}, excluded.last_message_at)`,
              lastMessageText: sql`excluded.last_message_text`,
              updatedAt: sql`now()`,
            },
          })
          .returning({ id: chats.id, sessionId: chats.sessionId, waChatId: chats.waChatId });
        const chatId = new Map(chatRows.map((c) => [`${c.sessionId}\u0000${c.waChatId}`, c.id]));
        const m = <T>(f: (r: (typeof rows)[number]) => T) => sql.param(rows.map(f));
        await tx
          .insert(messages)
          .select(
            sql`select u.id, ${companyId}, u.session_id, u.chat_id, u.wa_id, false, u.from_number, u.from_name, u.body, 'text', u.ts, false, null, null, false, null, null, null, now(), now()
              from unnest(${m(() => newId())}::text[], ${m((r) => r.sessionId)}::text[], ${m((r) => chatId.get(`${r.sessionId}\u0000${r.waChatId}`)!)}::text[],
                ${m((r) => r.waMessageId)}::text[], ${m((r) => r.fromNumber)}::text[], ${m((r) => r.chatName)}::text[], ${m((r) => r.body)}::text[],
                ${m((r) => r.timestamp.toISOString())}::timestamptz[]) as u(id, session_id, chat_id, wa_id, from_number, from_name, body, ts)`,
          )
          .onConflictDoNothing();
      });
    };

    const size = mode === 'set' ? BATCH : 1;
    // Warm-up: the first batches pay for plan caching and the JIT.
    for (let n = 0; n < size * 5; n += size) await writeBatch(Array.from({ length: size }, (_, i) => rowOf(10_000_000 + n + i)));
    const deadline = performance.now() + 60_000;
    const t0 = performance.now();
    let written = 0;
    while (written < total && performance.now() < deadline) {
      const rows = Array.from({ length: Math.min(size, total - written) }, (_, i) => rowOf(written + i));
      await writeBatch(rows);
      written += rows.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { rate: written / seconds, seconds, written };
  } finally {
    await fresh.cleanup().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`# ingest benchmark on ${kind}`);
  console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);
  console.log(`sessions=${SESSIONS}, messages=${MESSAGES} (+${WARMUP} warm-up), in flight per session=${INFLIGHT}, contacts per session=${CONTACTS}\n`);

  const ingest = await runIngest();
  console.log(`ingest: ${fmt(ingest.rate)} msg/s over ${fmt(ingest.seconds, 2)} s; stored ${ingest.stored} rows`);
  const set = await runBaseline('set', MESSAGES);
  console.log(`set-based: ${fmt(set.rate)} rows/s (${set.written} rows, batches of ${BATCH})`);
  const single = await runBaseline('single', SINGLE);
  console.log(`one transaction per message: ${fmt(single.rate)} rows/s (${single.written} rows)\n`);

  const target = kind === 'pglite' ? 2000 : 5000;
  console.log(
    table(
      ['database', 'what', 'msg/s', 'of set-based ceiling', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        [kind, `ingest → socket (${SESSIONS} sessions × ${INFLIGHT} in flight)`, fmt(ingest.rate), `${fmt((100 * ingest.rate) / set.rate, 1)} %`, fmt(ingest.p50, 1), fmt(ingest.p95, 1), fmt(ingest.p99, 1), fmt(ingest.max, 1)],
        [kind, `bare DB, set-based (batches of ${BATCH})`, fmt(set.rate), '100 %', '', '', '', ''],
        [kind, 'bare DB, one transaction per message', fmt(single.rate), `${fmt((100 * single.rate) / set.rate, 1)} %`, '', '', '', ''],
      ],
    ),
  );
  console.log(`\ntarget ≥ ${fmt(target)} msg/s: ${ingest.rate >= target ? 'MET' : 'NOT MET'}; process memory after the run: rss ${fmt(ingest.rssMb)} MB, heap ${fmt(ingest.heapMb)} MB`);
  console.log(`stored rows check: ${ingest.stored} (expected ${WARMUP > 0 ? Math.ceil(WARMUP / SESSIONS) * SESSIONS : 0} + ${Math.ceil(MESSAGES / SESSIONS) * SESSIONS})`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
