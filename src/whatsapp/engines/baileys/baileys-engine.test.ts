import { Boom } from '@hapi/boom';
import {
  addTransactionCapability,
  DEFAULT_CONNECTION_CONFIG,
  DisconnectReason,
  makeEventBuffer,
  proto,
  WAMessageStubType,
  type UserFacingSocketConfig,
  type WAMessage,
  type WAMessageKey,
} from 'baileys';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthStateStore, EngineEvent, OutgoingContent, WhatsAppEngine } from '../../engine.js';
import { EngineSendError } from '../../engine.js';
import { serialize } from './auth-state.js';
import { createBaileysEngineFactory } from './index.js';
import type { BaileysSocket } from './socket.js';

const silent = pino({ level: 'silent' });
const tick = () => new Promise((r) => setImmediate(r));

/** The database store, in memory, with spies. */
function memoryStore() {
  let creds: string | null = null;
  const keys = new Map<string, string>();
  const k = (t: string, id: string) => `${t}\u0000${id}`;
  const store = {
    loadCreds: vi.fn(async () => creds),
    saveCreds: vi.fn(async (s: string) => {
      creds = s;
    }),
    getKeys: vi.fn(async (type: string, ids: string[]) => {
      const out: Record<string, string> = {};
      for (const id of ids) if (keys.has(k(type, id))) out[id] = keys.get(k(type, id))!;
      return out;
    }),
    setKeys: vi.fn(async (data: Record<string, Record<string, string | null>>) => {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) {
          if (v === null) keys.delete(k(type, id));
          else keys.set(k(type, id), v);
        }
    }),
    listKeyIds: vi.fn(async (type: string, prefix: string) =>
      [...keys.keys()].filter((x) => x.startsWith(`${type}\u0000${prefix}`)).map((x) => x.split('\u0000')[1]!),
    ),
    clear: vi.fn(async () => {
      creds = null;
      keys.clear();
    }),
  } satisfies AuthStateStore;
  return { store, keys: () => [...keys.keys()].map((x) => x.replace('\u0000', ':')) };
}

interface Fake {
  sock: BaileysSocket;
  config: UserFacingSocketConfig;
  ev: ReturnType<typeof makeEventBuffer>;
  keysSet: ReturnType<typeof vi.fn>;
  close(code: number, message?: string): void;
  open(id?: string): void;
}

/** The error code the fake server puts on its next acks (undefined: plain acks). */
let ackError: string | undefined;

/** A socket with Baileys' real event emitter, key-store transaction wrapper and Signal repository. */
function fakeSocket(config: UserFacingSocketConfig): Fake {
  const ev = makeEventBuffer(silent);
  const keys = addTransactionCapability(config.auth.keys, silent, { maxCommitRetries: 1, delayBetweenTriesMs: 1 });
  const keysSet = vi.spyOn(keys, 'set');
  const signalRepository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: config.auth.creds, keys }, silent);
  let closed = false;
  let user: { id: string; name?: string } | undefined;
  const end = vi.fn(async (error: Error | undefined) => {
    if (closed) return;
    closed = true;
    ev.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  });
  const ws = new EventEmitter();
  const sock = {
    ev,
    ws,
    get user() {
      return user;
    },
    authState: { creds: config.auth.creds, keys },
    signalRepository,
    // Like WhatsApp, the server acknowledges each message stanza with an <ack> carrying its id.
    sendMessage: vi.fn(async (jid: string, _content: unknown, options?: { messageId?: string }) => {
      const id = options?.messageId ?? 'SENT1';
      process.nextTick(() => ws.emit(`TAG:${id}`, { tag: 'ack', attrs: { class: 'message', id, ...(ackError && { error: ackError }) } }));
      return proto.WebMessageInfo.fromObject({ key: { remoteJid: jid, id, fromMe: true }, messageTimestamp: 1_700_000_000 });
    }),
    readMessages: vi.fn(async () => undefined),
    sendPresenceUpdate: vi.fn(async () => undefined),
    presenceSubscribe: vi.fn(async () => undefined),
    groupMetadata: vi.fn(async (jid: string) => ({ id: jid, subject: 'Team chat', participants: [] })),
    logout: vi.fn(async () => {
      await end(new Boom('Intentional Logout', { statusCode: DisconnectReason.loggedOut }));
    }),
    end,
    requestPairingCode: vi.fn(async () => 'ABCD1234'),
  } as unknown as BaileysSocket;
  process.nextTick(() => ev.emit('connection.update', { connection: 'connecting', receivedPendingNotifications: false, qr: undefined }));
  return {
    sock,
    config,
    ev,
    keysSet,
    close: (code, message = 'Connection Failure') => void end(new Boom(message, { statusCode: code })),
    open: (id = '77011234567:12@s.whatsapp.net') => {
      user = { id, name: 'Me' };
      ev.emit('connection.update', { connection: 'open' });
    },
  };
}

function setup(opts: { maxRetries?: number; qrMaxRefreshes?: number; openTimeoutMs?: number; store?: ReturnType<typeof memoryStore> } = {}) {
  const fakes: Fake[] = [];
  const { store, keys } = opts.store ?? memoryStore();
  const events: EngineEvent[] = [];
  const factory = createBaileysEngineFactory({
    backoff: { baseMs: 5, maxMs: 20, maxRetries: opts.maxRetries ?? 3 },
    qrMaxRefreshes: opts.qrMaxRefreshes ?? 3,
    resolveVersion: async () => [2, 3000, 1],
    ...(opts.openTimeoutMs && { openTimeoutMs: opts.openTimeoutMs }),
    socketFactory: (config) => {
      const f = fakeSocket(config);
      fakes.push(f);
      return f.sock;
    },
  });
  const stored = new Map<string, OutgoingContent>();
  const engine: WhatsAppEngine = factory({
    sessionId: 's1',
    companyId: 'c1',
    logger: silent,
    auth: store,
    getStoredMessage: async (chat, id) => stored.get(`${chat}/${id}`) ?? null,
  });
  engine.on((e) => void events.push(e));
  const last = () => fakes[fakes.length - 1]!;
  const of = <T extends EngineEvent['type']>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  return { engine, fakes, last, events, of, store, keys, stored };
}

let current: ReturnType<typeof setup> | undefined;
const start = async (opts?: Parameters<typeof setup>[0]) => {
  current = setup(opts);
  await current.engine.start();
  await tick();
  return current;
};
const connected = async (opts?: Parameters<typeof setup>[0]) => {
  const t = await start(opts);
  t.last().open();
  return t;
};
afterEach(async () => {
  await current?.engine.stop();
  current = undefined;
});

/**
 * Like Baileys' receive path: a protobuf WebMessageInfo whose key is a plain object, because
 * `remoteJidAlt` / `participantAlt` are not protobuf fields (fromObject would drop them).
 */
const incoming = ({ key, ...over }: { key?: WAMessageKey } & Record<string, unknown>): WAMessage => {
  const msg: WAMessage = proto.WebMessageInfo.fromObject({ messageTimestamp: 1_700_000_100, pushName: 'Ana', ...over }) as WAMessage;
  msg.key = key ?? { remoteJid: '5511999@s.whatsapp.net', fromMe: false, id: 'MSG1' };
  return msg;
};

describe('connection lifecycle', () => {
  it('emits connecting, then each QR', async () => {
    const t = await start();
    t.last().ev.emit('connection.update', { qr: '2@ref1,noise,identity,adv' });
    expect(t.events.map((e) => e.type)).toEqual(['connecting', 'qr']);
    expect(t.of('qr')[0]!.qr).toBe('2@ref1,noise,identity,adv');
    expect(t.last().config.markOnlineOnConnect).toBe(false);
    expect(t.last().config.syncFullHistory).toBe(false);
    expect(t.last().config.version).toEqual([2, 3000, 1]);
  });

  it('stops with qr_expired after qrMaxRefreshes QR codes', async () => {
    const t = await start({ qrMaxRefreshes: 2 });
    for (const ref of ['a', 'b', 'c']) t.last().ev.emit('connection.update', { qr: ref });
    await tick();
    expect(t.of('qr')).toHaveLength(2);
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason: 'qr_expired', willReconnect: false })]);
    expect(t.last().sock.end).toHaveBeenCalled();
    expect(t.fakes).toHaveLength(1);
  });

  it('408 "QR refs attempts ended" from Baileys is qr_expired too', async () => {
    const t = await start();
    t.last().close(DisconnectReason.timedOut, 'QR refs attempts ended');
    await tick();
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason: 'qr_expired', willReconnect: false, code: 408 })]);
  });

  it('open → connected with the phone number, device suffix stripped', async () => {
    const t = await connected();
    expect(t.of('connected')).toEqual([{ type: 'connected', phoneNumber: '+77011234567', jid: '77011234567@c.us', pushName: 'Me' }]);
  });

  it('an open without an account identity is a failure, never a connected number', async () => {
    const t = await start();
    const fake = t.last();
    fake.ev.emit('connection.update', { connection: 'open' });
    expect(t.of('connected')).toEqual([]);
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason: 'failed', willReconnect: false, message: expect.stringMatching(/identity/) })]);
    expect(fake.sock.end).toHaveBeenCalled();
  });

  it('credentials another engine stored are reported as logged out (a new QR is needed) and wiped', async () => {
    const mem = memoryStore();
    await mem.store.saveCreds(JSON.stringify({ phoneNumber: '77010000001' }));
    const t = await start({ store: mem });
    expect(t.fakes).toHaveLength(0);
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason: 'logged_out', willReconnect: false, message: expect.stringMatching(/another engine|not made by this engine/) })]);
    expect(mem.store.clear).toHaveBeenCalled();
    expect(t.of('connected')).toEqual([]);
  });

  it('persists the whole creds on creds.update', async () => {
    const t = await start();
    t.last().config.auth.creds.registered = true;
    t.last().ev.emit('creds.update', { registered: true });
    await vi.waitFor(() => expect(t.store.saveCreds).toHaveBeenCalled());
    expect(JSON.parse(t.store.saveCreds.mock.calls.at(-1)![0]).registered).toBe(true);
  });

  it('401 logged out wipes the credentials and does not reconnect', async () => {
    const t = await connected();
    t.last().close(DisconnectReason.loggedOut);
    await vi.waitFor(() => expect(t.of('disconnected')).toHaveLength(1));
    expect(t.of('disconnected')[0]).toMatchObject({ reason: 'logged_out', willReconnect: false, code: 401 });
    expect(t.store.clear).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(t.fakes).toHaveLength(1);
  });

  it.each([
    [DisconnectReason.connectionClosed, 'Connection Terminated'],
    [DisconnectReason.connectionLost, 'Connection was lost'],
    [DisconnectReason.badSession, 'Stream Errored (unknown)'],
    [DisconnectReason.unavailableService, 'Connection Failure'],
  ])('%i reconnects with backoff on a new socket', async (code, message) => {
    const t = await connected();
    t.last().close(code, message);
    await tick();
    expect(t.of('disconnected')[0]).toMatchObject({ reason: 'connection_lost', willReconnect: true, code, attempt: 1, message });
    expect(t.of('disconnected')[0]!.retryInMs).toBeGreaterThanOrEqual(2);
    await vi.waitFor(() => expect(t.fakes).toHaveLength(2));
    // The old socket's listeners are gone: its late events change nothing.
    t.fakes[0]!.ev.emit('messages.upsert', { type: 'notify', messages: [incoming({ message: { conversation: 'stale' } })] });
    t.fakes[0]!.ev.emit('connection.update', { connection: 'open' });
    await tick();
    expect(t.of('message')).toHaveLength(0);
    t.last().open();
    expect(t.of('connected')).toHaveLength(2);
  });

  it.each([
    [DisconnectReason.connectionReplaced, 'replaced'],
    [DisconnectReason.forbidden, 'forbidden'],
    [402, 'forbidden'],
    [406, 'forbidden'],
  ])('%i stops as %s without reconnecting', async (code, reason) => {
    const t = await connected();
    t.last().close(code);
    await tick();
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason, willReconnect: false, code })]);
    await new Promise((r) => setTimeout(r, 40));
    expect(t.fakes).toHaveLength(1);
    expect(t.store.clear).not.toHaveBeenCalled();
  });

  it('515 restarts at once on a new socket, without a disconnected event', async () => {
    const t = await start();
    t.last().close(DisconnectReason.restartRequired, 'Stream Errored (restart required)');
    await vi.waitFor(() => expect(t.fakes).toHaveLength(2));
    await tick();
    t.last().open();
    expect(t.of('disconnected')).toEqual([]);
    expect(t.of('connected')).toHaveLength(1);
    expect(t.fakes[1]!.config.auth).toBe(t.fakes[0]!.config.auth);
  });

  it('gives up with failed after the retry limit', async () => {
    const t = await connected({ maxRetries: 2 });
    for (let i = 1; i <= 3; i++) {
      t.last().close(DisconnectReason.connectionClosed, 'Connection Terminated');
      if (i < 3) await vi.waitFor(() => expect(t.fakes).toHaveLength(i + 1));
    }
    await tick();
    const d = t.of('disconnected');
    expect(d.map((e) => [e.reason, e.willReconnect, e.attempt])).toEqual([
      ['connection_lost', true, 1],
      ['connection_lost', true, 2],
      ['failed', false, undefined],
    ]);
  });

  it('a socket that neither opens nor shows a QR in time is ended and retried', async () => {
    const t = await start({ openTimeoutMs: 10 });
    await vi.waitFor(() => expect(t.fakes.length).toBeGreaterThanOrEqual(2));
    expect(t.fakes[0]!.sock.end).toHaveBeenCalledWith(expect.objectContaining({ message: 'Timed out connecting to WhatsApp' }));
    expect(t.of('disconnected')[0]).toMatchObject({ reason: 'connection_lost', willReconnect: true, code: 408 });
  });

  it('a refused WebSocket upgrade (unexpected-response) ends the socket as a transient error', async () => {
    const t = await connected();
    t.last().sock.ws.emit('unexpected-response', {}, { statusCode: 403 });
    await tick();
    expect(t.of('disconnected')[0]).toMatchObject({ reason: 'connection_lost', willReconnect: true, code: 403 });
  });

  it('our own stop() is reported once as closed and never reconnects', async () => {
    const t = await connected();
    await t.engine.stop('maintenance');
    await t.engine.stop();
    expect(t.of('disconnected')).toEqual([{ type: 'disconnected', reason: 'closed', willReconnect: false, message: 'Closed on request', closeReason: 'maintenance' }]);
    expect(t.last().sock.end).toHaveBeenCalledWith(undefined);
    t.last().ev.emit('connection.update', { connection: 'open' });
    expect(t.of('connected')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(t.fakes).toHaveLength(1);
  });

  it('stop() during a backoff wait cancels the reconnect', async () => {
    const t = await connected();
    // The close is handled synchronously up to the backoff timer; stop before that 5 ms timer can fire.
    t.last().close(DisconnectReason.connectionClosed);
    await t.engine.stop();
    await new Promise((r) => setTimeout(r, 40));
    expect(t.fakes).toHaveLength(1);
    expect(t.of('disconnected').map((e) => e.reason)).toEqual(['connection_lost', 'closed']);
  });

  it('logout() logs out, wipes credentials and reports client_logout once', async () => {
    const t = await connected();
    await t.engine.logout();
    expect(t.last().sock.logout).toHaveBeenCalled();
    expect(t.store.clear).toHaveBeenCalledTimes(1);
    expect(t.of('disconnected')).toEqual([expect.objectContaining({ reason: 'client_logout', willReconnect: false })]);
    await new Promise((r) => setTimeout(r, 40));
    expect(t.fakes).toHaveLength(1);
  });

  it('turns a failing handler into an error event, not an unhandled rejection', async () => {
    const t = await start();
    t.store.saveCreds.mockRejectedValueOnce(new Error('db down'));
    t.last().ev.emit('creds.update', {});
    await vi.waitFor(() => expect(t.of('error')).toHaveLength(1));
    expect(t.of('error')[0]!.message).toBe('db down');
  });
});

describe('messages and decrypt failures', () => {
  const stub = (detail: string, id = 'BAD1') =>
    incoming({
      key: { remoteJid: '5511999@s.whatsapp.net', fromMe: false, id },
      messageStubType: WAMessageStubType.CIPHERTEXT,
      messageStubParameters: [detail],
    });

  it('maps notify and append upserts (live, offline, own)', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [incoming({ message: { conversation: 'hi' } })] });
    t.last().ev.emit('messages.upsert', {
      type: 'append',
      messages: [
        incoming({ key: { remoteJid: '5511999@s.whatsapp.net', id: 'OFF1' }, message: { extendedTextMessage: { text: 'while away' } } }),
        incoming({ key: { remoteJid: '5511999@s.whatsapp.net', id: 'OWN1', fromMe: true }, message: { conversation: 'mine' } }),
      ],
    });
    await vi.waitFor(() => expect(t.of('message')).toHaveLength(3));
    const [live, offline, own] = t.of('message').map((e) => e.message);
    expect(live).toMatchObject({ messageId: 'MSG1', chatJid: '5511999@c.us', senderJid: '5511999@c.us', body: 'hi', origin: 'live', chatName: 'Ana' });
    expect(live!.timestamp.toISOString()).toBe(new Date(1_700_000_100_000).toISOString());
    expect(offline).toMatchObject({ messageId: 'OFF1', body: 'while away', origin: 'offline' });
    expect(own).toMatchObject({ messageId: 'OWN1', fromMe: true, origin: 'own', senderJid: '77011234567@c.us' });
    // Typing updates need a presence subscription: once per contact per connection.
    expect(t.last().sock.presenceSubscribe).toHaveBeenCalledTimes(1);
    expect(t.last().sock.presenceSubscribe).toHaveBeenCalledWith('5511999@s.whatsapp.net');
  });

  it('prefers the phone-number id of a @lid chat and keeps the lid as alt id; names groups', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', {
      type: 'notify',
      messages: [
        incoming({ key: { remoteJid: '27420411@lid', remoteJidAlt: '5511999@s.whatsapp.net', id: 'L1' }, message: { conversation: 'x' } }),
        incoming({
          key: { remoteJid: '1203630@g.us', participant: '27420411@lid', participantAlt: '5511999:3@s.whatsapp.net', id: 'G1' },
          message: { imageMessage: { caption: 'pic', mimetype: 'image/jpeg', fileLength: 1234 } },
        }),
      ],
    });
    await vi.waitFor(() => expect(t.of('message')).toHaveLength(2));
    const [dm, group] = t.of('message').map((e) => e.message);
    expect(dm).toMatchObject({ chatJid: '5511999@c.us', chatAltJid: '27420411@lid' });
    // The group's first message already carries its subject, looked up once.
    expect(group).toMatchObject({ chatJid: '1203630@g.us', chatKind: 'group', chatName: 'Team chat', senderJid: '5511999@c.us', messageType: 'image', body: 'pic' });
    expect(group!.media).toEqual({ mimetype: 'image/jpeg', caption: 'pic', sizeBytes: 1234 });
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [incoming({ key: { remoteJid: '1203630@g.us', participant: '5511999@s.whatsapp.net', id: 'G2' }, message: { conversation: 'y' } })] });
    await vi.waitFor(() => expect(t.of('message')).toHaveLength(3));
    expect(t.last().sock.groupMetadata).toHaveBeenCalledTimes(1);
    // A renamed group renames its chat.
    t.last().ev.emit('groups.update', [{ id: '1203630@g.us', subject: 'New name' }]);
    await vi.waitFor(() => expect(t.of('chat-meta')).toEqual([expect.objectContaining({ chatJid: '1203630@g.us', name: 'New name' })]));
  });

  it('a receipt Baileys folded into our own buffered send is reported as a status', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', {
      type: 'append',
      messages: [proto.WebMessageInfo.fromObject({ key: { remoteJid: '5511999@s.whatsapp.net', id: 'OWN1', fromMe: true }, message: { conversation: 'x' }, status: 3, messageTimestamp: 1 }) as never],
    });
    await vi.waitFor(() => expect(t.of('message-status')).toHaveLength(1));
    expect(t.of('message')[0]!.message).toMatchObject({ messageId: 'OWN1', fromMe: true, origin: 'own' });
    expect(t.of('message-status')[0]).toMatchObject({ messageId: 'OWN1', chatJid: '5511999@c.us', status: 'delivered' });
  });

  it('skips protocol messages and reactions', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', {
      type: 'notify',
      messages: [
        incoming({ message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE } } }),
        incoming({ message: { reactionMessage: { text: '👍', key: { id: 'X' } } } }),
      ],
    });
    await tick();
    expect(t.of('message')).toHaveLength(0);
  });

  it('Bad MAC stub → placeholder + bad_mac, and the sender sessions are deleted through the key store', async () => {
    const mem = memoryStore();
    const t = await connected({ store: mem });
    const keys = t.last().sock.authState.keys;
    await keys.set({
      session: { '5511999.0': Buffer.from('a'), '5511999.3': Buffer.from('b'), '27420411_1.0': Buffer.from('c'), '55119990.0': Buffer.from('d') },
      'lid-mapping': { '5511999': '27420411', '27420411_reverse': '5511999' },
    });
    t.last().keysSet.mockClear();

    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub('Bad MAC')] });
    await vi.waitFor(() => expect(t.of('decrypt-error')).toHaveLength(1));
    expect(t.of('message')[0]!.message).toMatchObject({ messageId: 'BAD1', messageType: 'ciphertext', isPlaceholder: true, body: null });
    expect(t.of('decrypt-error')[0]).toMatchObject({ kind: 'bad_mac', senderJid: '5511999@c.us', messageId: 'BAD1', detail: 'Bad MAC', keysRemoved: 3 });
    const deleted = t.last().keysSet.mock.calls.map((c) => (c[0] as { session?: Record<string, null> }).session ?? {});
    expect(Object.entries(Object.assign({}, ...deleted))).toEqual(
      expect.arrayContaining([
        ['5511999.0', null],
        ['5511999.3', null],
        ['27420411_1.0', null],
      ]),
    );
    expect(mem.keys().filter((k) => k.startsWith('session:')).sort()).toEqual(['session:55119990.0']);
    // The cache was updated too: reading through the socket's store does not resurrect the session.
    expect((await keys.get('session', ['5511999.0']))['5511999.0'] ?? null).toBeNull();
  });

  it('"No matching sessions found for message" is a Bad MAC as well', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub('No matching sessions found for message')] });
    await vi.waitFor(() => expect(t.of('decrypt-error')).toHaveLength(1));
    expect(t.of('decrypt-error')[0]).toMatchObject({ kind: 'bad_mac', keysRemoved: 0 });
  });

  it.each(['InvalidMessageException', 'No SenderKeyRecord found for decryption', 'Invalid PreKey ID', 'error:1C800064:Provider routines::bad decrypt'])(
    '%s → bad_decrypt, no key deletion',
    async (detail) => {
      const t = await connected();
      t.last().keysSet.mockClear();
      t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub(detail)] });
      await vi.waitFor(() => expect(t.of('decrypt-error')).toHaveLength(1));
      expect(t.of('decrypt-error')[0]).toMatchObject({ kind: 'bad_decrypt', detail });
      expect(t.of('decrypt-error')[0]!.keysRemoved).toBeUndefined();
      expect(t.last().keysSet).not.toHaveBeenCalled();
    },
  );

  it('"Message absent from node" is no decrypt error', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub('Message absent from node')] });
    await tick();
    expect(t.of('decrypt-error')).toHaveLength(0);
  });

  it("counts Baileys' log line and the stub of one failure once", async () => {
    const t = await connected();
    const key = { remoteJid: '5511999@s.whatsapp.net', fromMe: false, id: 'BAD2' };
    t.last().config.logger!.child({ class: 'x' }).error({ key, err: new Error('Bad MAC'), author: '5511999:3@s.whatsapp.net' }, 'failed to decrypt message');
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub('Bad MAC', 'BAD2')] });
    await vi.waitFor(() => expect(t.of('message')).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.of('decrypt-error')).toHaveLength(1);
    expect(t.of('decrypt-error')[0]).toMatchObject({ kind: 'bad_mac', messageId: 'BAD2' });
  });

  it('a later delivery with the same id is a normal message (replaces the placeholder upstream)', async () => {
    const t = await connected();
    t.last().ev.emit('messages.upsert', { type: 'notify', messages: [stub('Bad MAC', 'R1')] });
    t.last().ev.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ key: { remoteJid: '5511999@s.whatsapp.net', id: 'R1' }, message: { conversation: 'retried' } })],
    });
    await vi.waitFor(() => expect(t.of('message')).toHaveLength(2));
    expect(t.of('message')[1]!.message).toMatchObject({ messageId: 'R1', body: 'retried', isPlaceholder: false, messageType: 'text' });
  });
});

describe('statuses, typing, sending', () => {
  it('messages.update status 3/4/5/0 → delivered/read/read/failed; receipts in groups carry the participant', async () => {
    const t = await connected();
    const key = { remoteJid: '5511999@s.whatsapp.net', fromMe: true, id: 'OUT1' };
    t.last().ev.emit('messages.update', [
      { key, update: { status: proto.WebMessageInfo.Status.DELIVERY_ACK } },
      { key, update: { status: proto.WebMessageInfo.Status.READ } },
      { key, update: { status: proto.WebMessageInfo.Status.PLAYED } },
      { key, update: { status: proto.WebMessageInfo.Status.ERROR } },
      { key, update: { messageStubParameters: ['x'] } },
    ]);
    t.last().ev.emit('message-receipt.update', [
      { key: { remoteJid: '1203630@g.us', id: 'OUT2', fromMe: true }, receipt: { userJid: '5511999@s.whatsapp.net', readTimestamp: 1_700_000_200 } },
      { key: { remoteJid: '1203630@g.us', id: 'OUT2', fromMe: true }, receipt: { userJid: '5522888@s.whatsapp.net', receiptTimestamp: 1_700_000_100 } },
    ]);
    await tick();
    expect(t.of('message-status').map((e) => [e.messageId, e.chatJid, e.status, e.participantJid])).toEqual([
      ['OUT1', '5511999@c.us', 'delivered', undefined],
      ['OUT1', '5511999@c.us', 'read', undefined],
      ['OUT1', '5511999@c.us', 'read', undefined],
      ['OUT1', '5511999@c.us', 'failed', undefined],
      ['OUT2', '1203630@g.us', 'read', '5511999@c.us'],
      ['OUT2', '1203630@g.us', 'delivered', '5522888@c.us'],
    ]);
  });

  it('presence.update → typing', async () => {
    const t = await connected();
    t.last().ev.emit('presence.update', { id: '5511999@s.whatsapp.net', presences: { '5511999@s.whatsapp.net': { lastKnownPresence: 'composing' } } });
    t.last().ev.emit('presence.update', { id: '5511999@s.whatsapp.net', presences: { '5511999@s.whatsapp.net': { lastKnownPresence: 'available' } } });
    await vi.waitFor(() => expect(t.of('typing')).toHaveLength(2));
    expect(t.of('typing').map((e) => [e.chatJid, e.participantJid, e.isTyping])).toEqual([
      ['5511999@c.us', '5511999@c.us', true],
      ['5511999@c.us', '5511999@c.us', false],
    ]);
  });

  it('sendMessage needs a connection, then sends text with a quote and returns id and time', async () => {
    const t = await start();
    await expect(t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'hi' })).rejects.toMatchObject({ kind: 'not_connected' });
    t.last().open();
    t.stored.set('5511999@c.us/Q1', { type: 'text', text: 'earlier' });
    const sent = await t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'hi' }, { quotedMessageId: 'Q1', messageId: 'MYID' });
    expect(sent).toEqual({ messageId: 'MYID', timestamp: new Date(1_700_000_000_000) });
    const [jid, content, options] = vi.mocked(t.last().sock.sendMessage).mock.calls[0]!;
    expect(jid).toBe('5511999@s.whatsapp.net');
    expect(content).toEqual({ text: 'hi' });
    expect(options).toMatchObject({ messageId: 'MYID', quoted: { key: { id: 'Q1', fromMe: true }, message: { conversation: 'earlier' } } });
  });

  it('sends media and maps send failures to EngineSendError kinds', async () => {
    const t = await connected();
    const data = Buffer.from('%PDF');
    await t.engine.sendMessage('5511999@c.us', { type: 'document', data, mimetype: 'application/pdf', fileName: 'a.pdf', caption: 'doc' });
    expect(vi.mocked(t.last().sock.sendMessage).mock.calls[0]![1]).toEqual({ document: data, mimetype: 'application/pdf', fileName: 'a.pdf', caption: 'doc' });
    vi.mocked(t.last().sock.sendMessage).mockRejectedValueOnce(new Boom('rate-overlimit', { statusCode: 429 }));
    const err = await t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineSendError);
    expect(err).toMatchObject({ kind: 'rate_limit' });
  });

  it('a send waits for the server ack: a refusal or a closed connection fails it, with our own message id', async () => {
    const t = await connected();
    const ok = await t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'a' });
    expect(vi.mocked(t.last().sock.sendMessage).mock.calls[0]![2]).toMatchObject({ messageId: ok.messageId });
    try {
      ackError = '429';
      await expect(t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'b' })).rejects.toMatchObject({ kind: 'rate_limit' });
      ackError = '404';
      await expect(t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'c' })).rejects.toMatchObject({ kind: 'not_on_whatsapp' });
      ackError = '463';
      await expect(t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'd' })).rejects.toMatchObject({ kind: 'unknown', message: expect.stringContaining('463') });
    } finally {
      ackError = undefined;
    }
    const fake = t.last();
    vi.mocked(fake.sock.sendMessage).mockImplementationOnce(async (jid) => {
      // The connection ends before the server acknowledges (Baileys then reports connection: close).
      process.nextTick(() => fake.close(DisconnectReason.connectionClosed, 'Connection Terminated'));
      return proto.WebMessageInfo.fromObject({ key: { remoteJid: jid, id: 'X', fromMe: true } }) as never;
    });
    await expect(t.engine.sendMessage('5511999@c.us', { type: 'text', text: 'e' })).rejects.toMatchObject({ kind: 'network' });
  });

  it('markRead and sendPresence use Baileys ids', async () => {
    const t = await connected();
    await t.engine.markRead('1203630@g.us', [{ messageId: 'M1', participantJid: '5511999@c.us' }]);
    expect(t.last().sock.readMessages).toHaveBeenCalledWith([
      { remoteJid: '1203630@g.us', id: 'M1', fromMe: false, participant: '5511999@s.whatsapp.net' },
    ]);
    await t.engine.sendPresence('5511999@c.us', 'composing');
    expect(t.last().sock.sendPresenceUpdate).toHaveBeenCalledWith('composing', '5511999@s.whatsapp.net');
  });

  it('getMessage answers retry receipts from our stored text', async () => {
    const t = await connected();
    t.stored.set('5511999@c.us/OUT9', { type: 'text', text: 'resend me' });
    const msg = await t.last().config.getMessage!({ remoteJid: '5511999@s.whatsapp.net', id: 'OUT9', fromMe: true });
    expect(msg).toEqual({ conversation: 'resend me' });
    expect(await t.last().config.getMessage!({ remoteJid: '5511999@s.whatsapp.net', id: 'NONE' })).toBeUndefined();
  });

  it('requestPairingCode waits for a socket waiting for login', async () => {
    const t = await start();
    const pending = t.engine.requestPairingCode('+7 701 123 45 67');
    t.last().ev.emit('connection.update', { qr: 'ref' });
    await expect(pending).resolves.toBe('ABCD1234');
    expect(t.last().sock.requestPairingCode).toHaveBeenCalledWith('77011234567');
    expect(t.of('pairing-code')).toEqual([{ type: 'pairing-code', code: 'ABCD1234' }]);
  });

  it('stored creds are loaded and reused', async () => {
    const mem = memoryStore();
    const t0 = setup({ store: mem });
    await t0.engine.start();
    t0.last().config.auth.creds.registered = true;
    t0.last().ev.emit('creds.update', { registered: true });
    await vi.waitFor(() => expect(mem.store.saveCreds).toHaveBeenCalled());
    await t0.engine.stop();
    const t = await start({ store: mem });
    expect(t.last().config.auth.creds.registered).toBe(true);
    expect(Buffer.isBuffer(t.last().config.auth.creds.noiseKey.private)).toBe(true);
    expect(serialize(t.last().config.auth.creds)).toBe(serialize(t0.last().config.auth.creds));
  });
});
