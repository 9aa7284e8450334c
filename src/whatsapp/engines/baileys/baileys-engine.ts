/**
 * The WhatsAppEngine on Baileys: one socket at a time per session, recreated on reconnect.
 * Connection trouble never rejects `start()`; it becomes `disconnected` events and a backoff loop.
 */
import { addTransactionCapability, Browsers, DEFAULT_CONNECTION_CONFIG, type BaileysEventMap, type BinaryNode } from 'baileys';
import type { Readable } from 'node:stream';
import { backoffDelay } from '../../backoff.js';
import {
  EngineSendError,
  type MediaLocator,
  type ChangeTarget,
  type MessageChange,
  type EngineContext,
  type EngineEvent,
  type EngineEventHandler,
  type OutgoingContent,
  type ReadKey,
  type SendOptions,
  type SentMessage,
  type WhatsAppEngine,
} from '../../engine.js';
import { ForeignCredentialsError, loadAuthState, type DbAuthState } from './auth-state.js';
import { InboundTranslator, type InboundSocket } from './inbound.js';
import { InboundJournal } from './inbound-journal.js';
import { toBaileysJid, toCanonical } from './jids.js';
import { createHookedLogger, type BaileysLogger } from './logger-hook.js';
import { createMemoryCache, type CacheStore } from './memory-cache.js';
import { downloadMedia } from './media-download.js';
import { lookupOwnMessage, sendChange, sendOutgoing, toReadKeys, toSendError } from './outgoing.js';
import { EventHub } from '../../event-hub.js';
import { decideOnClose } from './reconnect.js';
import { SUBSCRIBED_EVENTS, transportError, type BaileysEngineOptions, type BaileysSocket } from './socket.js';

type State = 'idle' | 'connecting' | 'qr' | 'open' | 'stopped';

export type { BaileysEngineOptions };

export class BaileysEngine implements WhatsAppEngine {
  private readonly hub: EventHub;
  private readonly logger: BaileysLogger;
  private readonly retryCounters: CacheStore = createMemoryCache(60 * 60 * 1000);
  private readonly inbound: InboundTranslator;
  private readonly journal: InboundJournal;
  /** Set by start(): what the journal still holds is handled before the first socket opens. */
  private replayJournal = false;
  private state: State = 'idle';
  /** Set by our own stop()/logout(): the close that follows is ours, not a failure. */
  private stopping = false;
  /** Bumped for every socket; events of an older socket are ignored. */
  private generation = 0;
  private sock: BaileysSocket | undefined;
  private auth: DbAuthState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private attempt = 0;
  private restartStreak = 0;
  private qrCount = 0;
  private pairingRequested = false;
  private refreshVersion = false;
  private ownJid: string | undefined;
  private qrWaiters: (() => void)[] = [];
  private lastQr: string | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: BaileysEngineOptions,
  ) {
    this.hub = new EventHub(ctx.logger);
    const base = ctx.logger.child({ module: 'baileys' });
    // Baileys is chatty at info; keep its lines at warn unless we are debugging.
    if (base.level === 'info') base.level = 'warn';
    this.logger = createHookedLogger(base, (signal) => {
      const sock = this.sock;
      if (sock) this.track('decrypt_log', this.inbound.onDecryptLog(sock, signal));
    });
    this.journal = new InboundJournal({ store: ctx.auth, logger: this.logger });
    this.inbound = new InboundTranslator({
      ctx,
      emit: (e) => this.emit(e),
      deliver: (e) => this.hub.deliver(e),
      journal: this.journal,
      ownJid: () => this.ownJid,
      fail: (type, err) => this.hub.fail(type, err),
    });
  }

  on(handler: EngineEventHandler): () => void {
    return this.hub.on(handler);
  }

  /** The QR on display while the session waits to be linked. */
  get currentQr(): string | undefined {
    return this.state === 'qr' ? this.lastQr : undefined;
  }

  /** This linked device's own JID (`<phone>:<device>@s.whatsapp.net`), once linked. */
  get linkedDeviceJid(): string | undefined {
    return this.sock?.user?.id ?? this.auth?.state.creds.me?.id;
  }

  private emit(event: EngineEvent): void {
    this.hub.emit(event);
  }

  private track(errorType: string, work: Promise<unknown>): void {
    this.hub.track(errorType, work);
  }

  async start(): Promise<void> {
    if (this.state === 'connecting' || this.state === 'qr' || this.state === 'open') return;
    this.stopping = false;
    this.attempt = 0;
    this.restartStreak = 0;
    this.qrCount = 0;
    this.state = 'connecting';
    this.replayJournal = true;
    // Every start reads the credentials afresh (a restart, or another node, may have changed them).
    await this.auth?.flush().catch(() => undefined);
    this.auth = undefined;
    await this.openSocket();
  }

  /**
   * Messages decrypted (and so acknowledged to WhatsApp) before a crash, whose handling did not
   * finish, are handled now, before new ones arrive. The socket is not open yet: no group
   * subjects or presence are asked for them.
   */
  private async handleJournaled(auth: DbAuthState): Promise<void> {
    const me = auth.state.creds.me;
    if (!me?.id) return;
    const messages = await this.journal.pending({ id: me.id, lid: me.lid ?? null }, auth.state);
    if (messages.length === 0) return;
    this.ctx.logger.warn({ count: messages.length }, 'handling messages that were received before the last stop but not stored');
    const keys = addTransactionCapability(auth.state.keys, this.logger, DEFAULT_CONNECTION_CONFIG.transactionOpts);
    const offline: InboundSocket = {
      authState: { creds: auth.state.creds, keys },
      signalRepository: DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: auth.state.creds, keys }, this.logger),
      presenceSubscribe: async () => undefined,
      groupMetadata: () => Promise.reject(new Error('not connected')),
    };
    await this.inbound.onUpsert(offline, { messages, type: 'append' });
  }

  private async openSocket(): Promise<void> {
    const gen = ++this.generation;
    this.pairingRequested = false;
    try {
      this.auth ??= await loadAuthState(this.ctx.auth, this.logger);
      if (this.replayJournal) {
        this.replayJournal = false;
        await this.handleJournaled(this.auth);
      }
      const refresh = this.refreshVersion;
      this.refreshVersion = false;
      const version = await this.opts.resolveVersion(refresh ? { refresh } : undefined);
      if (this.stopping || gen !== this.generation) return;
      const auth = this.auth;
      const sock = this.opts.socketFactory({
        auth: auth.state,
        logger: this.logger,
        version,
        browser: this.opts.browser ?? Browsers.macOS('Chrome'),
        markOnlineOnConnect: false,
        syncFullHistory: false,
        msgRetryCounterCache: this.retryCounters,
        shouldIgnoreJid: () => false,
        getMessage: (key) => lookupOwnMessage(this.ctx, key),
        makeSignalRepository: this.journal.wrap(),
        ...(this.opts.waWebSocketUrl && { waWebSocketUrl: this.opts.waWebSocketUrl }),
        ...(this.opts.connectTimeoutMs && { connectTimeoutMs: this.opts.connectTimeoutMs }),
        ...(this.opts.mediaAgent && { fetchAgent: this.opts.mediaAgent }),
      });
      this.sock = sock;
      this.subscribe(sock, gen, auth);
    } catch (err) {
      if (err instanceof ForeignCredentialsError && gen === this.generation) {
        // Not ours to use (another engine wrote them): the number must be linked again.
        this.generation++;
        this.state = 'stopped';
        await this.wipeCreds().catch((e: unknown) => this.hub.fail('creds_wipe_failed', e));
        this.emit({ type: 'disconnected', reason: 'logged_out', willReconnect: false, message: err.message, code: 401 });
        return;
      }
      // Creating the socket or loading creds failed: same path as a dropped connection.
      if (gen === this.generation) await this.onClose(gen, err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Stanzas are shown to the journal before Baileys decrypts them (listeners run in order). */
  private readonly watchStanza = (stanza: BinaryNode): void => this.journal.watch(stanza);

  private subscribe(sock: BaileysSocket, gen: number, auth: DbAuthState): void {
    sock.ws.prependListener('CB:message', this.watchStanza);
    // Baileys forwards ws' 'unexpected-response' without handling it, and ws then reports neither
    // 'error' nor 'close': a refused upgrade (HTTP 403/5xx) would leave the socket hanging forever.
    sock.ws.on('unexpected-response', (_req: unknown, res: { statusCode?: number } | undefined) => {
      if (gen !== this.generation) return;
      const statusCode = res?.statusCode ?? 500;
      this.track('socket_end_failed', sock.end(transportError(`WebSocket Error (Unexpected server response: ${statusCode})`, statusCode)));
    });
    this.armWatchdog(sock, gen);
    const on = <E extends keyof BaileysEventMap>(event: E, fn: (arg: BaileysEventMap[E]) => void | Promise<void>): void => {
      sock.ev.on(event, (arg: BaileysEventMap[E]) => {
        if (gen !== this.generation) return;
        try {
          const r = fn(arg);
          if (r) this.track(`${event}_failed`, r);
        } catch (err) {
          this.hub.fail(`${event}_failed`, err);
        }
      });
    };
    on('connection.update', (u) => this.onConnectionUpdate(sock, gen, u));
    on('creds.update', () => auth.saveCreds());
    on('messages.upsert', (m) => this.inbound.onUpsert(sock, m));
    on('messages.update', (u) => this.inbound.onStatusUpdates(u));
    on('message-receipt.update', (r) => this.inbound.onReceipts(r));
    on('presence.update', (p) => this.inbound.onPresence(sock, p));
    on('groups.update', (g) => this.inbound.onGroups(g));
    on('groups.upsert', (g) => this.inbound.onGroups(g));
  }

  /** A socket that neither opens nor shows a QR in time is ended, so the backoff loop takes over. */
  private armWatchdog(sock: BaileysSocket, gen: number): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (gen !== this.generation || this.state === 'qr' || this.state === 'open') return;
      this.track('socket_end_failed', sock.end(transportError('Timed out connecting to WhatsApp', 408)));
    }, this.opts.openTimeoutMs ?? 60_000);
    this.watchdog.unref();
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Only our own listeners: `removeAllListeners()` without a name would also kill the buffer's internals. */
  private dropSocket(sock: BaileysSocket | undefined): void {
    if (!sock) return;
    this.clearWatchdog();
    for (const event of SUBSCRIBED_EVENTS) sock.ev.removeAllListeners(event);
    sock.ws.removeAllListeners('unexpected-response');
    sock.ws.removeListener('CB:message', this.watchStanza);
    if (this.sock === sock) this.sock = undefined;
  }

  private async onConnectionUpdate(sock: BaileysSocket, gen: number, u: BaileysEventMap['connection.update']): Promise<void> {
    if (u.qr) this.onQr(sock, u.qr);
    if (u.connection === 'connecting') this.emit({ type: 'connecting' });
    if (u.connection === 'open') {
      this.state = 'open';
      this.attempt = 0;
      this.restartStreak = 0;
      this.qrCount = 0;
      this.inbound.resetConnection();
      const me = sock.user;
      this.ownJid = toCanonical(me?.id) ?? undefined;
      const digits = this.ownJid?.split('@')[0];
      if (!this.ownJid || !digits) {
        // A server that lets us in without saying who we are is not a linked number.
        this.terminate(sock, { reason: 'failed', message: 'WhatsApp opened the connection without an account identity', code: 500 });
        return;
      }
      this.emit({ type: 'connected', phoneNumber: `+${digits}`, jid: this.ownJid, ...(me?.name && { pushName: me.name }) });
    }
    if (u.connection === 'close') await this.onClose(gen, u.lastDisconnect?.error);
  }

  private onQr(sock: BaileysSocket, qr: string): void {
    if (this.pairingRequested) return;
    if (this.qrCount >= this.opts.qrMaxRefreshes) {
      this.terminate(sock, { reason: 'qr_expired', message: 'QR code was not scanned in time', code: 408 });
      return;
    }
    this.qrCount += 1;
    this.state = 'qr';
    this.lastQr = qr;
    this.emit({ type: 'qr', qr });
    for (const wake of this.qrWaiters.splice(0)) wake();
  }

  /** Stops for good on our own decision (QR cap, no identity): the socket's close is then ignored. */
  private terminate(sock: BaileysSocket, e: { reason: 'qr_expired' | 'failed'; message: string; code: number }): void {
    this.generation++;
    this.state = 'stopped';
    this.dropSocket(sock);
    this.track('socket_end_failed', sock.end(undefined));
    this.emit({ type: 'disconnected', reason: e.reason, willReconnect: false, message: e.message, code: e.code });
  }

  private async onClose(gen: number, error: Error | undefined): Promise<void> {
    if (gen !== this.generation) return;
    this.generation++;
    this.dropSocket(this.sock);
    if (this.stopping || this.state === 'stopped') return;
    const d = decideOnClose(error);
    if (d.action === 'stop') {
      this.state = 'stopped';
      // A failed wipe must not swallow the disconnect: report both.
      if (d.wipeCreds) await this.wipeCreds().catch((err: unknown) => this.hub.fail('creds_wipe_failed', err));
      this.emit({ type: 'disconnected', reason: d.reason, willReconnect: false, message: d.message, ...(d.code && { code: d.code }) });
      return;
    }
    if (d.action === 'restart' && ++this.restartStreak <= (this.opts.maxRestartStreak ?? 3)) {
      this.state = 'connecting';
      await this.openSocket();
      return;
    }
    if (d.action === 'retry' && d.refreshVersion) this.refreshVersion = true;
    this.attempt += 1;
    const delay = backoffDelay(this.opts.backoff, this.attempt);
    if (delay === null) {
      this.state = 'stopped';
      const message = `Gave up after ${this.attempt - 1} reconnect attempts: ${d.message}`;
      this.emit({ type: 'disconnected', reason: 'failed', willReconnect: false, message, ...(d.code && { code: d.code }) });
      return;
    }
    this.state = 'connecting';
    this.emit({
      type: 'disconnected',
      reason: 'connection_lost',
      willReconnect: true,
      message: d.message,
      ...(d.code && { code: d.code }),
      attempt: this.attempt,
      retryInMs: delay,
    });
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state !== 'stopped' && !this.stopping) this.track('reconnect_failed', this.openSocket());
    }, delay);
    // A pending reconnect must not keep a shutting-down process alive.
    this.timer.unref();
  }

  private async wipeCreds(): Promise<void> {
    // Let queued creds writes land first, or one could re-create the creds after the wipe.
    await this.auth?.flush().catch(() => undefined);
    this.auth = undefined;
    await this.ctx.auth.clear();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends our socket on purpose; its close event is ignored (generation bump + stopping flag). */
  private async shutdown(endSocket: (sock: BaileysSocket) => Promise<void>): Promise<boolean> {
    const wasRunning = this.state !== 'idle' && this.state !== 'stopped';
    this.stopping = true;
    this.clearTimer();
    this.generation++;
    this.state = 'stopped';
    const sock = this.sock;
    if (sock) {
      await endSocket(sock).catch((err: unknown) => this.ctx.logger.warn({ err }, 'closing the socket failed'));
      this.dropSocket(sock);
    }
    for (const wake of this.qrWaiters.splice(0)) wake();
    return wasRunning;
  }

  async stop(reason?: string): Promise<void> {
    const wasRunning = await this.shutdown((sock) => sock.end(undefined));
    if (wasRunning) {
      this.emit({ type: 'disconnected', reason: 'closed', willReconnect: false, message: 'Closed on request', ...(reason && { closeReason: reason }) });
    }
  }

  async logout(): Promise<void> {
    await this.shutdown(async (sock) => {
      const timeoutMs = this.opts.logoutTimeoutMs ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      // Best effort: an unreachable WhatsApp must not keep the credentials alive.
      await Promise.race([sock.logout().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
      await sock.end(undefined).catch(() => undefined);
    });
    await this.wipeCreds();
    this.emit({ type: 'disconnected', reason: 'client_logout', willReconnect: false, message: 'Logged out on request', code: 401 });
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    const digits = phoneNumber.replace(/\D/g, '');
    if (digits.length < 5) throw new EngineSendError('unknown', 'A phone number with country code is required');
    if (this.state === 'open') throw new EngineSendError('unknown', 'The session is already linked');
    if (this.state === 'connecting' && this.sock) {
      // The server accepts a pairing request only once it offered a QR (the socket is waiting for login).
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20_000);
        this.qrWaiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    const sock = this.sock;
    if (this.state !== 'qr' || !sock) throw new EngineSendError('not_connected', 'No connection is waiting for login');
    const code = await sock.requestPairingCode(digits).catch((err: unknown) => {
      throw toSendError(err);
    });
    this.pairingRequested = true;
    this.emit({ type: 'pairing-code', code });
    return code;
  }

  private requireOpen(): BaileysSocket {
    if (this.state !== 'open' || !this.sock) throw new EngineSendError('not_connected', 'WhatsApp is not connected');
    return this.sock;
  }

  async sendMessage(chatJid: string, content: OutgoingContent, opts?: SendOptions): Promise<SentMessage> {
    return sendOutgoing(this.requireOpen(), this.ctx, chatJid, content, opts, this.opts.ackTimeoutMs);
  }

  async downloadMedia(locator: MediaLocator, opts: { maxBytes: number }): Promise<Readable> {
    return downloadMedia(this.requireOpen(), locator, { maxBytes: opts.maxBytes, agent: this.opts.mediaAgent });
  }

  async sendChange(chatJid: string, target: ChangeTarget, change: MessageChange): Promise<void> {
    await sendChange(this.requireOpen(), chatJid, target, change);
  }

  async markRead(chatJid: string, keys: ReadKey[]): Promise<void> {
    const sock = this.requireOpen();
    await sock.readMessages(toReadKeys(chatJid, keys)).catch((err: unknown) => {
      throw toSendError(err);
    });
  }

  async sendPresence(chatJid: string, state: 'composing' | 'paused'): Promise<void> {
    const sock = this.requireOpen();
    await sock.sendPresenceUpdate(state, toBaileysJid(chatJid)).catch((err: unknown) => {
      throw toSendError(err);
    });
  }
}
