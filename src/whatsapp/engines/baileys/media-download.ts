/**
 * Received files on the Baileys engine. The message announces where the encrypted file is
 * (directPath), its key and three digests; the locator keeps them so the download survives a
 * restart. The file is fetched from the media host WhatsApp names now, decrypted as it streams, and
 * checked at the end (MAC, encrypted and plain sha256); a 404/410 asks the phone to upload it again.
 */
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { DEF_MEDIA_HOST, getMediaKeys, MEDIA_HKDF_KEY_MAPPING, toNumber, type MediaType, type proto, type WAMessage } from 'baileys';
import { MediaDownloadError, type MediaInfo, type MediaLocator } from '../../engine.js';
import type { BaileysSocket } from './socket.js';


type MediaContent = proto.Message.IImageMessage &
  proto.Message.IVideoMessage &
  proto.Message.IAudioMessage &
  proto.Message.IDocumentMessage &
  proto.Message.IStickerMessage;

/** The proto field of each kind, for rebuilding the message a re-upload request needs. */
const FIELD = { image: 'imageMessage', video: 'videoMessage', ptv: 'ptvMessage', audio: 'audioMessage', document: 'documentMessage', sticker: 'stickerMessage' } as const;
type Kind = keyof typeof FIELD;

const b64 = (bytes: Uint8Array | null | undefined): string | null => (bytes && bytes.length ? Buffer.from(bytes).toString('base64') : null);

/** What a received media message announces, with the locator of its file. */
export function announcedMedia(kind: Kind, m: MediaContent, key: proto.IMessageKey): MediaInfo {
  const info: MediaInfo = {};
  if (m.mimetype) info.mimetype = m.mimetype;
  if (m.fileName) info.fileName = m.fileName;
  if (m.caption) info.caption = m.caption;
  if (m.fileLength !== undefined && m.fileLength !== null) info.sizeBytes = toNumber(m.fileLength);
  if (m.fileSha256?.length) info.sha256 = Buffer.from(m.fileSha256).toString('hex');
  if (m.width) info.width = m.width;
  if (m.height) info.height = m.height;
  if (m.seconds) info.durationSec = m.seconds;
  if (kind === 'audio' && m.ptt) info.isVoiceNote = true;
  if (m.jpegThumbnail?.length) info.thumbnail = Buffer.from(m.jpegThumbnail);
  if (m.mediaKey?.length && (m.directPath || m.url)) {
    info.locator = {
      kind,
      mediaKey: b64(m.mediaKey),
      directPath: m.directPath ?? null,
      url: m.url ?? null,
      fileSha256: b64(m.fileSha256),
      fileEncSha256: b64(m.fileEncSha256),
      remoteJid: key.remoteJid ?? null,
      id: key.id ?? null,
      fromMe: !!key.fromMe,
      participant: key.participant ?? null,
    };
  }
  return info;
}

const str = (l: MediaLocator, k: string): string | undefined => (typeof l[k] === 'string' && l[k] ? (l[k] as string) : undefined);

const hkdfTypeOf = (kind: Kind): MediaType => (kind === 'ptv' ? 'video' : kind) as MediaType;

/** The WAMessage `updateMediaMessage` needs: its key and a media content with the key and path. */
function messageOf(l: MediaLocator, kind: Kind): WAMessage {
  const content = {
    mediaKey: Buffer.from(str(l, 'mediaKey')!, 'base64'),
    ...(str(l, 'directPath') && { directPath: str(l, 'directPath') }),
    ...(str(l, 'url') && { url: str(l, 'url') }),
  };
  return {
    key: { remoteJid: str(l, 'remoteJid') ?? null, id: str(l, 'id') ?? null, fromMe: l.fromMe === true, participant: str(l, 'participant') ?? null },
    message: { [FIELD[kind]]: content },
  };
}

function get(url: string, agent: https.Agent | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, headers: { Origin: 'https://web.whatsapp.com' }, timeout: 30_000 }, resolve);
    req.on('timeout', () => req.destroy(new Error('the media host timed out')));
    req.on('error', reject);
  });
}

/** Decrypts as it streams; the MAC and both digests are checked when the stream ends (exported for its unit test). */
export function decryptor(keys: { iv: Uint8Array; cipherKey: Uint8Array; macKey: Uint8Array }, expect: { fileSha256?: Buffer; fileEncSha256?: Buffer }, maxBytes: number): Transform {
  const decipher = createDecipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
  const hmac = createHmac('sha256', keys.macKey).update(keys.iv);
  const encHash = createHash('sha256');
  const plainHash = createHash('sha256');
  // The last 10 bytes are the MAC, so they are held back until the stream ends.
  let tail = Buffer.alloc(0);
  let size = 0;
  const integrity = (what: string) => new MediaDownloadError('integrity', `The file failed its ${what} check`);
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      encHash.update(chunk);
      const data = Buffer.concat([tail, chunk]);
      const body = data.subarray(0, Math.max(data.length - 10, 0));
      tail = Buffer.from(data.subarray(body.length));
      hmac.update(body);
      const plain = decipher.update(body);
      size += plain.length;
      if (size > maxBytes) return done(new MediaDownloadError('too_large', `The file is larger than ${maxBytes} bytes`));
      plainHash.update(plain);
      done(null, plain);
    },
    flush(done) {
      try {
        const mac = hmac.digest().subarray(0, 10);
        if (tail.length !== 10 || !timingSafeEqual(mac, tail)) return done(integrity('MAC'));
        if (expect.fileEncSha256 && !encHash.digest().equals(expect.fileEncSha256)) return done(integrity('encrypted sha256'));
        const last = decipher.final();
        plainHash.update(last);
        if (expect.fileSha256 && !plainHash.digest().equals(expect.fileSha256)) return done(integrity('sha256'));
        done(null, last);
      } catch {
        done(integrity('padding'));
      }
    },
  });
}

/** However slow the host, a download ends: a stalled one must not hold a slot of the queue for ever. */
const DOWNLOAD_DEADLINE_MS = 10 * 60_000;

/**
 * Only WhatsApp's media host is ever asked: the path comes from a contact's message, so one that
 * would name another host (`@127.0.0.1/...`, `.evil.example/...`) is refused, and a full URL is
 * followed only to WhatsApp's own hosts.
 */
export function mediaUrl(host: string, directPath: string | undefined, url: string | undefined): string | undefined {
  if (directPath) {
    if (!directPath.startsWith('/') || directPath.startsWith('//')) return undefined;
    const u = new URL(directPath, `https://${host}`);
    return u.host === host ? u.toString() : undefined;
  }
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && (u.host === host || u.hostname.endsWith('.whatsapp.net')) ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

export async function downloadMedia(
  sock: Pick<BaileysSocket, 'refreshMediaConn' | 'updateMediaMessage'>,
  locator: MediaLocator,
  opts: { maxBytes: number; agent: https.Agent | undefined },
): Promise<Readable> {
  const kind = str(locator, 'kind') as Kind | undefined;
  const mediaKey = str(locator, 'mediaKey');
  if (!kind || !(kind in FIELD) || !mediaKey || !(hkdfTypeOf(kind) in MEDIA_HKDF_KEY_MAPPING)) {
    throw new MediaDownloadError('unavailable', 'The message names no file that can be fetched');
  }
  // WhatsApp's media hosts serve any direct path; the one it names now is the one to use.
  const host = (await sock.refreshMediaConn(false)).hosts[0]?.hostname ?? DEF_MEDIA_HOST;

  let url = mediaUrl(host, str(locator, 'directPath'), str(locator, 'url'));
  if (!url) throw new MediaDownloadError('unavailable', 'The message names no file that can be fetched');
  let res = await get(url, opts.agent);
  if (res.statusCode === 404 || res.statusCode === 410) {
    res.resume();
    // The host forgot it: the phone is asked to upload it again (it answers only while it has it).
    const again = await withTimeout(sock.updateMediaMessage(messageOf(locator, kind)), 30_000).catch((err: unknown) => {
      throw new MediaDownloadError('expired', `WhatsApp no longer has this file and the phone could not send it again (${err instanceof Error ? err.message : String(err)})`);
    });
    const content = again.message?.[FIELD[kind]] as MediaContent | null | undefined;
    url = mediaUrl(host, content?.directPath ?? undefined, content?.url ?? undefined);
    if (!url) throw new MediaDownloadError('expired', 'The phone re-uploaded the file without a path');
    res = await get(url, opts.agent);
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    res.resume();
    throw new MediaDownloadError(res.statusCode === 404 || res.statusCode === 410 ? 'expired' : 'unavailable', `The media host answered HTTP ${res.statusCode}`);
  }
  const declared = Number(res.headers['content-length'] ?? 0);
  // Padding and the MAC add at most 26 bytes to the file itself.
  if (declared > opts.maxBytes + 26) {
    res.destroy();
    throw new MediaDownloadError('too_large', `The file is larger than ${opts.maxBytes} bytes`);
  }
  const { iv, cipherKey, macKey } = await getMediaKeys(Buffer.from(mediaKey, 'base64'), hkdfTypeOf(kind));
  if (!macKey) throw new MediaDownloadError('unavailable', 'No MAC key could be derived for this file');
  const keys = { iv, cipherKey, macKey };
  const sha = (k: string) => (str(locator, k) ? Buffer.from(str(locator, k)!, 'base64') : undefined);
  const out = decryptor(keys, { ...(sha('fileSha256') && { fileSha256: sha('fileSha256') }), ...(sha('fileEncSha256') && { fileEncSha256: sha('fileEncSha256') }) }, opts.maxBytes);
  // Either side failing ends both; the reader sees the error on `out`.
  const deadline = setTimeout(() => out.destroy(new MediaDownloadError('unavailable', 'The download took too long')), DOWNLOAD_DEADLINE_MS);
  pipeline(res, out, () => clearTimeout(deadline));
  return out;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from the phone')), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
