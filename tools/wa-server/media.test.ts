/**
 * Media with a bare Baileys socket (makeWASocket as anyone would use it, `fetchAgent` trusting the
 * media host's certificate) against the loopback WhatsApp Web server: media_conn, a contact's
 * files arriving as a phone sends them, the device's uploads through Baileys' own upload path
 * checked by the receiving contact, the host's refusals, expiry (410), the media retry both ways,
 * and files outliving a restart of the server process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Boom } from '@hapi/boom';
import makeWASocket, {
  Browsers,
  DisconnectReason,
  downloadEncryptedContent,
  getMediaKeys,
  toNumber,
  useMultiFileAuthState,
  type MediaType,
  type WAMessage,
  type WASocket,
} from 'baileys';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeLibsignalConsole } from '../../src/whatsapp/engines/baileys/libsignal-console.js';
import { adminHttp } from './admin-http.js';
import { WaTestServer } from './server.js';
import { SAMPLE_THUMBNAIL_JPEG as JPEG_THUMBNAIL } from '../../src/whatsapp/engines/simulator/sample-thumbnail.js';

const DANA = '77012223344';

// libsignal narrates session changes on the console; the gateway routes it to its logger too.
routeLibsignalConsole(pino({ level: 'silent' }));

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** One HTTPS exchange with the media host, trusting only its certificate. */
function https(agent: Agent, url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(url, { agent, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Baileys' own decryption of a downloaded file (its fetch reads the bytes from a data: URL). */
async function baileysDecrypt(encrypted: Buffer, mediaKey: Uint8Array, type: MediaType): Promise<Buffer> {
  const stream = await downloadEncryptedContent(`data:application/octet-stream;base64,${encrypted.toString('base64')}`, await getMediaKeys(mediaKey, type));
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A bare Baileys socket linked by QR (with its 515 restart), and the messages it receives. */
async function linkBareSocket(server: WaTestServer, phone: string, agent: Agent) {
  const { state, saveCreds } = await useMultiFileAuthState(await mkdtemp(path.join(tmpdir(), 'wa-bare-')));
  const received: WAMessage[] = [];
  const open = (): WASocket => {
    const sock = makeWASocket({
      auth: state,
      waWebSocketUrl: server.url,
      version: [2, 3000, 1027934701],
      logger: pino({ level: 'silent' }),
      browser: Browsers.macOS('Chrome'),
      markOnlineOnConnect: false,
      fetchAgent: agent,
    });
    sock.ev.on('creds.update', saveCreds);
    sock.ev.on('messages.upsert', ({ messages }) => void received.push(...messages));
    return sock;
  };
  const sock = await new Promise<WASocket>((resolve, reject) => {
    const watch = (s: WASocket): void => {
      s.ev.on('connection.update', (u) => {
        if (u.qr) server.scan(u.qr, phone).catch(reject);
        if (u.connection === 'open') resolve(s);
        if (u.connection !== 'close') return;
        const code = (u.lastDisconnect?.error as Boom | undefined)?.output.statusCode;
        if (code === DisconnectReason.restartRequired) watch(open());
        else reject(u.lastDisconnect?.error ?? new Error('closed'));
      });
    };
    watch(open());
  });
  const message = async (id: string): Promise<WAMessage> => {
    await expect.poll(() => received.some((m) => m.key.id === id), { timeout: 15_000 }).toBe(true);
    return received.find((m) => m.key.id === id)!;
  };
  return { sock, message };
}

describe('media through the loopback media host, with a bare Baileys socket', () => {
  const OWNER = '77071112233';
  let stateFile: string;
  let server: WaTestServer;
  let agent: Agent;
  let device: Awaited<ReturnType<typeof linkBareSocket>>;
  const photo = JPEG_THUMBNAIL;
  const control = () => server.device(`${OWNER}:2@s.whatsapp.net`);
  const hosted = (directPath: string) => https(agent, `https://${server.mediaHost}${directPath}`);
  const sentRecord = async (id: string) => (await control().sent()).find((r) => r.kind === 'message' && r.messageId === id);
  const contactImage = async (caption: string) => {
    const { messageId } = await control().inbound({ from: DANA, fromName: 'Dana', body: '', type: 'image', media: { base64: photo.toString('base64'), mimetype: 'image/jpeg', caption } });
    return device.message(messageId);
  };

  beforeAll(async () => {
    stateFile = path.join(await mkdtemp(path.join(tmpdir(), 'wa-media-')), 'state.json');
    server = await WaTestServer.start({ stateFile, http: adminHttp });
    agent = new Agent({ ca: server.mediaCa });
    device = await linkBareSocket(server, OWNER, agent);
  });

  afterAll(async () => {
    await device?.sock.end(undefined);
    agent?.destroy();
    await server?.close();
  });

  it('media_conn names the HTTPS host; a contact’s image arrives as a phone sends it and decrypts to the same bytes', async () => {
    const conn = await device.sock.refreshMediaConn(true);
    expect(conn.hosts.map((h) => h.hostname)).toEqual([server.mediaHost]);
    expect(server.mediaHost).toMatch(/^127\.0\.0\.1:\d+$/);

    const msg = await contactImage('Look at this');
    const image = msg.message!.imageMessage!;
    expect(image).toMatchObject({ mimetype: 'image/jpeg', caption: 'Look at this' });
    expect(toNumber(image.fileLength)).toBe(photo.length);
    expect(Buffer.from(image.fileSha256!).toString('hex')).toBe(sha256(photo));
    expect(image.mediaKey).toHaveLength(32);
    expect(toNumber(image.mediaKeyTimestamp)).toBeGreaterThan(0);
    expect(Buffer.from(image.jpegThumbnail!).subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(image.directPath).toMatch(/^\/v\/t62\.7118-24\/\d+_\d+_\d+_n\.enc\?ccb=11-4&oh=01_[\w-]+&oe=[0-9A-F]+&_nc_sid=5e03e0$/);
    expect(image.url).toBe(`https://${server.mediaHost}${image.directPath}&mms3=true`);

    const file = await hosted(image.directPath!);
    expect(file.status).toBe(200);
    expect(sha256(file.body)).toBe(Buffer.from(image.fileEncSha256!).toString('hex'));
    expect(sha256(await baileysDecrypt(file.body, image.mediaKey!, 'image'))).toBe(sha256(photo));

    // Byte ranges, as Baileys asks for when it downloads a part of a file.
    const part = await https(agent, `https://${server.mediaHost}${image.directPath}`, { headers: { range: 'bytes=16-47' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 16-47/${file.body.length}`);
    expect(part.body).toEqual(file.body.subarray(16, 48));
    expect((await hosted(image.directPath!.replace(/\/\d+_/, '/1_'))).status).toBe(404);
    expect((await hosted(image.directPath!.replace(/oh=01_[\w-]+/, 'oh=01_forged'))).status).toBe(403);
  });

  it('a document, a voice note and a sticker from a contact carry what their kind has', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
    const doc = await control().inbound({ from: DANA, body: '', type: 'document', media: { base64: pdf.toString('base64'), mimetype: 'application/pdf', fileName: 'offer.pdf', caption: 'The offer' } });
    expect((await device.message(doc.messageId)).message!.documentMessage).toMatchObject({ fileName: 'offer.pdf', title: 'offer.pdf', caption: 'The offer', mimetype: 'application/pdf' });
    const voice = await control().inbound({ from: DANA, body: '', type: 'audio', media: { base64: randomBytes(900).toString('base64'), mimetype: 'audio/ogg; codecs=opus', isVoiceNote: true } });
    expect((await device.message(voice.messageId)).message!.audioMessage).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus' });
    const sticker = await control().inbound({ from: DANA, body: '', type: 'sticker', media: { base64: randomBytes(700).toString('base64'), mimetype: 'image/webp' } });
    const s = (await device.message(sticker.messageId)).message!.stickerMessage!;
    expect(s.directPath).toMatch(/^\/v\/t62\.7118-24\//);
    expect((await hosted(s.directPath!)).status).toBe(200);
  });

  it('the device uploads with Baileys’ own upload path; the contact downloads, checks and decrypts what it received', async () => {
    const to = `${DANA}@s.whatsapp.net`;
    const image = await device.sock.sendMessage(to, { image: photo, caption: 'From the device', mimetype: 'image/jpeg' });
    await expect.poll(() => sentRecord(image!.key.id!)).toMatchObject({
      messageType: 'image',
      body: 'From the device',
      media: { sha256: sha256(photo), sizeBytes: photo.length, mimetype: 'image/jpeg' },
    });
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(200_000)]);
    const doc = await device.sock.sendMessage(to, { document: pdf, mimetype: 'application/pdf', fileName: 'report.pdf' });
    await expect.poll(() => sentRecord(doc!.key.id!)).toMatchObject({
      messageType: 'document',
      media: { sha256: sha256(pdf), sizeBytes: pdf.length, mimetype: 'application/pdf', fileName: 'report.pdf' },
    });
    const ogg = randomBytes(4000);
    const voice = await device.sock.sendMessage(to, { audio: ogg, mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 1 });
    await expect.poll(() => sentRecord(voice!.key.id!)).toMatchObject({ messageType: 'audio', media: { sha256: sha256(ogg), isVoiceNote: true } });

    // A message that misstates its file: the contact's checks fail, so the record has no media.
    const forged = await device.sock.relayMessage(to, { imageMessage: { ...image!.message!.imageMessage!, fileSha256: randomBytes(32) } }, {});
    await expect.poll(() => sentRecord(forged)).toMatchObject({ messageType: 'image' });
    expect(await sentRecord(forged)).not.toHaveProperty('media');
  });

  it('the admin API sends a contact’s file, expires it and hands out the certificate', async () => {
    const admin = async (route: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/admin${route}`, body ? { method: 'POST', body: JSON.stringify(body) } : {});
      return (await res.json()) as { ok: boolean; data: Record<string, string>; error?: string };
    };
    expect((await admin('/media-ca')).data).toEqual({ host: server.mediaHost, ca: server.mediaCa });
    const jid = encodeURIComponent(`${OWNER}:2@s.whatsapp.net`);
    const doc = Buffer.from('plain text file');
    const sent = await admin(`/devices/${jid}/inbound`, { from: DANA, type: 'document', media: { base64: doc.toString('base64'), mimetype: 'text/plain', fileName: 'notes.txt' } });
    const message = (await device.message(sent.data.messageId!)).message!.documentMessage!;
    expect(message).toMatchObject({ fileName: 'notes.txt', mimetype: 'text/plain' });
    expect(await admin(`/devices/${jid}/media-expiry`, { messageId: sent.data.messageId, reupload: false })).toMatchObject({ ok: true });
    expect((await hosted(message.directPath!)).status).toBe(410);
    expect(await admin(`/devices/${jid}/inbound`, { from: DANA, type: 'image' })).toMatchObject({ ok: false, error: '"media" must be an object' });
  });

  it('refuses an upload without a valid auth or whose body does not hash to its token', async () => {
    const body = randomBytes(64);
    const token = createHash('sha256').update(body).digest('base64url');
    const { auth } = server.media.mediaConn();
    const post = (a: string, t: string, b: Buffer) => https(agent, `https://${server.mediaHost}/mms/image/${t}?auth=${encodeURIComponent(a)}&token=${t}`, { method: 'POST', body: b });
    expect((await post('not-issued', token, body)).status).toBe(401);
    expect((await post(auth, token, randomBytes(64))).status).toBe(400);
    const ok = await post(auth, token, body);
    expect(ok.status).toBe(200);
    const answer = JSON.parse(ok.body.toString()) as { url: string; direct_path: string };
    expect(answer.url).toBe(`https://${server.mediaHost}${answer.direct_path}&mms3=true`);
    expect((await hosted(answer.direct_path)).body).toEqual(body);
  });

  it('an expired file answers 410; the media retry gets the phone to upload it again under a new direct path', async () => {
    const msg = await contactImage('expires');
    const before = msg.message!.imageMessage!.directPath!;
    await control().expireMedia({ messageId: msg.key.id!, reupload: true });
    expect((await hosted(before)).status).toBe(410);

    const updated = await device.sock.updateMediaMessage(msg);
    const image = updated.message!.imageMessage!;
    expect(image.directPath).not.toBe(before);
    expect(image.url).toBe(`https://${server.mediaHost}${image.directPath}`);
    const file = await hosted(image.directPath!);
    expect(file.status).toBe(200);
    expect(sha256(await baileysDecrypt(file.body, image.mediaKey!, 'image'))).toBe(sha256(photo));
    expect((await hosted(before)).status).toBe(410);
  });

  it('when the phone no longer has the file, the media retry fails with NOT_FOUND', async () => {
    const msg = await contactImage('gone');
    await control().expireMedia({ messageId: msg.key.id!, reupload: false });
    expect((await hosted(msg.message!.imageMessage!.directPath!)).status).toBe(410);
    await expect(device.sock.updateMediaMessage(msg)).rejects.toMatchObject({ message: expect.stringContaining('NOT_FOUND'), output: { statusCode: 404 } });
    await expect(control().expireMedia({ messageId: 'NO-SUCH-MESSAGE', reupload: true })).rejects.toThrow(/No contact sent a file/);
  });

  it('files outlive a restart of the server process: same direct paths, a new port and certificate', async () => {
    const msg = await contactImage('kept');
    const directPath = msg.message!.imageMessage!.directPath!;
    await device.sock.end(undefined);
    agent.destroy();
    await server.close();
    server = await WaTestServer.start({ stateFile });
    agent = new Agent({ ca: server.mediaCa });
    const file = await hosted(directPath);
    expect(file.status).toBe(200);
    expect(sha256(await baileysDecrypt(file.body, msg.message!.imageMessage!.mediaKey!, 'image'))).toBe(sha256(photo));
  });
});
