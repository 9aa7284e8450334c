/**
 * The simulator engine: an in-process, deterministic stand-in for WhatsApp. It emits exactly the
 * events the Baileys engine emits, persists its "credentials" through the same auth store (so a
 * linked session comes back after a restart without a QR), and reconnects with the same backoff
 * after a connection loss. Its control surface is the simulator API of docs/api.md.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { backoffDelay, type BackoffPolicy } from '../../backoff.js';
import {
  EngineSendError,
  type MediaLocator,
  type MessageChange,
  type ChangeTarget,
  type EngineContext,
  type EngineEvent,
  type EngineEventHandler,
  type OutgoingContent,
  type ReadKey,
  type SendOptions,
  type SentMessage,
  type WhatsAppEngine,
} from '../../engine.js';
import { EventHub } from '../../event-hub.js';
import { toCanonicalJid } from '../../jid.js';
import { newWaMessageId } from '../../message-id.js';
import type { SimInbound, SimSentRecord, SimulatorControl, SimulatorControls } from '../../simulator-control.js';
import { SimulatorMediaHost } from './media-host.js';
import { playDecryptFaults } from './decrypt-faults.js';
import { SendFailures } from './send-failures.js';
import { sentRecord } from './sent-record.js';
import { contactCard } from '../../vcard.js';

export interface SimulatorOptions {
  backoff: BackoffPolicy;
  qrMaxRefreshes: number;
  /** How long one QR stays valid before the next is shown. */
  qrRefreshMs: number;
  /** Where the simulated media host keeps what contacts send. */
  mediaDir: string;
}

interface SimCreds {
  phoneNumber: string;
}

type SimState = 'idle' | 'qr' | 'connecting' | 'connected' | 'stopped';

function simCreds(stored: string): SimCreds | null {
  try {
    const parsed = JSON.parse(stored) as Partial<SimCreds>;
    return typeof parsed.phoneNumber === 'string' && /^\d{5,}$/.test(parsed.phoneNumber) ? { phoneNumber: parsed.phoneNumber } : null;
  } catch {
    return null;
  }
}

class SimulatorEngine implements WhatsAppEngine, SimulatorControl {
  private readonly hub: EventHub;
  private state: SimState = 'idle';
  private creds: SimCreds | null = null;
  private qrCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private readonly failures = new SendFailures();
  private readonly sentLog: SimSentRecord[] = [];
  /** Contacts whose (simulated) Signal session is in the key store. */
  private readonly contactSessions = new Set<string>();
  /** Our sent message ids → recipient chat, so receipts can name their chat. */
  private readonly sentTo = new Map<string, string>();
  private readonly media: SimulatorMediaHost;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: SimulatorOptions,
  ) {
    this.hub = new EventHub(ctx.logger);
    this.media = new SimulatorMediaHost(opts.mediaDir);
  }

  on(handler: EngineEventHandler): () => void {
    return this.hub.on(handler);
  }

  private emit(event: EngineEvent): void {
    this.hub.emit(event);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private later(ms: number, fn: () => Promise<void> | void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.hub.fail('engine_error', err));
    }, ms);
    this.timer.unref();
  }

  async start(): Promise<void> {
    this.state = 'connecting';
    this.qrCount = 0;
    const stored = await this.ctx.auth.loadCreds();
    this.creds = stored ? simCreds(stored) : null;
    if (stored && !this.creds) {
      // Another engine linked this session: those credentials mean nothing here.
      this.state = 'stopped';
      await this.ctx.auth.clear();
      this.emit({ type: 'disconnected', reason: 'logged_out', willReconnect: false, message: 'The stored credentials were not made by this engine; link the number again', code: 401 });
      return;
    }
    this.emit({ type: 'connecting' });
    // Connect on the next tick, as a real socket would, so callers can subscribe first.
    this.later(0, () => this.connectOrShowQr());
  }

  private connectOrShowQr(): void {
    if (this.state === 'stopped') return;
    if (this.creds) {
      this.state = 'connected';
      this.reconnectAttempt = 0;
      const digits = this.creds.phoneNumber;
      this.emit({ type: 'connected', phoneNumber: `+${digits}`, jid: `${digits}@c.us` });
      return;
    }
    this.showQr();
  }

  private showQr(): void {
    if (this.qrCount >= this.opts.qrMaxRefreshes) {
      this.state = 'stopped';
      this.emit({ type: 'disconnected', reason: 'qr_expired', willReconnect: false, message: 'QR refs attempts ended', code: 408 });
      return;
    }
    this.qrCount += 1;
    this.state = 'qr';
    const ref = randomBytes(12).toString('base64');
    this.emit({ type: 'qr', qr: `2@${ref},SIMULATOR,${this.ctx.sessionId},${this.qrCount}` });
    this.later(this.opts.qrRefreshMs, () => this.showQr());
  }

  async stop(reason?: string): Promise<void> {
    const wasRunning = this.state !== 'stopped' && this.state !== 'idle';
    this.clearTimer();
    this.state = 'stopped';
    if (wasRunning) {
      this.emit({ type: 'disconnected', reason: 'closed', willReconnect: false, message: 'Closed on request', ...(reason && { closeReason: reason }) });
    }
  }

  async logout(): Promise<void> {
    this.clearTimer();
    this.state = 'stopped';
    this.creds = null;
    await this.ctx.auth.clear();
    this.emit({ type: 'disconnected', reason: 'client_logout', willReconnect: false, message: 'Logged out on request', code: 401 });
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    if (this.state !== 'qr') throw new EngineSendError('not_connected', 'Pairing codes can be requested only while waiting for login');
    const digits = phoneNumber.replace(/\D/g, '');
    if (digits.length < 7) throw new EngineSendError('unknown', 'A phone number with its country code is required');
    return randomBytes(4).toString('hex').toUpperCase();
  }

  private assertConnected(): void {
    if (this.state !== 'connected' || !this.creds) throw new EngineSendError('not_connected', 'The session is not connected to WhatsApp');
  }

  async sendMessage(chatJid: string, content: OutgoingContent, opts: SendOptions = {}): Promise<SentMessage> {
    this.assertConnected();
    this.failures.next();
    const messageId = opts.messageId ?? newWaMessageId();
    const timestamp = new Date();
    const record = sentRecord(messageId, chatJid, content, timestamp);
    this.sentLog.push(record);
    this.sentTo.set(messageId, chatJid);
    const me = `${this.creds!.phoneNumber}@c.us`;
    const chatKind = chatJid.endsWith('@g.us') ? 'group' : chatJid === 'status@broadcast' ? 'status' : 'individual';
    // Like Baileys with emitOwnEvents: our own send comes back as a message event (stored already, so a duplicate).
    const body = record.kind === 'message' ? record.body : null;
    setImmediate(() =>
      this.emit({
        type: 'message',
        message: {
          messageId,
          chatJid,
          chatKind,
          fromMe: true,
          senderJid: me,
          body,
          messageType: content.type,
          timestamp,
          isPlaceholder: false,
          origin: 'own',
          ...('data' in content && { media: { mimetype: content.mimetype, sizeBytes: content.data.length } }),
          ...(opts.quotedMessageId && { quotedMessageId: opts.quotedMessageId }),
        },
      }),
    );
    return { messageId, timestamp };
  }

  async sendChange(chatJid: string, target: ChangeTarget, change: MessageChange): Promise<void> {
    this.assertConnected();
    const detail = change.kind === 'reaction' ? { emoji: change.emoji } : change.kind === 'edit' ? { body: change.body } : {};
    this.sentLog.push({ kind: change.kind, chatId: chatJid, messageId: target.messageId, ...detail, at: new Date().toISOString() });
  }

  async markRead(chatJid: string, keys: ReadKey[]): Promise<void> {
    this.assertConnected();
    this.sentLog.push({ kind: 'read-receipt', chatId: chatJid, messageIds: keys.map((k) => k.messageId), at: new Date().toISOString() });
  }

  async sendPresence(chatJid: string, state: 'composing' | 'paused'): Promise<void> {
    this.assertConnected();
    this.sentLog.push({ kind: 'presence', chatId: chatJid, state, at: new Date().toISOString() });
  }

  // ---- control surface ----

  async scan(phoneNumber: string): Promise<void> {
    if (this.state !== 'qr') throw new EngineSendError('unknown', 'There is no QR code waiting to be scanned');
    this.clearTimer();
    this.creds = { phoneNumber: phoneNumber.replace(/\D/g, '') };
    await this.ctx.auth.saveCreds(JSON.stringify(this.creds));
    this.state = 'connecting';
    this.emit({ type: 'connecting' });
    this.connectOrShowQr();
  }

  async inbound(msg: SimInbound): Promise<{ messageId: string }> {
    this.assertConnected();
    const messageId = msg.messageId ?? newWaMessageId();
    const from = toCanonicalJid(msg.from);
    const chatJid = msg.status ? 'status@broadcast' : msg.groupId ? toCanonicalJid(msg.groupId, 'group') : from;
    // A contact that writes has a Signal session with us (stored once); Bad MAC cleanup removes it.
    const user = from.split('@')[0]!;
    if (!this.contactSessions.has(user)) {
      await this.ctx.auth.setKeys({ session: { [`${user}.0`]: '{}' } });
      this.contactSessions.add(user);
    }
    if (msg.groupName && msg.groupId) this.emit({ type: 'chat-meta', chatJid, name: msg.groupName });
    const mediaKind = msg.type && msg.type !== 'text' && msg.type !== 'location' && msg.type !== 'contact' ? msg.type : undefined;
    const media = msg.media && mediaKind ? await this.media.receive(messageId, mediaKind, msg.media) : undefined;
    const location = msg.type === 'location' ? msg.location : undefined;
    const contacts = msg.type === 'contact' ? msg.contacts?.map(contactCard) : undefined;
    // The control API answers only once the message is stored, as WhatsApp counts a message
    // received only once the device acknowledged it.
    await this.hub.deliver({
      type: 'message',
      message: {
        messageId,
        chatJid,
        chatKind: msg.status ? 'status' : msg.groupId ? 'group' : 'individual',
        ...(msg.groupName && { chatName: msg.groupName }),
        ...(!msg.groupId && !msg.status && msg.fromName && { chatName: msg.fromName }),
        fromMe: false,
        senderJid: from,
        ...(msg.fromName && { senderName: msg.fromName }),
        body: media ? (msg.media?.caption ?? null) : location || contacts ? null : msg.body,
        messageType: media || location || contacts ? msg.type! : 'text',
        ...(media && { media }),
        ...(location && { location }),
        ...(contacts && { contacts }),
        timestamp: msg.timestamp ?? new Date(),
        isPlaceholder: false,
        origin: 'live',
      },
    });
    return { messageId };
  }

  downloadMedia(locator: MediaLocator, opts: { maxBytes: number }): Promise<Readable> {
    return this.media.download(locator, opts.maxBytes);
  }

  /** A contact's reaction, edit or deletion; the gateway finds the message by its id. */
  private async change(messageId: string, from: string, change: MessageChange): Promise<void> {
    this.assertConnected();
    const senderJid = toCanonicalJid(from);
    await this.hub.deliver({ type: 'message-change', chatJid: senderJid, messageId, senderJid, fromMe: false, timestamp: new Date(), change });
  }

  reaction(args: { messageId: string; from: string; emoji: string }): Promise<void> {
    return this.change(args.messageId, args.from, { kind: 'reaction', emoji: args.emoji });
  }

  edit(args: { messageId: string; from: string; body: string }): Promise<void> {
    return this.change(args.messageId, args.from, { kind: 'edit', body: args.body });
  }

  revoke(args: { messageId: string; from: string }): Promise<void> {
    return this.change(args.messageId, args.from, { kind: 'revoke' });
  }

  async mediaOutage(args: { down: boolean }): Promise<void> {
    this.media.outage = args.down;
  }

  expireMedia(args: { messageId: string; reupload: boolean }): Promise<void> {
    return this.media.expireMessage(args.messageId, args.reupload);
  }

  async typing(args: { chatId: string; isTyping: boolean; participantId?: string }): Promise<void> {
    this.assertConnected();
    const chatJid = toCanonicalJid(args.chatId);
    this.emit({
      type: 'typing',
      chatJid,
      participantJid: args.participantId ? toCanonicalJid(args.participantId) : chatJid,
      isTyping: args.isTyping,
      timestamp: new Date(),
    });
  }

  async receipt(args: { messageId: string; status: 'delivered' | 'read' }): Promise<void> {
    this.assertConnected();
    const chatJid = this.sentTo.get(args.messageId);
    if (!chatJid) throw new EngineSendError('unknown', `No message ${args.messageId} was sent by this session`);
    await this.hub.deliver({ type: 'message-status', messageId: args.messageId, chatJid, status: args.status, timestamp: new Date() });
  }

  async decryptErrors(args: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count: number }): Promise<void> {
    this.assertConnected();
    await playDecryptFaults({ auth: this.ctx.auth, hub: this.hub, contactSessions: this.contactSessions, connected: () => this.state === 'connected' }, args);
  }

  async connectionLoss(reason: 'connection_lost' | 'logged_out' | 'replaced'): Promise<void> {
    this.assertConnected();
    this.clearTimer();
    if (reason === 'logged_out') {
      this.state = 'stopped';
      this.creds = null;
      await this.ctx.auth.clear();
      this.emit({ type: 'disconnected', reason: 'logged_out', willReconnect: false, message: 'Logged out from the phone', code: 401 });
      return;
    }
    if (reason === 'replaced') {
      this.state = 'stopped';
      this.emit({ type: 'disconnected', reason: 'replaced', willReconnect: false, message: 'Connection replaced by another client', code: 440 });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectAttempt += 1;
    const delay = backoffDelay(this.opts.backoff, this.reconnectAttempt);
    if (delay === null) {
      this.state = 'stopped';
      this.emit({ type: 'disconnected', reason: 'failed', willReconnect: false, message: `Gave up after ${this.reconnectAttempt - 1} reconnect attempts` });
      return;
    }
    this.state = 'connecting';
    this.emit({
      type: 'disconnected',
      reason: 'connection_lost',
      willReconnect: true,
      message: 'Connection to WhatsApp lost',
      code: 428,
      attempt: this.reconnectAttempt,
      retryInMs: delay,
    });
    this.later(delay, () => {
      if (this.state === 'stopped') return;
      this.emit({ type: 'connecting' });
      this.connectOrShowQr();
    });
  }

  async sendFailures(args: { errorType: 'rate_limit' | 'network' | 'not_on_whatsapp'; count: number }): Promise<void> {
    this.failures.add(args.errorType, args.count);
  }

  async sent(): Promise<SimSentRecord[]> {
    return [...this.sentLog];
  }
}

/** The engine factory, and the control of each session's latest engine (the simulator API plays them). */
export function createSimulatorEngines(opts: SimulatorOptions): { factory: (ctx: EngineContext) => WhatsAppEngine; controls: SimulatorControls } {
  const engines = new Map<string, SimulatorEngine>();
  return {
    factory: (ctx) => {
      const engine = new SimulatorEngine(ctx, opts);
      engines.set(ctx.sessionId, engine);
      return engine;
    },
    controls: { of: (sessionId) => engines.get(sessionId) },
  };
}
