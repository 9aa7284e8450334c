/**
 * Memory per linked WhatsApp number on the real engine: the compiled gateway (Baileys) against the
 * loopback WhatsApp Web server in its own process. N sessions are linked from the QR images the
 * gateway shows, then contacts write to each (C contacts × M messages: chats, contacts and
 * history in every account), and the gateway's resident memory is read before and after, idle.
 *
 *   tsx bench/sessions-memory.ts [--sessions 100] [--contacts 10] [--messages 5] [--db pglite|postgres]
 */
import { readFileSync } from 'node:fs';
import { createPostgresDatabase } from '../test/helpers/databases.js';
import { startServer } from '../test/helpers/server.js';
import { startWaServerProcess } from '../test/helpers/wa-server-process.js';
import { api, dbKindOf, flags, fmt, machine, registerAdmin, table } from './lib.js';

const opts = flags({ sessions: '100', contacts: '10', messages: '5', db: 'pglite' });
const SESSIONS = Number(opts.sessions);
const CONTACTS = Number(opts.contacts);
const MESSAGES = Number(opts.messages);
const kind = dbKindOf(opts.db);

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = async (url: string, body: unknown): Promise<number> => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;

const m = machine();
console.log(`# ${SESSIONS} linked numbers on the real engine (${kind}), ${CONTACTS} contacts × ${MESSAGES} messages each`);
console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);
const wa = await startWaServerProcess();
const pg = kind === 'postgres' ? await createPostgresDatabase() : undefined;
const gateway = await startServer({ env: { WHATSAPP_ENGINE: 'baileys', WHATSAPP_WEB_URL: wa.url, ...(pg && { DATABASE_URL: pg.url }) } });
try {
  const { token } = await registerAdmin(gateway.baseUrl);
  await settle(5000);
  const idle = rssMb(gateway.pid);

  const started = Date.now();
  const devices: string[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const created = await api(gateway.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: `Line ${s}` }, token);
    const sessionId = created.body.data.sessionId as string;
    const qr = await api(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}/qr`, undefined, token);
    const phone = `7708${String(s).padStart(7, '0')}`;
    if ((await post(`${wa.admin}/scan`, { phoneNumber: phone, qr: qr.body.data.qrCode })) !== 200) throw new Error(`scan of ${s} failed`);
    for (let i = 0; i < 500; i++) {
      const got = await api(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}`, undefined, token);
      if (!got.body.data) throw new Error(`session ${sessionId}: ${got.status} ${JSON.stringify(got.body)} ${gateway.output().split('\n').filter((l) => l.includes('overloaded')).slice(0, 3).join('\n')}`);
      if (got.body.data.status === 'connected') break;
      await settle(20);
    }
    const overview = (await (await fetch(wa.admin)).json()) as { data: { accounts: { phoneNumber?: string; devices: { jid: string }[] }[] } };
    const account = overview.data.accounts.find((a) => a.devices.some((d) => d.jid.startsWith(`${phone}:`)))!;
    devices.push(account.devices.find((d) => d.jid.startsWith(`${phone}:`))!.jid);
  }
  const linkedIn = Date.now() - started;
  await settle(5000);
  const linked = rssMb(gateway.pid);

  for (const [s, device] of devices.entries()) {
    for (let c = 0; c < CONTACTS; c++) {
      for (let k = 0; k < MESSAGES; k++) {
        const status = await post(`${wa.admin}/devices/${encodeURIComponent(device)}/inbound`, { from: `7709${String(s * CONTACTS + c).padStart(7, '0')}`, fromName: `Contact ${c}`, body: `message ${k} to line ${s}` });
        if (status !== 200) throw new Error(`inbound failed: ${status}`);
      }
    }
  }
  const expected = SESSIONS * CONTACTS * MESSAGES;
  for (let i = 0; i < 600; i++) {
    const stats = await api(gateway.baseUrl, 'GET', '/api/whatsapp/stats', undefined, token);
    if (Number(stats.body.data.messages.received) >= expected) break;
    await settle(500);
  }
  await settle(10_000);
  const busy = rssMb(gateway.pid);

  console.log(
    table(
      ['gateway state', 'RSS MB', 'per number MB'],
      [
        ['idle, no number linked (the floor)', fmt(idle), ''],
        [`${SESSIONS} numbers linked (${fmt(linkedIn / SESSIONS)} ms each to link)`, fmt(linked), fmt((linked - idle) / SESSIONS, 2)],
        [`… with ${fmt(SESSIONS * CONTACTS)} chats and ${fmt(expected)} messages received`, fmt(busy), fmt((busy - idle) / SESSIONS, 2)],
      ],
    ),
  );
} finally {
  await gateway.stop();
  await wa.stop();
  await pg?.drop();
}
process.exit(0);
