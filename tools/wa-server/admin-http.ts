/**
 * The standalone server's admin API (JSON over HTTP, same loopback port as the WebSocket): link a
 * gateway's session by handing over the QR it shows, then play the phone and the contacts.
 *
 *   GET  /admin                                   accounts, linked devices, QRs waiting, the media host
 *   GET  /admin/media-ca                          {host, ca}: the media host and its certificate (PEM) to trust
 *   POST /admin/scan            {phoneNumber, qr}  qr: the raw QR text or the PNG data URL
 *   POST /admin/devices/<jid>/inbound | typing | receipts | decrypt-errors | connection-loss | send-failures | media-expiry | media-outage
 *                                                 | reaction | edit | revoke
 *   GET  /admin/devices/<jid>/sent
 * Bodies are those of the simulator control API in docs/api.md; <jid> is `<phone>:<device>@s.whatsapp.net`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { SimInbound, SimMedia } from '../../src/whatsapp/simulator-control.js';
import { MEDIA_KINDS } from './media-phone.js';
import type { WaTestServer } from './server.js';

type Json = Record<string, unknown>;
const NOT_FOUND = Symbol('not found');

// jsqr is CommonJS with an `exports.default`: under ESM the function is the default export itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Files come inline as base64 (inbound media).
    if (size > 128 * 2 ** 20) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the body must be a JSON object');
  return parsed as Json;
}

/** The text of a QR given as text, or decoded from the gateway's `data:image/png;base64,...`. */
function qrText(qr: string): string {
  if (!qr.startsWith('data:image/png;base64,')) return qr;
  const png = PNG.sync.read(Buffer.from(qr.slice('data:image/png;base64,'.length), 'base64'));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!decoded) throw new Error('no QR code found in that image');
  return decoded.data;
}

const str = (body: Json, field: string): string => {
  const v = body[field];
  if (typeof v !== 'string' || !v) throw new Error(`"${field}" must be a non-empty string`);
  return v;
};

/** The optional `type` and `media` of an inbound message; a media message's body may be empty. */
function inboundContent(body: Json): Pick<SimInbound, 'body' | 'type' | 'media'> {
  const type = body.type;
  if (type === undefined || type === 'text') return { body: str(body, 'body') };
  if (typeof type !== 'string' || !(MEDIA_KINDS as readonly string[]).includes(type)) throw new Error(`"type" must be text or one of ${MEDIA_KINDS.join(', ')}`);
  const raw = body.media;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('"media" must be an object');
  const m = raw as Json;
  const media: SimMedia = {
    base64: str(m, 'base64'),
    mimetype: str(m, 'mimetype'),
    ...(typeof m.fileName === 'string' && { fileName: m.fileName }),
    ...(typeof m.caption === 'string' && { caption: m.caption }),
    ...(m.isVoiceNote === true && { isVoiceNote: true }),
  };
  return { body: typeof body.body === 'string' ? body.body : '', type: type as SimInbound['type'], media };
}

export function adminHttp(server: WaTestServer, req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const url = new URL(req.url ?? '/', 'http://localhost');
  const run = async (): Promise<unknown> => {
    if (req.method === 'GET' && url.pathname === '/admin') return server.overview();
    if (req.method === 'GET' && url.pathname === '/admin/media-ca') return { host: server.mediaHost, ca: server.mediaCa };
    if (req.method === 'POST' && url.pathname === '/admin/scan') {
      const body = await readJson(req);
      await server.scan(qrText(str(body, 'qr')), str(body, 'phoneNumber'));
      return { linked: true };
    }
    const m = /^\/admin\/devices\/([^/]+)\/([a-z-]+)$/.exec(url.pathname);
    if (!m) return NOT_FOUND;
    const device = server.device(decodeURIComponent(m[1]!));
    if (req.method === 'GET' && m[2] === 'sent') return device.sent();
    if (req.method !== 'POST') return NOT_FOUND;
    const body = await readJson(req);
    switch (m[2]) {
      case 'inbound':
        return device.inbound({
          from: str(body, 'from'),
          ...inboundContent(body),
          ...(typeof body.fromName === 'string' && { fromName: body.fromName }),
          ...(typeof body.messageId === 'string' && { messageId: body.messageId }),
          ...(typeof body.groupId === 'string' && { groupId: body.groupId }),
          ...(typeof body.groupName === 'string' && { groupName: body.groupName }),
          ...(body.status === true && { status: true }),
        });
      case 'typing':
        return device.typing({ chatId: str(body, 'chatId'), isTyping: body.isTyping === true });
      case 'receipts':
        return device.receipt({ messageId: str(body, 'messageId'), status: body.status === 'read' ? 'read' : 'delivered' });
      case 'decrypt-errors':
        return device.decryptErrors({ kind: body.kind === 'bad_decrypt' ? 'bad_decrypt' : 'bad_mac', from: str(body, 'from'), count: Number(body.count ?? 1) });
      case 'connection-loss':
        return device.connectionLoss(str(body, 'reason') as 'connection_lost' | 'logged_out' | 'replaced');
      case 'media-expiry':
        return device.expireMedia({ messageId: str(body, 'messageId'), reupload: body.reupload === true });
      case 'reaction':
        return device.reaction({ messageId: str(body, 'messageId'), from: str(body, 'from'), emoji: typeof body.emoji === 'string' ? body.emoji : '' });
      case 'edit':
        return device.edit({ messageId: str(body, 'messageId'), from: str(body, 'from'), body: typeof body.body === 'string' ? body.body : '' });
      case 'revoke':
        return device.revoke({ messageId: str(body, 'messageId'), from: str(body, 'from') });
      case 'media-outage':
        return device.mediaOutage({ down: body.down === true });
      case 'send-failures':
        return device.sendFailures({ errorType: str(body, 'errorType') as 'rate_limit' | 'network' | 'not_on_whatsapp', count: Number(body.count ?? 1) });
      default:
        return NOT_FOUND;
    }
  };
  run().then(
    (data) => (data === NOT_FOUND ? send(404, { ok: false, error: 'not found' }) : send(200, { ok: true, data: data ?? null })),
    (err: unknown) => send(400, { ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
}
