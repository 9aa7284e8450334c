/**
 * The crash run: contacts stream messages at a linked number while the gateway is SIGKILLed at
 * random moments and restarted; afterwards every acknowledged message must be stored exactly
 * once and every counter must equal what is stored. Used by the crash e2e suite (a few cycles)
 * and by `npm run crash-test` (many).
 *
 * Acknowledged means: for the simulator, its control API answered 2xx; for Baileys, the contact's
 * message reached the loopback WhatsApp server, which runs in its own process (only the gateway
 * dies) and redelivers what the device did not acknowledge, so every message sent must end stored.
 */
import { createPostgresDatabase, type DbKind } from './databases.js';
import { api, startServer, type RunningServer } from './server.js';
import { startWaServerProcess } from './wa-server-process.js';

type Json = Record<string, any>;

export interface CrashRunOptions {
  engine: 'simulator' | 'baileys';
  db: DbKind;
  /** How many times the gateway is stopped under load. */
  crashes: number;
  /** SIGKILL (a crash; the default) or SIGTERM (a graceful stop, which must still exit 0). */
  signal?: 'SIGKILL' | 'SIGTERM';
  /** Extra environment for the gateway. */
  env?: Record<string, string>;
  /** Concurrent streams of messages. */
  streams?: number;
  /** Each cycle streams for a random time in this range before the kill. */
  minRunMs?: number;
  maxRunMs?: number;
  log?: (line: string) => void;
}

export interface CrashRunResult {
  crashes: number;
  /** With SIGTERM: each stop's exit code and how long it took. */
  stops: { code: number | null; ms: number }[];
  /** Messages whose sending was acknowledged. */
  acknowledged: number;
  /** Calls that failed because the gateway was down or dying (not acknowledged; may or may not be stored). */
  unacknowledged: number;
  stored: number;
  missing: string[];
  duplicates: string[];
  counterMismatches: string[];
}

const post = async (url: string, body: unknown, token?: string): Promise<{ status: number; body: Json }> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // The gateway may still be starting.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Every page of a paginated list endpoint. */
async function all(baseUrl: string, url: string, token: string): Promise<Json[]> {
  const items: Json[] = [];
  for (let page = 1; ; page++) {
    const sep = url.includes('?') ? '&' : '?';
    const res = await api<Json>(baseUrl, 'GET', `${url}${sep}page=${page}&limit=100`, undefined, token);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    items.push(...(res.body.data as Json[]));
    if (items.length >= res.body.pagination.total || (res.body.data as Json[]).length === 0) return items;
  }
}

export async function runCrashCycles(opts: CrashRunOptions): Promise<CrashRunResult> {
  const log = opts.log ?? (() => undefined);
  const streams = opts.streams ?? 8;
  const minRun = opts.minRunMs ?? 400;
  const maxRun = opts.maxRunMs ?? 1500;
  const pg = opts.db === 'postgres' ? await createPostgresDatabase() : undefined;
  const wa = opts.engine === 'baileys' ? await startWaServerProcess() : undefined;
  const env: Record<string, string> = {
    // startServer recognises the start-up banner, an info line.
    LOG_LEVEL: 'info',
    JWT_SECRET: 'crash-test-secret-crash-test-secret-0123',
    ...(pg && { DATABASE_URL: pg.url }),
    ...(opts.engine === 'simulator' ? { WHATSAPP_ENGINE: 'simulator' } : { WHATSAPP_ENGINE: 'baileys', WHATSAPP_WEB_URL: wa!.url }),
    ...opts.env,
  };
  const stops: CrashRunResult['stops'] = [];
  let gateway: RunningServer | undefined;
  // The first start makes the data folder; every restart reuses it, as after a real crash.
  const start = async (): Promise<RunningServer> => (gateway = await startServer({ env, ...(gateway && { dataDir: gateway.dataDir }) }));
  try {
    let server = await start();
    const reg = await api<Json>(server.baseUrl, 'POST', '/api/auth/register', {
      companyName: 'Crash Co',
      email: `crash.${Date.now()}@example.com`,
      password: 'a long crash password',
      firstName: 'C',
      lastName: 'T',
    });
    const token = reg.body.data.accessToken as string;
    const created = await api<Json>(server.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: 'Crash line' }, token);
    const sessionId = created.body.data.sessionId as string;
    const qr = await until('the QR', async () => {
      const r = await api<Json>(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}/qr`, undefined, token);
      return r.status === 200 && (r.body.data.qrCode as string);
    });
    const phone = '77070001234';
    if (wa) {
      const scanned = await post(`${wa.admin}/scan`, { phoneNumber: phone, qr });
      if (scanned.status !== 200) throw new Error(`scan failed: ${JSON.stringify(scanned.body)}`);
    } else {
      const scanned = await post(`${server.baseUrl}/api/simulator/sessions/${sessionId}/scan`, { phoneNumber: phone }, token);
      if (scanned.status !== 200) throw new Error(`scan failed: ${JSON.stringify(scanned.body)}`);
    }
    const connected = () =>
      until('the session to connect', async () => {
        const r = await api<Json>(gateway!.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}`, undefined, token);
        return r.status === 200 && r.body.data.status === 'connected';
      });
    await connected();
    const deviceJid = wa
      ? await until('the linked device', async () => {
          const o = (await (await fetch(wa.admin)).json()) as Json;
          return o.data.accounts.find((a: Json) => a.phone === phone)?.devices[0]?.jid as string | undefined;
        })
      : undefined;

    const acknowledged = new Set<string>();
    let unacknowledged = 0;
    let seq = 0;
    const sendOne = async (): Promise<void> => {
      const n = ++seq;
      const contact = `7701000${String(n % 20).padStart(4, '0')}`;
      const messageId = `CRASH${n.toString(36).toUpperCase().padStart(8, '0')}`;
      const body = { from: contact, fromName: `Contact ${n % 20}`, body: `message ${n}`, messageId };
      try {
        const res = wa
          ? await post(`${wa.admin}/devices/${encodeURIComponent(deviceJid!)}/inbound`, body)
          : await post(`${gateway!.baseUrl}/api/simulator/sessions/${sessionId}/inbound`, body, token);
        if (res.status === 200) acknowledged.add(messageId);
        else {
          unacknowledged++;
          if (unacknowledged < 5) log(`not acknowledged: ${res.status} ${JSON.stringify(res.body)}`);
        }
      } catch {
        unacknowledged++;
      }
    };

    for (let cycle = 0; cycle < opts.crashes; cycle++) {
      let streaming = true;
      const runners = Array.from({ length: streams }, async () => {
        while (streaming) await sendOne();
      });
      const runFor = minRun + Math.random() * (maxRun - minRun);
      await sleep(runFor);
      if (opts.signal === 'SIGTERM') {
        const t0 = Date.now();
        const code = await server.stop();
        stops.push({ code, ms: Date.now() - t0 });
      } else {
        await server.kill();
      }
      streaming = false;
      await Promise.all(runners);
      log(`crash ${cycle + 1}/${opts.crashes} after ${Math.round(runFor)} ms: ${acknowledged.size} acknowledged so far`);
      server = await start();
      await connected();
    }

    // Quiescence: the loopback server has handed everything to the device, and the count holds still.
    if (wa) {
      await until(
        'the device to acknowledge everything',
        async () => {
          const o = (await (await fetch(wa.admin)).json()) as Json;
          const device = o.data.accounts.find((a: Json) => a.phone === phone)?.devices[0];
          return device?.online && device.pending === 0;
        },
        120_000,
      );
    }
    // Everything acknowledged should be there; if some never comes, the report says which.
    await until(
      'the acknowledged messages to be stored',
      async () => {
        const r = await api<Json>(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}`, undefined, token);
        return (r.body.data._count.messages as number) >= acknowledged.size;
      },
      60_000,
    ).catch(() => log('not everything acknowledged was stored within a minute'));

    // What is stored, read back through the API as a user would.
    const chats = await all(server.baseUrl, `/api/whatsapp/sessions/${sessionId}/chats?chatType=all`, token);
    const seen = new Map<string, number>();
    const counterMismatches: string[] = [];
    let stored = 0;
    for (const chat of chats) {
      const messages = await all(server.baseUrl, `/api/whatsapp/sessions/${sessionId}/chats/${chat.id}/messages`, token);
      stored += messages.length;
      for (const m of messages) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
      const unread = messages.filter((m) => !m.fromMe && !m.isRead).length;
      const latest = messages.reduce<Json | undefined>((a, m) => (!a || m.timestamp > a.timestamp ? m : a), undefined);
      if (chat._count.messages !== messages.length) counterMismatches.push(`${chat.chatId}: _count.messages ${chat._count.messages} ≠ ${messages.length}`);
      if (chat.unreadCount !== unread) counterMismatches.push(`${chat.chatId}: unreadCount ${chat.unreadCount} ≠ ${unread}`);
      if (latest && chat.lastMessageAt !== latest.timestamp) counterMismatches.push(`${chat.chatId}: lastMessageAt ${chat.lastMessageAt} ≠ ${latest.timestamp}`);
    }
    const session = (await api<Json>(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}`, undefined, token)).body.data;
    if (session._count.messages !== stored) counterMismatches.push(`session _count.messages ${session._count.messages} ≠ ${stored}`);
    if (session._count.chats !== chats.length) counterMismatches.push(`session _count.chats ${session._count.chats} ≠ ${chats.length}`);
    const stats = (await api<Json>(server.baseUrl, 'GET', '/api/whatsapp/stats', undefined, token)).body.data;
    if (stats.messages.total !== stored) counterMismatches.push(`stats messages.total ${stats.messages.total} ≠ ${stored}`);
    if (stats.chats.total !== chats.length) counterMismatches.push(`stats chats.total ${stats.chats.total} ≠ ${chats.length}`);

    return {
      crashes: opts.crashes,
      stops,
      acknowledged: acknowledged.size,
      unacknowledged,
      stored,
      missing: [...acknowledged].filter((id) => !seen.has(id)),
      duplicates: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
      counterMismatches,
    };
  } finally {
    await gateway?.stop().catch(() => undefined);
    await wa?.stop().catch(() => undefined);
    await pg?.drop().catch(() => undefined);
  }
}
