/**
 * Read API under concurrent load: `GET …/chats` and `GET …/chats/{chatId}/messages` on a session
 * with 10,000 chats and 200,000 messages, driven by autocannon over loopback from its own process
 * (bench/load.ts), so the load generator does not share the server's event loop; on this 2-core
 * machine the two still share the CPU.
 *
 *   tsx bench/api.ts [--db pglite|postgres] [--chats 10000] [--messages 200000] [--connections 32] [--seconds 10]
 */
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { api, dbKindOf, flags, fmt, freshDatabase, machine, registerAdmin, startApp, table } from './lib.js';

const opts = flags({ db: 'pglite', chats: '10000', messages: '200000', connections: '32', seconds: '10' });
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
  try {
    const { token } = await registerAdmin(running.baseUrl);
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
    const cases: { name: string; paths: string[] }[] = [
      { name: 'GET …/chats (page 1, limit 50)', paths: [`${base}/chats?limit=50`] },
      { name: `GET …/chats (random page of ${PAGES}, limit 50)`, paths: Array.from({ length: PAGES }, (_, i) => `${base}/chats?limit=50&page=${i + 1}`) },
      { name: 'GET …/chats/{id}/messages (random chat, limit 50)', paths: chatPaths },
    ];
    // Every case must answer 200 with data and the right total before it is measured.
    for (const c of cases) {
      const res = await api(running.baseUrl, 'GET', c.paths[c.paths.length - 1]!, undefined, token);
      const expectedTotal = c.paths[0]!.includes('/messages') ? undefined : CHATS;
      if (res.status !== 200 || !Array.isArray(res.body.data) || res.body.data.length === 0 || (expectedTotal !== undefined && res.body.pagination.total !== expectedTotal)) {
        throw new Error(`${c.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }

    const rows: (string | number)[][] = [];
    for (const c of cases) {
      const spec = { url: running.baseUrl, token, paths: c.paths, connections: Number(opts.connections), seconds: Number(opts.seconds) };
      // Spawned, not run synchronously: this process's event loop serves the load while it waits.
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load generator exited with ${code}`))));
      });
      const r = JSON.parse(out) as { rps: number; p50: number; p99: number; total: number; non2xx: number; errors: number };
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      rows.push([kind, c.name, fmt(r.rps), fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.total)]);
      console.log(`${c.name}: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
    }
    console.log(`\n${opts.connections} connections, ${opts.seconds} s per case\n`);
    console.log(table(['database', 'request', 'req/s', 'p50 ms', 'p99 ms', 'requests'], rows));
  } finally {
    // The app closes the database it was given; cleanup then only drops a PostgreSQL one.
    await running.close();
    await fresh.cleanup().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
