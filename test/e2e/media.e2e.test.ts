/**
 * Media end to end on both engines (issue "Media"): contacts send a photo, a voice note, a video, a
 * PDF and a sticker; each is fetched, checked and stored, served byte for byte with Range and its
 * thumbnail, and reachable through a signed link bound to its message. Our own files go through
 * the engine's real upload path (on Baileys: encrypted, uploaded to the loopback server's media
 * host, and decrypted there by the contact). A restart in the middle of downloads resumes them;
 * the same file twice is one file; the size limit and expiry end in states that say why.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import { connectSocket, eventually, type EventRecorder } from '../helpers/socket.js';
import { engineModes } from './engine-modes.js';
import { registerAndLink } from './linked-admin.js';

type Json = Record<string, any>;

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../fixtures', name));
const photo = fixture('photo.jpg');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MAX_BYTES = 400_000;
/** Distinct bytes of a given size (so each file is its own blob). */
const bytes = (size: number, seed: string) => {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
};

/** Every blob in the data folder's content-addressed media store. */
async function blobs(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'media');
  const out: string[] = [];
  for (const a of await readdir(root).catch(() => [] as string[])) {
    if (a === 'tmp') continue;
    for (const b of await readdir(path.join(root, a))) out.push(...(await readdir(path.join(root, a, b))));
  }
  return out;
}

describe.each(engineModes())('media on the $name engine', (mode) => {
  let server: RunningServer;
  let token: string;
  let events: EventRecorder;
  let socket: Socket;
  let sessionId: string;
  const contact = '77015550123';
  const chat = `${contact}@c.us`;

  const as = <T = Json>(method: string, url: string, body?: unknown, t = token) => api<T>(server.baseUrl, method, url, body, t);
  const sim = (what: string, body: unknown) => as('POST', `/api/simulator/sessions/${sessionId}/${what}`, body);
  const list = async (): Promise<Json[]> => (await as('GET', `/api/whatsapp/sessions/${sessionId}/chats/${chat}/messages?limit=100`)).body.data;
  const receive = async (type: string, data: Buffer, media: Json = {}): Promise<string> => {
    const res = await sim('inbound', { from: contact, fromName: 'Алия', type, media: { base64: data.toString('base64'), ...media } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.messageId;
  };
  /** The message once its file settled, announced by `whatsapp:message-updated`. */
  const settled = async (messageId: string): Promise<Json> => {
    const update = await events.wait('whatsapp:message-updated', (e) => e.messageId === messageId && e.changes.media?.state !== 'pending', 30_000);
    const row = (await list()).find((m) => m.messageId === messageId)!;
    expect(row.media.state).toBe(update.changes.media?.state);
    return row;
  };
  const download = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(server.baseUrl + url, { headers });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  const start = async (dataDir?: string) => {
    server = await startServer({ env: { ...mode.env, MEDIA_MAX_BYTES: String(MAX_BYTES), SEND_RATE_PER_MINUTE: '1000' }, ...(dataDir && { dataDir }) });
  };
  const connect = async () => {
    ({ socket, events } = await connectSocket(server.baseUrl, token));
  };

  beforeAll(async () => {
    await start();
    ({ token, socket, events, sessionId } = await registerAndLink(server, 'Media Co', '77070000002'));
  }, 90_000);

  afterAll(async () => {
    socket?.close();
    await server?.stop();
  });

  it('a photo, a voice note, a video, a PDF and a sticker arrive, are stored and served byte for byte', async () => {
    const voice = bytes(48_000, 'voice');
    const video = bytes(300_000, 'video');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), bytes(20_000, 'pdf')]);
    const sticker = Buffer.concat([Buffer.from('RIFF'), bytes(6_000, 'sticker')]);
    const sent = {
      image: { data: photo, media: { mimetype: 'image/jpeg', caption: 'Вот эта кружка' } },
      audio: { data: voice, media: { mimetype: 'audio/ogg; codecs=opus', isVoiceNote: true } },
      video: { data: video, media: { mimetype: 'video/mp4', caption: 'unboxing' } },
      document: { data: pdf, media: { mimetype: 'application/pdf', fileName: 'Счёт №17.pdf' } },
      sticker: { data: sticker, media: { mimetype: 'image/webp' } },
    };
    const ids: Record<string, string> = {};
    for (const [type, f] of Object.entries(sent)) ids[type] = await receive(type, f.data, f.media);

    for (const [type, f] of Object.entries(sent)) {
      const m = await settled(ids[type]!);
      expect(m.messageType).toBe(type);
      expect(m.media).toMatchObject({ state: 'stored', sha256: sha(f.data), sizeBytes: f.data.length, mimetype: f.media.mimetype });
      // Without an Authorization header, through the signed link of the message view.
      const file = await download(m.media.url);
      expect(file.status).toBe(200);
      expect(sha(file.body)).toBe(sha(f.data));
      expect(file.headers.get('content-type')).toBe(f.media.mimetype.split(';')[0]);
      expect(file.headers.get('content-length')).toBe(String(f.data.length));
      expect(file.headers.get('etag')).toBe(`"${sha(f.data)}"`);
    }
    const [image, audio, doc] = [await settled(ids.image!), await settled(ids.audio!), await settled(ids.document!)];
    expect(image.body).toBe('Вот эта кружка');
    expect(audio.media.isVoiceNote).toBe(true);
    expect(doc.media.fileName).toBe('Счёт №17.pdf');
    expect((await download(doc.media.url)).headers.get('content-disposition')).toContain('attachment');

    // An audio player seeks: a byte range of the voice note.
    const part = await download(audio.media.url, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${voice.length}`);
    expect(part.body.equals(voice.subarray(1000, 2000))).toBe(true);

    // The thumbnail WhatsApp sent with the photo.
    const thumb = await download(image.media.thumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(thumb.body.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);

    // A link is bound to its message and expires; with the header the plain path works.
    const query = image.media.url.split('?')[1];
    expect((await download(`/api/whatsapp/sessions/${sessionId}/messages/${doc.id}/media?${query}`)).status).toBe(401);
    expect((await download(image.media.url.replace(/exp=\d+/, `exp=${Math.floor(Date.now() / 1000) - 1}`))).status).toBe(401);
    const plain = await download(`/api/whatsapp/sessions/${sessionId}/messages/${ids.image}/media`, { authorization: `Bearer ${token}` });
    expect(sha(plain.body)).toBe(sha(photo));

    const session = (await as('GET', `/api/whatsapp/sessions/${sessionId}`)).body.data;
    expect(session._count.mediaBytes).toBe(Object.values(sent).reduce((n, f) => n + f.data.length, 0));
  }, 120_000);

  it('our own files go out through the real upload path and the contact receives the same bytes', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), bytes(30_000, 'our invoice')]);
    const voice = bytes(24_000, 'our voice');
    const clip = bytes(120_000, 'our video');
    const sticker = Buffer.concat([Buffer.from('RIFF'), bytes(5_000, 'our sticker')]);
    const outgoing = [
      { type: 'image', message: 'Ваш заказ', media: { base64: photo.toString('base64'), mimetype: 'image/jpeg' }, data: photo },
      { type: 'document', media: { base64: pdf.toString('base64'), mimetype: 'application/pdf', fileName: 'invoice-17.pdf' }, data: pdf },
      { type: 'audio', media: { base64: voice.toString('base64'), mimetype: 'audio/ogg; codecs=opus', isVoiceNote: true }, data: voice },
      { type: 'video', message: 'как собрать', media: { base64: clip.toString('base64'), mimetype: 'video/mp4' }, data: clip },
      { type: 'sticker', media: { base64: sticker.toString('base64'), mimetype: 'image/webp' }, data: sticker },
    ];
    for (const { data, ...body } of outgoing) {
      const res = await as('POST', `/api/whatsapp/sessions/${sessionId}/chats/${contact}/messages`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const record = await eventually(async () => {
        const sentLog = (await as<Json>('GET', `/api/simulator/sessions/${sessionId}/sent`)).body.data as Json[];
        return sentLog.find((r) => r.messageId === res.body.data.messageId);
      });
      expect(record.messageType).toBe(body.type);
      // What the contact decrypted from the media host is what we sent.
      expect(record.media).toMatchObject({ sha256: sha(data), sizeBytes: data.length });
      const mine = (await list()).find((m) => m.messageId === res.body.data.messageId)!;
      expect(mine.media).toMatchObject({ state: 'stored', sha256: sha(data) });
      expect(sha((await download(mine.media.url)).body)).toBe(sha(data));
    }
    const tooBig = await as('POST', `/api/whatsapp/sessions/${sessionId}/chats/${contact}/messages`, {
      type: 'document',
      media: { base64: bytes(MAX_BYTES + 1, 'too big to send').toString('base64'), fileName: 'big.bin' },
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.details?.[0]?.field).toBe('media.base64');
  }, 90_000);

  it('the same file twice is stored once; a file over MEDIA_MAX_BYTES is failed as too_large', async () => {
    const before = (await blobs(server.dataDir)).length;
    const file = bytes(50_000, 'twice');
    const a = await settled(await receive('document', file, { mimetype: 'application/pdf', fileName: 'a.pdf' }));
    const b = await settled(await receive('document', file, { mimetype: 'application/pdf', fileName: 'b.pdf' }));
    expect(a.media.sha256).toBe(b.media.sha256);
    expect((await blobs(server.dataDir)).length).toBe(before + 1);

    const big = await settled(await receive('video', bytes(MAX_BYTES + 1, 'too big'), { mimetype: 'video/mp4' }));
    expect(big.media).toMatchObject({ state: 'failed', error: 'too_large' });
    expect(big.media.url).toBeUndefined();
  }, 60_000);

  it('an expired file is uploaded again by the phone when it still has it, else it is expired', async () => {
    expect((await sim('media-outage', { down: true })).status).toBe(200);
    const kept = bytes(40_000, `the phone still has it ${mode.name}`);
    const lost = bytes(40_000, `the phone no longer has it ${mode.name}`);
    const keptId = await receive('image', kept, { mimetype: 'image/jpeg' });
    const lostId = await receive('image', lost, { mimetype: 'image/jpeg' });
    // While the first attempts fail, WhatsApp's host forgets both files.
    expect((await sim('media-expiry', { messageId: keptId, reupload: true })).status).toBe(200);
    expect((await sim('media-expiry', { messageId: lostId, reupload: false })).status).toBe(200);
    expect((await sim('media-outage', { down: false })).status).toBe(200);
    const a = await settled(keptId);
    expect(a.media).toMatchObject({ state: 'stored', sha256: sha(kept) });
    expect(sha((await download(a.media.url)).body)).toBe(sha(kept));
    const b = await settled(lostId);
    expect(b.media.state).toBe('expired');
    expect(b.media.url).toBeUndefined();
    // What WhatsApp sent inline stays viewable: the thumbnail.
    expect((await download(b.media.thumbnailUrl)).status).toBe(200);
  }, 60_000);

  it('a restart in the middle of downloads resumes them: each file stored once, none lost', async () => {
    const files = Array.from({ length: 12 }, (_, i) => bytes(250_000, `burst ${i} ${mode.name}`));
    const ids: string[] = [];
    // WhatsApp's media host is in trouble: every download fails and waits for its retry, so the
    // kill below finds all of them pending (the outage ends with the restart of the process).
    expect((await sim('media-outage', { down: true })).status).toBe(200);
    for (const f of files) ids.push(await receive('video', f, { mimetype: 'video/mp4' }));
    // The messages are stored (the loopback server dies with this process: here it is the files'
    // fate that is tested, not the messages', which the crash suites test against a separate server).
    await eventually(async () => (await list()).filter((m) => ids.includes(m.messageId)).length === ids.length);
    expect((await list()).filter((m) => ids.includes(m.messageId) && m.media.state === 'pending')).toHaveLength(ids.length);
    await server.kill();
    socket.close();
    const dataDir = server.dataDir;
    await start(dataDir);
    await connect();
    let seen = '';
    const rows = await eventually(async () => {
      const all = (await list()).filter((m) => ids.includes(m.messageId));
      seen = all.map((m) => `${m.media.state}${m.media.error ? `/${m.media.error}` : ''}`).join(' ');
      return all.length === ids.length && all.every((m) => m.media.state === 'stored') && all;
    }, 60_000, 'every file of the burst stored after the restart').catch((err: Error) => {
      throw new Error(`${err.message}; ${seen}`);
    });
    for (const [i, id] of ids.entries()) expect(rows.find((m) => m.messageId === id)!.media.sha256).toBe(sha(files[i]!));
    const stored = new Set(await blobs(dataDir));
    for (const f of files) expect(stored.has(sha(f))).toBe(true);
    // Nothing half-written is left behind in the store.
    expect(await readdir(path.join(dataDir, 'media', 'tmp'))).toEqual([]);
  }, 150_000);

  it("deleting the session removes the files only its messages referred to", async () => {
    const only = bytes(30_000, `only this session ${mode.name}`);
    const m = await settled(await receive('document', only, { mimetype: 'application/pdf', fileName: 'once.pdf' }));
    const blob = path.join(server.dataDir, 'media', m.media.sha256.slice(0, 2), m.media.sha256.slice(2, 4), m.media.sha256);
    expect((await blobs(server.dataDir)).includes(sha(only))).toBe(true);
    // Files written in the last minute are left alone (a download of the same bytes may be about to
    // refer to one): the file's clock is moved back instead of waiting here.
    const past = new Date(Date.now() - 5 * 60_000);
    await utimes(blob, past, past);
    expect((await as('DELETE', `/api/whatsapp/sessions/${sessionId}`)).status).toBe(200);
    expect((await blobs(server.dataDir)).includes(sha(only))).toBe(false);
  }, 60_000);
});
