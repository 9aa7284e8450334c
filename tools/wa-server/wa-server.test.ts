/**
 * The real Baileys engine (makeWASocket, libsignal, our engine adapter) against the loopback
 * WhatsApp Web server: linking, restart from stored credentials, encrypted messages both ways,
 * receipts, decrypt faults with their key cleanup, offline delivery, conflict, drops and logout.
 * Media (the HTTPS media host, files both ways, expiry, media retry) is in media.test.ts.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Curve, proto, WA_CERT_DETAILS } from 'baileys';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderQr } from '../../src/sessions/qr.js';
import type { AuthStateStore, EngineEvent, OutgoingContent, WhatsAppEngine } from '../../src/whatsapp/engine.js';
import type { BaileysEngine} from '../../src/whatsapp/engines/baileys/index.js';
import { createBaileysEngineFactory } from '../../src/whatsapp/engines/baileys/index.js';
import { testServerControls } from '../../src/whatsapp/test-server-control.js';
import { buildCertChain } from './cert.js';
import { WaTestServer } from './server.js';

const PHONE = '77079856339';
const DANA = '77012223344';

function memoryAuthStore() {
  let creds: string | null = null;
  const keys = new Map<string, string>();
  const k = (type: string, id: string) => `${type}\u0000${id}`;
  const store: AuthStateStore = {
    loadCreds: async () => creds,
    saveCreds: async (s) => {
      creds = s;
    },
    getKeys: async (type, ids) => Object.fromEntries(ids.filter((id) => keys.has(k(type, id))).map((id) => [id, keys.get(k(type, id))!])),
    setKeys: async (data) => {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) {
          if (v === null) keys.delete(k(type, id));
          else keys.set(k(type, id), v);
        }
    },
    listKeyIds: async (type, prefix) => [...keys.keys()].filter((x) => x.startsWith(k(type, prefix))).map((x) => x.split('\u0000')[1]!),
    clear: async () => {
      creds = null;
      keys.clear();
    },
  };
  const idsOf = (type: string) => [...keys.keys()].filter((x) => x.startsWith(`${type}\u0000`)).map((x) => x.split('\u0000')[1]!);
  return { store, creds: () => creds, sessionIds: () => idsOf('session'), journalIds: () => idsOf('inbound-journal') };
}

class Recorder {
  readonly events: EngineEvent[] = [];
  private waiters: { test: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  push = (e: EngineEvent): void => {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => (w.test(e) ? (w.resolve(e), false) : true));
  };
  /** The first matching event, already recorded or still to come. */
  next<T extends EngineEvent['type']>(type: T, test: (e: Extract<EngineEvent, { type: T }>) => boolean = () => true, timeoutMs = 15_000) {
    const seen = this.events.find((e) => e.type === type && test(e as Extract<EngineEvent, { type: T }>));
    if (seen) return Promise.resolve(seen as Extract<EngineEvent, { type: T }>);
    return new Promise<Extract<EngineEvent, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event; got ${this.events.map((e) => e.type).join(', ')}`)), timeoutMs);
      this.waiters.push({
        test: (e) => e.type === type && test(e as Extract<EngineEvent, { type: T }>),
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as Extract<EngineEvent, { type: T }>);
        },
      });
    });
  }
  of<T extends EngineEvent['type']>(type: T) {
    return this.events.filter((e) => e.type === type) as Extract<EngineEvent, { type: T }>[];
  }
}

describe('the Baileys engine on the loopback WhatsApp Web server', () => {
  let stateFile: string;
  let server: WaTestServer;
  let controls: ReturnType<typeof testServerControls>;
  let engine: WhatsAppEngine;
  let rec: Recorder;
  const auth = memoryAuthStore();
  const ours = new Map<string, OutgoingContent>();
  let neverStored: string | undefined;

  const newEngine = (): WhatsAppEngine => {
    const factory = createBaileysEngineFactory({
      backoff: { baseMs: 50, maxMs: 200, maxRetries: 20 },
      qrMaxRefreshes: 3,
      resolveVersion: async () => [2, 3000, 1027934701],
      waWebSocketUrl: server.url,
    });
    const e = factory({
      sessionId: 's1',
      companyId: 'c1',
      logger: pino({ level: 'silent' }),
      auth: auth.store,
      getStoredMessage: async (_chat, id) => ours.get(id) ?? null,
    });
    controls.track('s1', e as BaileysEngine);
    rec = new Recorder();
    e.on((event) => {
      rec.push(event);
      // A message whose storing never finishes, as if the process died while writing it.
      if (event.type === 'message' && event.message.body === neverStored) return new Promise<void>(() => undefined);
    });
    return e;
  };
  const sim = () => controls.of('s1')!;
  /** The linked device's Signal sessions with Dana, under her phone number or her LID. */
  const danaSessions = async () => {
    const lid = server.dir.contact(DANA)!.lid;
    return auth.sessionIds().filter((id) => id.startsWith(`${DANA}.`) || id.startsWith(`${lid}_`));
  };

  beforeAll(async () => {
    stateFile = path.join(await mkdtemp(path.join(tmpdir(), 'wa-server-')), 'state.json');
    server = await WaTestServer.start({ stateFile });
    controls = testServerControls(server);
  });

  afterAll(async () => {
    await engine?.stop();
    await server?.close();
  });

  it('links by QR: a real linking QR, the scan, the 515 restart, then connected', async () => {
    engine = newEngine();
    await engine.start();
    const { qr } = await rec.next('qr');
    expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#2@[^,]+,[^,]+,[^,]+,[^,]+,/);
    expect(await renderQr(qr)).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    await sim().scan(PHONE);
    const connected = await rec.next('connected');
    expect(connected).toMatchObject({ phoneNumber: `+${PHONE}`, jid: `${PHONE}@c.us` });
    // The 515 after pairing is a restart, not a disconnect.
    expect(rec.of('disconnected')).toEqual([]);
    expect(rec.of('connecting').length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(auth.creds()!).me.id).toBe(`${PHONE}:2@s.whatsapp.net`);
  });

  it('after a crash of both sides, logs in from the stored credentials without a QR', async () => {
    // Everything in memory is gone: the server's process and the engine's socket.
    await server.close();
    await engine.stop();
    server = await WaTestServer.start({ stateFile });
    controls = testServerControls(server);
    engine = newEngine();
    await engine.start();
    await rec.next('connected');
    expect(rec.of('qr')).toEqual([]);
  });

  it('receives an encrypted message and the contact decrypts the reply; ticks move', async () => {
    const { messageId } = await sim().inbound({ from: DANA, fromName: 'Dana', body: 'Hello there' });
    const inbound = await rec.next('message', (e) => e.message.messageId === messageId);
    expect(inbound.message).toMatchObject({ chatJid: `${DANA}@c.us`, chatName: 'Dana', fromMe: false, body: 'Hello there', origin: 'live', isPlaceholder: false });
    expect(await danaSessions()).not.toEqual([]);

    const sent = await engine.sendMessage(`${DANA}@c.us`, { type: 'text', text: 'Hi Dana' });
    ours.set(sent.messageId, { type: 'text', text: 'Hi Dana' });
    expect(await sim().sent()).toContainEqual(expect.objectContaining({ kind: 'message', messageId: sent.messageId, to: `${DANA}@c.us`, body: 'Hi Dana' }));
    await sim().receipt({ messageId: sent.messageId, status: 'delivered' });
    await rec.next('message-status', (e) => e.messageId === sent.messageId && e.status === 'delivered');
    await sim().receipt({ messageId: sent.messageId, status: 'read' });
    await rec.next('message-status', (e) => e.messageId === sent.messageId && e.status === 'read');

    await engine.markRead(`${DANA}@c.us`, [{ messageId }]);
    await expect.poll(async () => (await sim().sent()).filter((r) => r.kind === 'read-receipt')).toEqual([expect.objectContaining({ chatId: `${DANA}@c.us`, messageIds: [messageId] })]);
  });

  it('a group message arrives with the group subject; typing arrives for a subscribed contact', async () => {
    const { messageId } = await sim().inbound({ from: '77019990000', fromName: 'Gleb', body: 'Team?', groupId: '120363000000000001', groupName: 'Sales team' });
    const msg = await rec.next('message', (e) => e.message.messageId === messageId);
    expect(msg.message).toMatchObject({ chatJid: '120363000000000001@g.us', chatKind: 'group', chatName: 'Sales team', senderJid: '77019990000@c.us', body: 'Team?' });
    await expect.poll(() => sim().typing({ chatId: DANA, isTyping: true }).then(() => true)).toBe(true);
    await rec.next('typing', (e) => e.chatJid === `${DANA}@c.us` && e.isTyping);
  });

  it('each real Bad MAC is reported and deletes the sender sessions through the key store', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await danaSessions()).not.toEqual([]);
      await sim().decryptErrors({ kind: 'bad_mac', from: DANA, count: 1 });
      const err = await rec.next('decrypt-error', () => rec.of('decrypt-error').length === i);
      const placeholder = await rec.next('message', (e) => e.message.messageId === err.messageId);
      expect(err).toMatchObject({ kind: 'bad_mac', senderJid: `${DANA}@c.us`, detail: 'Bad MAC' });
      expect(err.keysRemoved).toBeGreaterThan(0);
      expect(await danaSessions()).toEqual([]);
      // The placeholder is stored like any message; the contact's next message opens a new session.
      expect(placeholder.message).toMatchObject({ isPlaceholder: true, body: null, messageType: 'ciphertext' });
      const { messageId } = await sim().inbound({ from: DANA, body: `after Bad MAC ${i}` });
      expect((await rec.next('message', (e) => e.message.messageId === messageId)).message.body).toBe(`after Bad MAC ${i}`);
    }
  });

  it('a sender-key message that fails AES-CBC is a Bad Decrypt', async () => {
    await sim().decryptErrors({ kind: 'bad_decrypt', from: '77015550000', count: 1 });
    const err = await rec.next('decrypt-error', (e) => e.kind === 'bad_decrypt');
    expect(err).toMatchObject({ senderJid: '77015550000@c.us', detail: 'InvalidMessageException' });
  });

  it('a refused send fails with its kind; a dropped connection reconnects by itself', async () => {
    await sim().sendFailures({ errorType: 'rate_limit', count: 1 });
    await expect(engine.sendMessage(`${DANA}@c.us`, { type: 'text', text: 'too fast' })).rejects.toMatchObject({ kind: 'rate_limit' });
    await sim().sendFailures({ errorType: 'network', count: 1 });
    await expect(engine.sendMessage(`${DANA}@c.us`, { type: 'text', text: 'lost' })).rejects.toMatchObject({ kind: 'network' });
    await rec.next('connected', () => rec.of('connected').length >= 2);
    await sim().connectionLoss('connection_lost');
    await rec.next('disconnected', (e) => e.reason === 'connection_lost' && e.willReconnect);
    await rec.next('connected', () => rec.of('connected').length >= 3);
  });

  it('a message acknowledged to WhatsApp but never stored is handled at the next start (the inbound journal)', async () => {
    neverStored = 'lost without the journal';
    const { messageId } = await sim().inbound({ from: DANA, body: neverStored });
    await rec.next('message', (e) => e.message.messageId === messageId);
    // WhatsApp was told: the server no longer holds it for the device and will not send it again.
    const device = () => server.dir.account(PHONE)!.devices['2']!;
    await expect.poll(() => device().pending.some((st) => st.attrs.id === messageId)).toBe(false);
    expect(auth.journalIds()).toContain(messageId);
    neverStored = undefined;
    await engine.stop();
    engine = newEngine();
    await engine.start();
    const again = await rec.next('message', (e) => e.message.messageId === messageId);
    expect(again.message).toMatchObject({ body: 'lost without the journal', origin: 'offline', senderJid: `${DANA}@c.us` });
    await expect.poll(() => auth.journalIds()).toEqual([]);
  });

  it('what arrives while the device is offline is delivered at its next login', async () => {
    await engine.stop();
    const { messageId } = await server.device(`${PHONE}:2@s.whatsapp.net`).inbound({ from: DANA, body: 'while you were away' });
    engine = newEngine();
    await engine.start();
    const msg = await rec.next('message', (e) => e.message.messageId === messageId);
    expect(msg.message).toMatchObject({ body: 'while you were away', origin: 'offline' });
  });

  it('a conflict ends the session as replaced; a restart brings it back', async () => {
    await sim().connectionLoss('replaced');
    expect(await rec.next('disconnected', (e) => e.reason === 'replaced')).toMatchObject({ willReconnect: false, code: 440 });
    const before = rec.of('connected').length;
    await engine.start();
    await rec.next('connected', () => rec.of('connected').length > before);
  });

  it('logout unlinks the device and wipes the credentials', async () => {
    await engine.logout();
    expect(await rec.next('disconnected', (e) => e.reason === 'client_logout')).toMatchObject({ willReconnect: false });
    expect(auth.creds()).toBeNull();
    expect(auth.sessionIds()).toEqual([]);
    await expect.poll(() => Object.keys(server.dir.account(PHONE)!.devices)).toEqual([]);
  });
});

describe('the server certificate', () => {
  it("passes Baileys' checks: the leaf is signed by our intermediate; the intermediate's zero signature passes only through Curve.verify's leniency", () => {
    const chain = proto.CertChain.decode(buildCertChain(Curve.generateKeyPair()));
    const intermediate = proto.CertChain.NoiseCertificate.Details.decode(chain.intermediate!.details!);
    expect(intermediate.issuerSerial).toBe(WA_CERT_DETAILS.SERIAL);
    expect(Curve.verify(intermediate.key!, chain.leaf!.details!, chain.leaf!.signature!)).toBe(true);
    // The canary: the day Baileys really checks WhatsApp's root signature, this fails, and so will
    // every handshake with the test server (noise-handler.js processHandshake).
    expect(Curve.verify(WA_CERT_DETAILS.PUBLIC_KEY, chain.intermediate!.details!, chain.intermediate!.signature!)).toBe(true);
  });
});
