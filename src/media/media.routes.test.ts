/**
 * Received and sent files on the simulator, in-process: fetched into content-addressed storage,
 * served with Range, ETag and thumbnail, through signed links that are bound to one message and
 * expire; the same file is kept once and goes when its session goes; limits and expiry end in a
 * state that says why.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, linkSession, registerCompany, type Actor, type TestApp } from '../../test/helpers/app.js';
import { eventually } from '../../test/helpers/socket.js';

const photo = readFileSync(path.join(import.meta.dirname, '../../test/fixtures/photo.jpg'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MAX_BYTES = 200_000;

interface MessageView {
  id: string;
  messageId: string;
  messageType: string;
  body: string | null;
  media: { state: string; sha256?: string; sizeBytes?: number; mimetype?: string; fileName?: string; caption?: string; error?: string; url?: string; thumbnailUrl?: string; isVoiceNote?: boolean } | null;
}

describe('media on the simulator', () => {
  let t: TestApp;
  let admin: Actor;
  let outsider: Actor;
  let sessionId: string;
  let dataDir: string;

  const inbound = (payload: Record<string, unknown>, sid = sessionId) =>
    t.inject({ method: 'POST', url: `/api/simulator/sessions/${sid}/inbound`, headers: admin.headers, payload: { from: '77015550101', ...payload } });
  const messages = async (chat = '77015550101@c.us', sid = sessionId): Promise<MessageView[]> =>
    (await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sid}/chats/${chat}/messages`, headers: admin.headers })).json().data;
  const settled = (messageId: string, sid = sessionId, chat?: string) =>
    eventually(async () => {
      const m = (await messages(chat, sid)).find((x) => x.messageId === messageId);
      return m?.media && m.media.state !== 'pending' ? m : undefined;
    }, 15_000, `media of ${messageId} settled`);
  const sendFile = async (type: string, data: Buffer, mimetype: string, extra: Record<string, unknown> = {}) => {
    const res = await inbound({ type, media: { base64: data.toString('base64'), mimetype, ...extra } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data.messageId as string;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { MEDIA_MAX_BYTES: String(MAX_BYTES), MEDIA_URL_TTL_SEC: '60' } });
    dataDir = t.app.config.dataDir;
    admin = await registerCompany(t, 'Media Co');
    outsider = await createUser(t, admin);
    sessionId = await linkSession(t, admin, 'Media line');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a photo is stored and served byte for byte, with type, size, ETag, Range and its thumbnail', async () => {
    const messageId = await sendFile('image', photo, 'image/jpeg', { caption: 'Кружка, 2 шт.' });
    const m = await settled(messageId);
    expect(m.messageType).toBe('image');
    expect(m.body).toBe('Кружка, 2 шт.');
    expect(m.media).toMatchObject({ state: 'stored', sha256: sha(photo), sizeBytes: photo.length, mimetype: 'image/jpeg', caption: 'Кружка, 2 шт.' });

    const file = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${m.id}/media`, headers: admin.headers });
    expect(file.statusCode).toBe(200);
    expect(sha(file.rawPayload)).toBe(sha(photo));
    expect(file.headers).toMatchObject({ 'content-type': 'image/jpeg', 'content-length': String(photo.length), etag: `"${sha(photo)}"`, 'accept-ranges': 'bytes' });
    expect(file.headers['cache-control']).toContain('private');

    // By the WhatsApp id too; a second GET with the ETag is 304.
    const byWaId = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${messageId}/media`, headers: { ...admin.headers, 'if-none-match': `"x", W/"${sha(photo)}"` } });
    expect(byWaId.statusCode).toBe(304);

    const part = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${m.id}/media`, headers: { ...admin.headers, range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${photo.length}`);
    expect(part.rawPayload.equals(photo.subarray(100, 200))).toBe(true);
    const beyond = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${m.id}/media`, headers: { ...admin.headers, range: `bytes=${photo.length + 10}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${photo.length}`);

    const thumb = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${m.id}/media?thumbnail=true`, headers: admin.headers });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.rawPayload.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });

  it('the signed url works without a header, only for its message, and not after it expires', async () => {
    const first = await settled(await sendFile('image', photo, 'image/jpeg'));
    const other = await settled(await sendFile('document', Buffer.from('%PDF-1.4 invoice'), 'application/pdf', { fileName: 'Счёт №17.pdf' }));
    expect(other.media).toMatchObject({ state: 'stored', fileName: 'Счёт №17.pdf' });

    const ok = await t.inject({ method: 'GET', url: first.media!.url! });
    expect(ok.statusCode).toBe(200);
    expect(sha(ok.rawPayload)).toBe(sha(photo));
    // A contact's "page" is never one of ours: downloaded as bytes, sandboxed.
    const page = await settled(await sendFile('document', Buffer.from('<script>alert(1)</script>'), 'text/html', { fileName: 'invoice.html' }));
    const served = await t.inject({ method: 'GET', url: page.media!.url! });
    expect(served.headers['content-type']).toBe('application/octet-stream');
    expect(served.headers['content-disposition']).toContain('attachment');
    expect(served.headers['content-security-policy']).toContain('sandbox');
    const doc = await t.inject({ method: 'GET', url: other.media!.url! });
    expect(doc.headers['content-disposition']).toContain('attachment');
    expect(doc.headers['content-disposition']).toContain("filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82");

    // The first message's signature on the other message's path.
    const query = first.media!.url!.split('?')[1];
    const swapped = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${other.id}/media?${query}` });
    expect(swapped.statusCode).toBe(401);
    // The file's signature does not open the thumbnail either.
    const asThumb = await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${first.id}/media?thumbnail=true&${query}` });
    expect(asThumb.statusCode).toBe(401);
    const stale = first.media!.url!.replace(/exp=\d+/, `exp=${Math.floor(Date.now() / 1000) - 5}`);
    expect((await t.inject({ method: 'GET', url: stale })).statusCode).toBe(401);
    // No header and no signature: as any other protected route.
    expect((await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${first.id}/media` })).statusCode).toBe(401);
    // A manager without a grant on the session does not see the file.
    expect((await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}/messages/${first.id}/media`, headers: outsider.headers })).statusCode).toBe(404);
  });

  it('a voice note, a video and a sticker keep their kinds; the same file twice is stored once', async () => {
    const voice = Buffer.from('OggS fake opus voice note '.repeat(40));
    const [v1, v2, video, sticker] = [
      await sendFile('audio', voice, 'audio/ogg; codecs=opus', { isVoiceNote: true }),
      await sendFile('audio', voice, 'audio/ogg; codecs=opus', { isVoiceNote: true }),
      await sendFile('video', Buffer.from('fake mp4 '.repeat(100)), 'video/mp4'),
      await sendFile('sticker', Buffer.from('RIFF fake webp'), 'image/webp'),
    ];
    const a = await settled(v1);
    const b = await settled(v2);
    expect(a.messageType).toBe('audio');
    expect(a.media).toMatchObject({ state: 'stored', isVoiceNote: true, sha256: sha(voice) });
    expect(b.media?.sha256).toBe(a.media?.sha256);
    expect((await settled(video)).messageType).toBe('video');
    expect((await settled(sticker)).messageType).toBe('sticker');
    const blob = path.join(dataDir, 'media', sha(voice).slice(0, 2), sha(voice).slice(2, 4), sha(voice));
    expect(existsSync(blob)).toBe(true);

    const session = (await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers })).json().data;
    expect(session._count.mediaBytes).toBeGreaterThanOrEqual(2 * voice.length);
    const stats = (await t.inject({ method: 'GET', url: '/api/whatsapp/stats', headers: admin.headers })).json().data;
    expect(stats.media.storedBytes).toBe(session._count.mediaBytes);
  });

  it('a file over MEDIA_MAX_BYTES fails as too_large; an expired file is fetched again from the phone, or is expired', async () => {
    const big = await settled(await sendFile('video', Buffer.alloc(MAX_BYTES + 1, 7), 'video/mp4'));
    expect(big.media).toMatchObject({ state: 'failed', error: 'too_large' });

    // The media host is down, so the files are still to fetch when WhatsApp's host forgets them.
    expect((await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/media-outage`, headers: admin.headers, payload: { down: true } })).statusCode).toBe(200);
    const reupload = await sendFile('image', Buffer.from('photo the phone still has'), 'image/jpeg');
    const lost = await sendFile('image', Buffer.from('photo the phone no longer has'), 'image/jpeg');
    for (const [messageId, reuploadFlag] of [
      [reupload, true],
      [lost, false],
    ] as const) {
      const res = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/media-expiry`, headers: admin.headers, payload: { messageId, reupload: reuploadFlag } });
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/media-outage`, headers: admin.headers, payload: { down: false } })).statusCode).toBe(200);
    expect((await settled(reupload)).media?.state).toBe('stored');
    expect((await settled(lost)).media?.state).toBe('expired');
  });

  it('deleting the session removes its files that nothing else refers to', async () => {
    const sid = await linkSession(t, admin, 'Short-lived line', '77070000009');
    const unique = Buffer.from(`only in the short-lived line ${Date.now()}`);
    const res = await inbound({ type: 'document', media: { base64: unique.toString('base64'), mimetype: 'application/pdf', fileName: 'once.pdf' } }, sid);
    expect(res.statusCode, res.body).toBe(200);
    await settled(res.json().data.messageId, sid);
    const blob = path.join(dataDir, 'media', sha(unique).slice(0, 2), sha(unique).slice(2, 4), sha(unique));
    expect(existsSync(blob)).toBe(true);
    // A file written within the last minute stays (a download of the same content may be about to
    // refer to it): the clock of the file is moved back instead of waiting that minute here.
    const past = new Date(Date.now() - 5 * 60_000);
    utimesSync(blob, past, past);
    expect((await t.inject({ method: 'DELETE', url: `/api/whatsapp/sessions/${sid}`, headers: admin.headers })).statusCode).toBe(200);
    expect(existsSync(blob)).toBe(false);
    // A file another session still refers to stays.
    expect(existsSync(path.join(dataDir, 'media', sha(photo).slice(0, 2), sha(photo).slice(2, 4), sha(photo)))).toBe(true);
  });

  it('our own sent file is stored with the message and served like a received one', async () => {
    const res = await t.inject({
      method: 'POST',
      url: `/api/whatsapp/sessions/${sessionId}/chats/77015550101/messages`,
      headers: admin.headers,
      payload: { type: 'image', message: 'Ваш заказ', media: { base64: photo.toString('base64'), mimetype: 'image/jpeg' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const mine = (await messages()).find((m) => m.messageId === res.json().data.messageId)!;
    expect(mine.media).toMatchObject({ state: 'stored', sha256: sha(photo) });
    const file = await t.inject({ method: 'GET', url: mine.media!.url! });
    expect(sha(file.rawPayload)).toBe(sha(photo));
    const sent = (await t.inject({ method: 'GET', url: `/api/simulator/sessions/${sessionId}/sent`, headers: admin.headers })).json().data;
    expect(sent.find((r: { messageId?: string }) => r.messageId === mine.messageId)?.media?.sha256).toBe(sha(photo));
  });
});
