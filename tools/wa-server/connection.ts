/**
 * One client WebSocket: the intro header, the length-prefixed frames, the Noise handshake, then
 * encrypted binary nodes in both directions. What the nodes mean is the server's business.
 */
import { decodeBinaryNode, encodeBinaryNode, type BinaryNode, type proto } from 'baileys';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { NoiseResponder, type KeyPair, type TransportCipher } from './noise.js';
import type { AccountRecord, DeviceRecord } from './directory.js';

export interface ConnectionHandler {
  /** The handshake finished: a login (username + device) or a registration (devicePairingData). */
  onHello(conn: Connection, payload: proto.ClientPayload, clientStaticKey: Buffer): Promise<void>;
  onStanza(conn: Connection, stanza: BinaryNode): Promise<void>;
  onClose(conn: Connection): void;
}

export interface LinkedIdentity {
  account: AccountRecord;
  device: DeviceRecord;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  /** Set after a successful login. */
  linked: LinkedIdentity | undefined;
  /** Set while a registration waits for its QR to be scanned. */
  registration: { noiseKey: Buffer; pairing: proto.ClientPayload.IDevicePairingRegistrationData; refs: string[] } | undefined;
  /** Contacts this connection asked presence for (per connection, as on WhatsApp). */
  readonly presenceSubscriptions = new Set<string>();
  private inbox = Buffer.alloc(0);
  private introSeen = false;
  private noise: NoiseResponder | undefined;
  private transport: TransportCipher | undefined;
  private handshakeStep = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    staticKey: KeyPair,
    certificate: Uint8Array,
    private readonly handler: ConnectionHandler,
    readonly logger: Logger,
  ) {
    this.noise = new NoiseResponder(staticKey, certificate);
    ws.on('message', (data: Buffer) => this.onData(data));
    ws.on('close', () => {
      this.closed = true;
      handler.onClose(this);
    });
    ws.on('error', (err) => logger.debug({ err }, 'client socket error'));
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  private onData(data: Buffer): void {
    this.inbox = Buffer.concat([this.inbox, data]);
    if (!this.introSeen) {
      // "ED" + routing info precedes the header when the client has edge routing info.
      if (this.inbox.subarray(0, 2).toString() === 'ED') {
        if (this.inbox.length < 7) return;
        const routingLength = (this.inbox[4]! << 16) | this.inbox.readUInt16BE(5);
        if (this.inbox.length < 7 + routingLength) return;
        this.inbox = this.inbox.subarray(7 + routingLength);
      }
      if (this.inbox.length < 4) return;
      if (this.inbox.subarray(0, 2).toString() !== 'WA') {
        this.logger.warn('client did not start with the WA header; closing');
        this.terminate();
        return;
      }
      this.inbox = this.inbox.subarray(4);
      this.introSeen = true;
    }
    while (this.inbox.length >= 3) {
      const size = (this.inbox[0]! << 16) | (this.inbox[1]! << 8) | this.inbox[2]!;
      if (this.inbox.length < size + 3) return;
      const frame = this.inbox.subarray(3, size + 3);
      this.inbox = this.inbox.subarray(size + 3);
      // Frames are handled strictly in order, each after the previous one finished.
      this.queue = this.queue
        .then(() => this.onFrame(frame))
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'closing a client connection after a bad frame');
          this.terminate();
        });
    }
  }

  private async onFrame(frame: Buffer): Promise<void> {
    // What arrived before the socket closed is still handled (a logout's last iq, say).
    if (this.transport) {
      const stanza = await decodeBinaryNode(this.transport.decrypt(frame));
      await this.handler.onStanza(this, stanza);
      return;
    }
    if (this.closed) return;
    const noise = this.noise!;
    if (this.handshakeStep === 0) {
      this.handshakeStep = 1;
      this.writeFrame(noise.onClientHello(frame));
      return;
    }
    const { clientStaticKey, payload, transport } = noise.onClientFinish(frame);
    this.transport = transport;
    this.noise = undefined;
    await this.handler.onHello(this, payload, clientStaticKey);
  }

  private writeFrame(data: Uint8Array): void {
    const out = Buffer.alloc(3 + data.length);
    out[0] = (data.length >> 16) & 0xff;
    out[1] = (data.length >> 8) & 0xff;
    out[2] = data.length & 0xff;
    out.set(data, 3);
    if (this.isOpen) this.ws.send(out);
  }

  send(stanza: BinaryNode): void {
    if (!this.transport || !this.isOpen) return;
    this.writeFrame(this.transport.encrypt(encodeBinaryNode(stanza)));
  }

  /** Ends the stream the way WhatsApp does: a last stanza, then the socket closes. */
  end(last?: BinaryNode): void {
    if (last) this.send(last);
    if (this.isOpen) this.ws.close();
    this.closed = true;
  }

  /** Drops the TCP connection without a goodbye, as a network failure would. */
  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }
}
