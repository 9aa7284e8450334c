/**
 * Received media on the real engine: the compiled gateway (Baileys) linked to S numbers on the
 * loopback WhatsApp Web server in its own process, whose contacts send N files of a given size,
 * encrypted and hosted on its HTTPS media host as WhatsApp's are. The files arrive while the
 * gateway is stopped (the phones' side is slower than the gateway's and would be what is measured
 * otherwise); the gateway then starts to that backlog. Measured: how long until every file is
 * fetched, decrypted, checked and stored (times from the gateway's start: its messages first, then
 * its files), and the gateway's resident memory meanwhile (it must not grow with the file size:
 * files stream to disk). Beside it, from the same run, the
 * machine's limits for the same bytes: decrypting and hashing them on one core, and writing them.
 *
 *   tsx bench/media.ts [--files 500] [--kb 200] [--sessions 4] [--concurrency 4]
 *   tsx bench/media.ts --files 25 --kb 20480        # 20 MB videos
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../test/helpers/server.js';
import { startWaServerProcess } from '../test/helpers/wa-server-process.js';
import { api, flags, fmt, machine, registerAdmin, table } from './lib.js';

const opts = flags({ files: '500', kb: '200', sessions: '4', concurrency: '4' });
const FILES = Number(opts.files);
const SIZE = Number(opts.kb) * 1024;
const SESSIONS = Number(opts.sessions);
const kind = SIZE >= 1024 * 1024 ? 'video' : 'image';

const status = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** User + system CPU seconds of a process so far. */
const cpuSec = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = async (url: string, body: unknown): Promise<{ status: number; text: string }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
};

/** What the gateway does per byte (AES-256-CBC decrypt, HMAC, sha256 of both sides), on one core. */
function cryptoLimitMBps(): number {
  const data = randomBytes(64 * 1024 * 1024);
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const enc = Buffer.concat([createCipheriv('aes-256-cbc', key, iv).update(data), createCipheriv('aes-256-cbc', key, iv).final()]);
  const started = process.hrtime.bigint();
  const d = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  createHmac('sha256', key).update(enc).digest();
  createHash('sha256').update(enc).digest();
  createHash('sha256').update(d.update(enc)).digest();
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  return data.length / 2 ** 20 / s;
}

/** Writing the same volume to the same disk, in 64 KiB chunks, then fsync. */
async function diskLimitMBps(dir: string, bytes: number): Promise<number> {
  const file = path.join(dir, 'disk-probe');
  const chunk = randomBytes(64 * 1024);
  const started = process.hrtime.bigint();
  const fh = await open(file, 'w');
  for (let written = 0; written < bytes; written += chunk.length) await fh.write(chunk);
  await fh.sync();
  await fh.close();
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  await rm(file, { force: true });
  return bytes / 2 ** 20 / s;
}

const m = machine();
console.log(`# ${FILES} received ${kind}s of ${fmt(SIZE / 1024)} KiB across ${SESSIONS} numbers, real engine, download concurrency ${opts.concurrency}`);
console.log(`machine: nproc=${m.nproc}, cpu=${m.cpu}, ${m.memory}, node ${m.node}, ${m.date}`);
const wa = await startWaServerProcess();
const env = {
  WHATSAPP_ENGINE: 'baileys',
  WHATSAPP_WEB_URL: wa.url,
  WHATSAPP_MEDIA_CA_FILE: wa.mediaCaFile,
  MEDIA_MAX_BYTES: String(Math.max(SIZE + 1024, 16 * 1024 * 1024)),
  MEDIA_DOWNLOAD_CONCURRENCY: opts.concurrency,
};
let gateway = await startServer({ env });
const scratch = await mkdtemp(path.join(tmpdir(), 'bench-media-'));
try {
  const { token } = await registerAdmin(gateway.baseUrl);
  const sessions: { id: string; device: string }[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const created = await api(gateway.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: `Media ${s}` }, token);
    const id = created.body.data.sessionId as string;
    const qr = await api(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${id}/qr`, undefined, token);
    const phone = `7709${String(s).padStart(7, '0')}`;
    const scanned = await post(`${wa.admin}/scan`, { phoneNumber: phone, qr: qr.body.data.qrCode });
    if (scanned.status !== 200) throw new Error(`scan failed: ${scanned.text}`);
    for (let i = 0; i < 500 && (await api(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${id}`, undefined, token)).body.data.status !== 'connected'; i++) await settle(20);
    const overview = (await (await fetch(wa.admin)).json()) as { data: { accounts: { devices: { jid: string }[] }[] } };
    const device = overview.data.accounts.flatMap((a) => a.devices).find((d) => d.jid.startsWith(`${phone}:`))!.jid;
    sessions.push({ id, device });
  }
  await settle(3000);
  const idleRss = status(gateway.pid, 'VmRSS');
  await gateway.stop();

  /** Messages and file bytes stored so far, from the sessions' counters. */
  const stored = async () => {
    let messages = 0;
    let bytes = 0;
    for (const s of sessions) {
      const count = (await api(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${s.id}`, undefined, token)).body.data?._count;
      messages += count?.messages ?? 0;
      bytes += count?.mediaBytes ?? 0;
    }
    return { messages, bytes };
  };
  // Distinct files (content-addressed storage would keep one copy of equal ones).
  const seed = randomBytes(SIZE);
  const fileOf = (i: number) => {
    const f = Buffer.from(seed);
    f.writeUInt32BE(i, 0);
    return f;
  };
  let started = Date.now();
  let next = 0;
  // The contacts' phones send with some parallelism (less for big files: each is a JSON body of its base64), each file once.
  await Promise.all(
    Array.from({ length: SIZE >= 1024 * 1024 ? 2 : 8 }, async () => {
      for (let i = next++; i < FILES; i = next++) {
        const s = sessions[i % SESSIONS]!;
        const res = await post(`${wa.admin}/devices/${encodeURIComponent(s.device)}/inbound`, {
          from: `7701${String(i % 50).padStart(7, '0')}`,
          type: kind,
          media: { base64: fileOf(i).toString('base64'), mimetype: kind === 'video' ? 'video/mp4' : 'image/jpeg' },
        });
        if (res.status !== 200) throw new Error(`inbound failed: ${res.text}`);
      }
    }),
  );
  const deliveredMs = Date.now() - started;
  started = Date.now();
  gateway = await startServer({ env, dataDir: gateway.dataDir });
  const startedMs = Date.now() - started;
  let peakRss = status(gateway.pid, 'VmRSS');
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, status(gateway.pid, 'VmRSS'))), 50);
  const want = FILES * SIZE;
  let messagesMs = 0;
  for (let i = 0; ; i++) {
    const have = await stored();
    if (!messagesMs && have.messages >= FILES) messagesMs = Date.now() - started;
    if (have.bytes >= want) break;
    if (i > 12_000) throw new Error(`only ${have.bytes} of ${want} bytes stored after 20 minutes`);
    await settle(100);
  }
  const storedMs = Date.now() - started;
  const gatewayCpu = cpuSec(gateway.pid);
  clearInterval(sampler);
  const hwm = status(gateway.pid, 'VmHWM');

  const crypto = cryptoLimitMBps();
  const disk = await diskLimitMBps(scratch, Math.min(want, 512 * 2 ** 20));
  const mb = want / 2 ** 20;
  console.log(
    table(
      ['files', 'size', 'total', 'sent by the phones (gateway off)', 'gateway up', 'messages stored', 'files stored', 'files after the last message', 'file MB/s after it', 'crypto limit MB/s (1 core)', 'disk write MB/s', 'gateway CPU', 'RSS idle', 'RSS peak (50 ms samples)', 'VmHWM'],
      [[FILES, `${fmt(SIZE / 1024)} KiB`, `${fmt(mb)} MiB`, `${fmt(deliveredMs / 1000, 1)} s`, `${fmt(startedMs / 1000, 1)} s`, `${fmt(messagesMs / 1000, 1)} s`, `${fmt(storedMs / 1000, 1)} s`, `${fmt((storedMs - messagesMs) / 1000, 1)} s`, fmt(mb / Math.max((storedMs - messagesMs) / 1000, 0.1), 1), fmt(crypto), fmt(disk), `${fmt(gatewayCpu, 1)} s`, `${fmt(idleRss)} MB`, `${fmt(peakRss)} MB`, `${fmt(hwm)} MB`]],
    ),
  );
} finally {
  await gateway.stop();
  await wa.stop();
  await rm(scratch, { recursive: true, force: true });
}
