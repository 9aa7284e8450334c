/**
 * WhatsApp's media hosts (mmg.whatsapp.net) for the loopback server: HTTPS on 127.0.0.1 with a
 * self-signed certificate made at start (clients trust it through `ca`; nothing disables TLS
 * checks). Clients upload encrypted files to `/mms/<type>/<encSha256>?auth=..&token=..` with the
 * auth a media_conn query handed out, and get `{url, direct_path}` back; anyone with a direct path
 * downloads the file (byte ranges too) until it expires (410). Files and their index live in a
 * folder, so they outlive a restart of the process as WhatsApp's do; a folder of our own making is
 * removed on close.
 *
 * The phones the server plays keep what they sent here too (`sent`): the media key and direct path
 * of each file a contact sent, and the phone's own copy once the host forgot the file, which is
 * what a media retry uploads again.
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, rename, rm, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';
import type { MediaKind } from './media-crypto.js';

export interface MediaHostOptions {
  /** Where files and their index live; default: a temporary folder, removed on close. */
  dir?: string;
  /** Default 0: a free port. */
  port?: number;
  logger: Logger;
}

interface HostedFile {
  file: string;
  size: number;
  uploadedAt: string;
  expired?: boolean;
}

/** What a contact's phone keeps of a file it sent. */
interface SentFile {
  kind: MediaKind;
  mediaKey: string;
  directPath: string;
  /** The phone's copy, once the host forgot the file and the phone still has it. */
  phoneCopy?: string;
}

interface MediaIndex {
  /** Signs the `oh` of direct paths; kept so that old direct paths still check out after a restart. */
  secret: string;
  files: Record<string, HostedFile>;
  sent: Record<string, SentFile>;
}

/** The object-type segment of WhatsApp's direct paths, per upload path. */
const OBJECT_TYPE: Record<string, string> = { image: 't62.7118-24', video: 't62.7161-24', audio: 't62.7117-24', document: 't62.7119-24' };
const MEDIA_CONN_TTL = 300;
const AUTH_TTL = 21_600;
const URL_VALIDITY_S = 30 * 86_400;

const digits = (n: number): string => String(randomInt(1, 10)) + Array.from({ length: n - 1 }, () => randomInt(10)).join('');
const sentKey = (account: string, messageId: string): string => `${account}/${messageId}`;
const pathOf = (directPath: string): string => new URL(directPath, 'https://127.0.0.1').pathname;

export class MediaHost {
  private readonly auths = new Map<string, number>();
  private readonly agent: Agent;

  private constructor(
    private readonly server: Server,
    readonly ca: string,
    private readonly dir: string,
    private readonly temporary: boolean,
    private readonly index: MediaIndex,
    private readonly logger: Logger,
  ) {
    // How the contacts' phones download: over TLS to this host, trusting its certificate only.
    this.agent = new Agent({ ca });
    server.on('request', (req, res) => this.onRequest(req, res));
  }

  static async start(opts: MediaHostOptions): Promise<MediaHost> {
    const temporary = !opts.dir;
    const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'wa-media-'));
    mkdirSync(dir, { recursive: true });
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(Date.now() - 86_400_000),
      notAfterDate: new Date(Date.now() + 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const server = createServer({ key: pems.private, cert: pems.cert });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', resolve);
    });
    return new MediaHost(server, pems.cert, dir, temporary, loadIndex(dir), opts.logger);
  }

  /** `127.0.0.1:<port>`: the host a media_conn names; the port may differ after a restart. */
  get hostname(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What a media_conn query answers: this host and a fresh upload auth. */
  mediaConn(): { hostname: string; auth: string; ttl: number; authTtl: number } {
    const now = Date.now();
    for (const [auth, until] of this.auths) if (until < now) this.auths.delete(auth);
    const auth = randomBytes(48).toString('base64');
    this.auths.set(auth, now + AUTH_TTL * 1000);
    return { hostname: this.hostname, auth, ttl: MEDIA_CONN_TTL, authTtl: AUTH_TTL };
  }

  /** The URL a message carries for a direct path, as WhatsApp's upload answer gives it. */
  urlOf(directPath: string): string {
    return `https://${this.hostname}${directPath}&mms3=true`;
  }

  /** Hosts an encrypted file (moved or copied into the folder) under a new direct path. */
  async store(kind: string, source: string, mode: 'move' | 'copy'): Promise<string> {
    const file = `${randomBytes(16).toString('hex')}.enc`;
    const dest = path.join(this.dir, file);
    if (mode === 'copy') await copyFile(source, dest);
    else await moveFile(source, dest);
    const directPath = this.newDirectPath(kind);
    this.index.files[pathOf(directPath)] = { file, size: (await stat(dest)).size, uploadedAt: new Date().toISOString() };
    this.save();
    return directPath;
  }

  /** A download as a receiving phone makes it; rejects unless the host answers 200. */
  download(directPath: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      get(`https://${this.hostname}${directPath}`, { agent: this.agent }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        res.resume();
        reject(new Error(`the media host answered ${res.statusCode} for ${directPath}`));
      }).on('error', reject);
    });
  }

  rememberSent(account: string, messageId: string, sent: { kind: MediaKind; mediaKey: Buffer; directPath: string }): void {
    this.index.sent[sentKey(account, messageId)] = { kind: sent.kind, mediaKey: sent.mediaKey.toString('base64'), directPath: sent.directPath };
    this.save();
  }

  sent(account: string, messageId: string): { kind: MediaKind; mediaKey: Buffer; directPath: string } | undefined {
    const s = this.index.sent[sentKey(account, messageId)];
    return s && { kind: s.kind, mediaKey: Buffer.from(s.mediaKey, 'base64'), directPath: s.directPath };
  }

  /**
   * The host forgets the file of a contact's message (410 from now on); with `phoneKeeps` the
   * phone still has its copy to upload again. False when no contact sent such a file.
   */
  async expireSent(account: string, messageId: string, phoneKeeps: boolean): Promise<boolean> {
    const sent = this.index.sent[sentKey(account, messageId)];
    if (!sent) return false;
    const hosted = this.index.files[pathOf(sent.directPath)];
    if (hosted && !hosted.expired) {
      hosted.expired = true;
      const file = path.join(this.dir, hosted.file);
      if (phoneKeeps && !sent.phoneCopy && existsSync(file)) {
        sent.phoneCopy = `phone-${hosted.file}`;
        await rename(file, path.join(this.dir, sent.phoneCopy));
      } else await rm(file, { force: true });
    }
    if (!phoneKeeps && sent.phoneCopy) {
      await rm(path.join(this.dir, sent.phoneCopy), { force: true });
      delete sent.phoneCopy;
    }
    this.save();
    return true;
  }

  /** The phone uploads its file again (a media retry): the new direct path, or undefined when it has none. */
  async reupload(account: string, messageId: string): Promise<string | undefined> {
    const sent = this.index.sent[sentKey(account, messageId)];
    if (!sent) return undefined;
    const hosted = this.index.files[pathOf(sent.directPath)];
    const source = sent.phoneCopy ?? (hosted && !hosted.expired ? hosted.file : undefined);
    if (!source || !existsSync(path.join(this.dir, source))) return undefined;
    sent.directPath = await this.store(sent.kind === 'sticker' ? 'image' : sent.kind, path.join(this.dir, source), 'copy');
    this.save();
    return sent.directPath;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive connections (Baileys' fetch keeps them) would hold close() open for minutes.
    this.server.closeAllConnections();
    await closed;
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
    else this.save();
  }

  // ---- HTTPS ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const upload = /^\/(?:mms|product|pps)\/([a-z-]+)\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    const work = (): Promise<void> | void => {
      if (req.method === 'POST' && upload) return this.upload(req, res, url, upload[1]!, upload[2]!);
      if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith('/v/')) return this.serve(req, res, url);
      res.writeHead(404).end();
    };
    Promise.resolve()
      .then(work)
      .catch((err: unknown) => {
        this.logger.warn({ err, path: url.pathname }, 'media host request failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL, kind: string, token: string): Promise<void> {
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const auth = url.searchParams.get('auth');
    const until = auth ? this.auths.get(auth) : undefined;
    if (!until || until < Date.now()) {
      req.resume();
      return json(401, { error: 'invalid or expired auth' });
    }
    const expected = Buffer.from(token, 'base64url');
    if (url.searchParams.get('token') !== token || expected.length !== 32) {
      req.resume();
      return json(400, { error: 'the token must be the url-safe base64 sha256 of the upload' });
    }
    const part = path.join(this.dir, `upload-${randomBytes(8).toString('hex')}.part`);
    const hash = createHash('sha256');
    try {
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(part),
      );
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    if (!hash.digest().equals(expected)) {
      await unlink(part);
      return json(400, { error: 'the upload does not hash to its token' });
    }
    const directPath = await this.store(kind, part, 'move');
    json(200, { url: this.urlOf(directPath), direct_path: directPath });
  }

  /** While down, every download answers 503, as a CDN in trouble does; uploads still land. */
  outage = false;

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (this.outage) return void res.writeHead(503, { 'retry-after': '5' }).end();
    const hosted = this.index.files[url.pathname];
    const file = hosted && path.join(this.dir, hosted.file);
    if (!hosted || (!hosted.expired && !existsSync(file!))) return void res.writeHead(404).end();
    if (hosted.expired) return void res.writeHead(410).end();
    const signature = this.signature(url);
    if (signature === 'forged') return void res.writeHead(403).end();
    // Past its `oe` a direct path is gone for good: the client must ask the phone for the file again.
    if (signature === 'expired') return void res.writeHead(410).end();
    const size = hosted.size;
    const range = byteRange(req.headers.range, size);
    if (range === 'unsatisfiable') return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (range) res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
    else res.writeHead(200, { ...headers, 'content-length': size });
    if (req.method === 'HEAD' || size === 0) return void res.end();
    await pipeline(createReadStream(file!, range ?? {}), res);
  }

  private newDirectPath(kind: string): string {
    const pathname = `/v/${OBJECT_TYPE[kind] ?? 't62.7114-24'}/${digits(8)}_${digits(16)}_${digits(19)}_n.enc`;
    const oe = Math.floor(Date.now() / 1000 + URL_VALIDITY_S).toString(16).toUpperCase();
    return `${pathname}?ccb=11-4&oh=${this.sign(pathname, oe)}&oe=${oe}&_nc_sid=5e03e0`;
  }

  private sign(pathname: string, oe: string): string {
    return `01_${createHmac('sha256', this.index.secret).update(`${pathname}:${oe}`).digest('base64url')}`;
  }

  /** Like WhatsApp's CDN: the `oh` must be ours for this path and `oe`. */
  private signature(url: URL): 'valid' | 'forged' | 'expired' {
    const oh = Buffer.from(url.searchParams.get('oh') ?? '');
    const oe = url.searchParams.get('oe') ?? '';
    const want = Buffer.from(this.sign(url.pathname, oe));
    if (oh.length !== want.length || !timingSafeEqual(oh, want)) return 'forged';
    return parseInt(oe, 16) * 1000 > Date.now() ? 'valid' : 'expired';
  }

  private save(): void {
    const file = path.join(this.dir, 'index.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.index));
    renameSync(`${file}.tmp`, file);
  }
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n`; anything else is served whole, as RFC 9110 allows. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    // Baileys encrypts into the OS temp folder, which may be another file system.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}

function loadIndex(dir: string): MediaIndex {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as MediaIndex;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { secret: randomBytes(32).toString('hex'), files: {}, sent: {} };
  }
}
