/**
 * A WhatsApp Web server test double for Baileys 7.0.0-rc14, on loopback only. It speaks the real
 * protocol (Noise handshake, binary nodes, Signal encryption): linking by QR with the 515 restart,
 * login from stored credentials, the queries a client makes, contacts and the account's phone as
 * real Signal parties, receipts, presence, offline delivery, media (an HTTPS media host, encrypted
 * files both ways, expiry and media retry), and faults on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Curve, type BinaryNode, type proto } from 'baileys';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { buildCertChain } from './cert.js';
import { Connection, type ConnectionHandler } from './connection.js';
import { DeviceControl } from './control.js';
import { Directory, type AccountRecord, type DeviceRecord } from './directory.js';
import { answerIq } from './iq.js';
import { MediaHost } from './media-host.js';
import { deviceKey, Messenger, type Hub } from './messenger.js';
import { child, node, unixNow } from './nodes.js';
import { newRefs, pairDeviceIq, pairSuccessIq, parseQr, verifyDeviceSign } from './pairing.js';

export interface WaTestServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Other HTTP requests on the same port (the CLI's admin API); 404 without. */
  http?: (server: WaTestServer, req: IncomingMessage, res: ServerResponse) => void;
  /** Keeps accounts, devices and contacts across restarts of the server. */
  stateFile?: string;
  /**
   * Where the media host keeps its files and their index. Default: `<stateFile>.media/` when there
   * is a state file (files outlive a restart, as WhatsApp's do), else a temporary folder removed on close.
   */
  mediaDir?: string;
  /** The media host's HTTPS port on 127.0.0.1; default 0: a free port. */
  mediaPort?: number;
  logger?: Logger;
}

interface PendingLink {
  conn: Connection;
  account: AccountRecord;
  deviceId: number;
  identityKey: Buffer;
  iqId: string;
  done: { resolve: () => void; reject: (err: Error) => void };
}

export class WaTestServer implements Hub, ConnectionHandler {
  readonly dir: Directory;
  readonly logger: Logger;
  readonly messenger: Messenger;
  /** WhatsApp's media hosts: HTTPS on 127.0.0.1, named by the media_conn answer (media-host.ts). */
  readonly media: MediaHost;
  private readonly wss: WebSocketServer;
  private readonly staticKey = Curve.generateKeyPair();
  private readonly certificate: Uint8Array;
  private readonly online = new Map<string, Connection>();
  private readonly waitingForScan = new Map<string, Connection>();
  private readonly linking = new Map<Connection, PendingLink>();
  private readonly connections = new Set<Connection>();

  private constructor(
    private readonly httpServer: Server,
    wss: WebSocketServer,
    media: MediaHost,
    opts: WaTestServerOptions,
  ) {
    this.wss = wss;
    this.media = media;
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.dir = new Directory(opts.stateFile);
    this.certificate = buildCertChain(this.staticKey);
    this.messenger = new Messenger(this);
    wss.on('connection', (ws) => {
      const conn = new Connection(ws, this.staticKey, this.certificate, this, this.logger);
      this.connections.add(conn);
    });
  }

  static async start(opts: WaTestServerOptions = {}): Promise<WaTestServer> {
    const logger = opts.logger ?? pino({ level: 'silent' });
    const mediaDir = opts.mediaDir ?? (opts.stateFile && `${opts.stateFile}.media`);
    const media = await MediaHost.start({ ...(mediaDir && { dir: mediaDir }), ...(opts.mediaPort !== undefined && { port: opts.mediaPort }), logger });
    const httpServer = createServer();
    const wss = new WebSocketServer({ server: httpServer, path: '/ws/chat' });
    // Loopback only: this server accepts any client and plays anyone's phone.
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(opts.port ?? 0, '127.0.0.1', resolve);
      });
    } catch (err) {
      await media.close();
      throw err;
    }
    const server = new WaTestServer(httpServer, wss, media, { ...opts, logger });
    httpServer.on('request', (req, res) => {
      if (opts.http) return opts.http(server, req, res);
      res.writeHead(404).end();
    });
    return server;
  }

  get port(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws/chat`;
  }

  /** PEM of the media host's self-signed certificate (for IP 127.0.0.1): what a client trusts for media. */
  get mediaCa(): string {
    return this.media.ca;
  }

  /** `127.0.0.1:<port>` of the media host, as media_conn names it. */
  get mediaHost(): string {
    return this.media.hostname;
  }

  /** What the admin API shows: accounts, their linked devices, and how many clients wait for a scan. */
  overview() {
    return {
      url: this.url,
      mediaHost: this.mediaHost,
      waitingForScan: new Set(this.waitingForScan.values()).size,
      accounts: this.dir.accounts().map((a) => ({
        phone: a.phone,
        lid: a.lid,
        devices: Object.values(a.devices).map((d) => ({
          jid: `${a.phone}:${d.id}@s.whatsapp.net`,
          online: this.online.has(deviceKey(a.phone, d.id)),
          linkedAt: d.linkedAt,
          // Stanzas sent to the device and not yet acknowledged (delivered again at its next login).
          pending: d.pending.length,
        })),
      })),
    };
  }

  live(key: string): Connection | undefined {
    return this.online.get(key);
  }

  /** The live connection of a linked device, named by its JID (`<phone>:<device>@s.whatsapp.net`). */
  linkedDevice(jid: string): { account: AccountRecord; device: DeviceRecord; conn: Connection | undefined } {
    const match = /^(\d+):(\d+)@s\.whatsapp\.net$/.exec(jid);
    const account = match ? this.dir.account(match[1]!) : undefined;
    const device = account?.devices[match![2]!];
    if (!account || !device) throw new Error(`no device ${jid} is linked on this server`);
    return { account, device, conn: this.online.get(deviceKey(account.phone, device.id)) };
  }

  /** The control surface for one linked device (see control.ts). */
  device(deviceJid: string): DeviceControl {
    return new DeviceControl(this, deviceJid);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    await this.media.close();
    this.dir.flush();
  }

  // ---- connection handler ----

  async onHello(conn: Connection, payload: proto.ClientPayload, clientStaticKey: Buffer): Promise<void> {
    if (payload.devicePairingData) {
      const refs = newRefs();
      conn.registration = { noiseKey: clientStaticKey, pairing: payload.devicePairingData, refs };
      for (const ref of refs) this.waitingForScan.set(ref, conn);
      conn.send(pairDeviceIq(refs));
      return;
    }
    const phone = String(payload.username ?? '');
    const account = this.dir.account(phone);
    const device = account?.devices[String(payload.device ?? 0)];
    if (!account || !device || !device.noiseKey.equals(clientStaticKey)) {
      // An unknown or removed device: WhatsApp answers a login with 401, and the client logs out.
      conn.end(node('failure', { reason: '401', location: 'loopback' }));
      return;
    }
    const key = deviceKey(account.phone, device.id);
    const previous = this.online.get(key);
    if (previous && previous !== conn) previous.end(node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
    this.online.set(key, conn);
    conn.linked = { account, device };
    conn.send(node('success', { t: unixNow(), lid: `${account.lid}@lid`, props: '1', abprops: '1', location: 'loopback', creation: String(Math.floor(Date.parse(device.linkedAt) / 1000)) }));
    for (const stanza of device.pending) conn.send({ ...stanza, attrs: { ...stanza.attrs, offline: '1' } });
    conn.send(node('ib', {}, [node('offline', { count: String(device.pending.length) })]));
    if (device.awaitingHistory) {
      device.awaitingHistory = false;
      await this.messenger.historyBootstrap(account, device);
    }
  }

  async onStanza(conn: Connection, stanza: BinaryNode): Promise<void> {
    const linked = conn.linked;
    switch (stanza.tag) {
      case 'iq':
        if (stanza.attrs.type === 'result' || stanza.attrs.type === 'error') return this.onIqReply(conn, stanza);
        conn.send(answerIq(this.dir, conn, stanza, this.media) ?? node('iq', { id: stanza.attrs.id, type: 'result' }));
        if (stanza.attrs.xmlns === 'md' && child(stanza, 'remove-companion-device') && linked) this.unlink(linked.account, linked.device);
        return;
      case 'message':
        if (linked) await this.messenger.fromDevice(conn, stanza);
        return;
      case 'receipt':
        if (linked) this.messenger.fromDeviceReceipt(conn, stanza);
        return;
      case 'ack':
        if (linked) this.messenger.acknowledged(linked.device, stanza.attrs.id);
        return;
      case 'presence':
        if (stanza.attrs.type === 'subscribe' && stanza.attrs.to) conn.presenceSubscriptions.add(stanza.attrs.to.split('@')[0]!.split(':')[0]!);
        return;
      case 'chatstate':
        if (linked) this.messenger.recordPresence(conn, stanza);
        return;
      default:
        return;
    }
  }

  onClose(conn: Connection): void {
    this.connections.delete(conn);
    for (const ref of conn.registration?.refs ?? []) this.waitingForScan.delete(ref);
    this.linking.get(conn)?.done.reject(new Error('the device disconnected while linking'));
    this.linking.delete(conn);
    const linked = conn.linked;
    if (linked) {
      const key = deviceKey(linked.account.phone, linked.device.id);
      if (this.online.get(key) === conn) this.online.delete(key);
    }
  }

  // ---- linking ----

  /** The phone scans a QR shown by a client: resolves once the device is linked (before the 515). */
  scan(qr: string, phoneNumber: string): Promise<void> {
    const scanned = parseQr(qr);
    const conn = this.waitingForScan.get(scanned.ref);
    const pairing = conn?.registration?.pairing;
    if (!conn || !pairing || !conn.isOpen) return Promise.reject(new Error('There is no QR code waiting to be scanned'));
    if (!conn.registration!.noiseKey.equals(scanned.noiseKey) || !Buffer.from(pairing.eIdent ?? []).equals(scanned.identityKey)) {
      return Promise.reject(new Error('The QR does not belong to the client that shows it'));
    }
    const phone = phoneNumber.replace(/\D/g, '');
    if (phone.length < 5) return Promise.reject(new Error('A phone number with its country code is required'));
    for (const ref of conn.registration!.refs) this.waitingForScan.delete(ref);
    const account = this.dir.ensureAccount(phone);
    const deviceId = account.nextDeviceId++;
    const iq = pairSuccessIq(account, deviceId, scanned, deviceId);
    return new Promise<void>((resolve, reject) => {
      this.linking.set(conn, { conn, account, deviceId, identityKey: scanned.identityKey, iqId: iq.attrs.id!, done: { resolve, reject } });
      conn.send(iq);
    });
  }

  private onIqReply(conn: Connection, reply: BinaryNode): void {
    const link = this.linking.get(conn);
    if (!link || reply.attrs.id !== link.iqId) return;
    this.linking.delete(conn);
    const pairing = conn.registration!.pairing;
    if (reply.attrs.type !== 'result' || !verifyDeviceSign(reply, link.account, link.identityKey)) {
      link.done.reject(new Error('the client refused the pairing'));
      conn.end();
      return;
    }
    const signedPreKey = {
      keyId: Buffer.from(pairing.eSkeyId ?? []).readUIntBE(0, 3),
      public: Buffer.from(pairing.eSkeyVal ?? []),
      signature: Buffer.from(pairing.eSkeySig ?? []),
    };
    link.account.devices[String(link.deviceId)] = {
      id: link.deviceId,
      noiseKey: conn.registration!.noiseKey,
      identityKey: link.identityKey,
      registrationId: Buffer.from(pairing.eRegid ?? []).readUInt32BE(0),
      signedPreKey,
      preKeys: {},
      platform: 'web',
      linkedAt: new Date().toISOString(),
      awaitingHistory: true,
      pending: [],
    };
    this.dir.changed(true);
    link.done.resolve();
    // Linked: the client must reconnect and log in with its new credentials.
    conn.end(node('stream:error', { code: '515' }));
  }

  /** The device is removed from the account (logout from either side). */
  unlink(account: AccountRecord, device: DeviceRecord): void {
    delete account.devices[String(device.id)];
    this.dir.changed(true);
  }
}

