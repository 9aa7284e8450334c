/**
 * The sessions user story end to end: a real server process, real HTTP, a real socket.io-client.
 * Runs on every engine mode that offers the simulator control API.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import { connectSocket, eventually, type EventRecorder } from '../helpers/socket.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { engineModes } from './engine-modes.js';

type Json = Record<string, any>;

describe.each(engineModes())('sessions story on the $name engine', (mode) => {
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let token: string;
  let socket: Socket;
  let events: EventRecorder;
  let sessionId: string;
  const phone = '77079856339';
  const sockets: Socket[] = [];

  const call = <T = Json>(method: string, url: string, body?: unknown) => api<T>(server.baseUrl, method, url, body, token);
  const session = async (): Promise<Json> => (await call<Json>('GET', `/api/whatsapp/sessions/${sessionId}`)).body.data;
  const reconnectSocket = async () => {
    ({ socket, events } = await connectSocket(server.baseUrl, token));
    sockets.push(socket);
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({
      env: { ...mode.env, ERROR_WEBHOOK_URL: receiver.url, RECONNECT_BASE_MS: '50', RECONNECT_MAX_MS: '200', RESTART_PAUSE_MS: '50' },
    });
    const email = `owner.${Date.now()}@example.com`;
    const reg = await api<Json>(server.baseUrl, 'POST', '/api/auth/register', {
      companyName: 'Sessions Co',
      email,
      password: 'a long password',
      firstName: 'Olga',
      lastName: 'Owner',
    });
    expect(reg.status).toBe(201);
    token = reg.body.data.accessToken;
    await reconnectSocket();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    await receiver?.close();
  });

  it('creates a session, shows a QR, and connects when it is scanned', async () => {
    const created = await call('POST', '/api/whatsapp/sessions', { displayName: 'Main WhatsApp' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ displayName: 'Main WhatsApp', isActive: true, isConnected: false, qrCode: null });
    sessionId = created.body.data.sessionId;

    const dup = await call('POST', '/api/whatsapp/sessions', { displayName: 'Main WhatsApp' });
    expect(dup.status).toBe(409);

    const qrEvent = await events.wait('whatsapp:qr-updated', (e) => e.sessionId === sessionId);
    expect(qrEvent.qrCode).toMatch(/^data:image\/png;base64,/);
    const qr = await call('GET', `/api/whatsapp/sessions/${sessionId}/qr`);
    expect(qr.status).toBe(200);
    expect(qr.body.data.qrCode).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect((await session()).status).toBe('qr');

    const scan = await call('POST', `/api/simulator/sessions/${sessionId}/scan`, { phoneNumber: phone });
    expect(scan.status).toBe(200);
    const connected = await events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId);
    expect(connected).toEqual({ sessionId, phoneNumber: `+${phone}`, displayName: 'Main WhatsApp' });

    const list = await call('GET', '/api/whatsapp/sessions');
    expect(list.body.pagination).toEqual({ total: 1, page: 1, limit: 10 });
    expect(list.body.data[0]).toMatchObject({
      id: sessionId,
      displayName: 'Main WhatsApp',
      phoneNumber: `+${phone}`,
      isActive: true,
      isConnected: true,
      status: 'connected',
      admin: { firstName: 'Olga', lastName: 'Owner' },
      _count: { chats: 0, messages: 0 },
      health: { badMacErrors: 0, badDecryptErrors: 0, maxBadMacErrors: 3, maxBadDecryptErrors: 5, isHealthy: true },
    });
    expect((await call('GET', `/api/whatsapp/sessions/${sessionId}/qr`)).status).toBe(409);
  });

  it('comes back connected by itself after SIGKILL, without a new QR', async () => {
    await server.kill();
    socket.close();
    server = await startServer({ dataDir: server.dataDir, env: server.env, port: server.port });
    await reconnectSocket();
    const s = await eventually(async () => {
      const cur = await session();
      return cur.status === 'connected' ? cur : undefined;
    }, 30_000, 'session restored');
    expect(s.phoneNumber).toBe(`+${phone}`);
    expect(events.of('whatsapp:qr-updated')).toEqual([]);
  });

  it('close stops it and keeps credentials; restart brings it back without a QR', async () => {
    const closed = await call('POST', `/api/whatsapp/sessions/${sessionId}/close`, { reason: 'maintenance' });
    expect(closed.status).toBe(200);
    await events.wait('whatsapp:session-disconnected', (e) => e.sessionId === sessionId && e.reason === 'maintenance');
    expect(await session()).toMatchObject({ status: 'closed', isActive: false, isConnected: false, lastCloseReason: 'maintenance' });

    events.clear();
    const restarted = await call('POST', `/api/whatsapp/sessions/${sessionId}/restart`);
    expect(restarted.body).toEqual({ success: true, message: 'Session restarted' });
    await events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId);
    expect(events.of('whatsapp:qr-updated')).toEqual([]);
    expect(await session()).toMatchObject({ status: 'connected', isActive: true });
  });

  it('reconnects by itself after a connection loss', async () => {
    events.clear();
    const lost = await call('POST', `/api/simulator/sessions/${sessionId}/connection-loss`, { reason: 'connection_lost' });
    expect(lost.status).toBe(200);
    await events.wait('whatsapp:session-disconnected', (e) => e.sessionId === sessionId && e.reason === 'connection_lost');
    const err = await events.wait('whatsapp:session-error', (e) => e.sessionId === sessionId);
    expect(err.errorType).toBe('connection_lost');
    await events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId, 30_000);
    expect((await session()).status).toBe('connected');
  });

  it('closes itself at the third Bad MAC, with events, the stored reason and the error webhook', async () => {
    events.clear();
    const r = await call('POST', `/api/simulator/sessions/${sessionId}/decrypt-errors`, { kind: 'bad_mac', from: '77010000001', count: 2 });
    expect(r.status).toBe(200);
    await eventually(async () => (await call<Json>('GET', `/api/sessions/${sessionId}/stats`)).body.badMacErrors === 2, 10_000, 'two Bad MAC');
    const stats = await call('GET', `/api/sessions/${sessionId}/stats`);
    expect(stats.body).toEqual({
      phoneId: sessionId,
      isConnected: true,
      badMacErrors: 2,
      badDecryptErrors: 0,
      maxBadMacErrors: 3,
      maxBadDecryptErrors: 5,
      isHealthy: true,
    });
    expect((await call('GET', `/api/session/${sessionId}/stats`)).body).toEqual(stats.body);
    // Each counted failure shows live, before the threshold.
    await events.wait('whatsapp:session-error', (e) => e.errorType === 'bad_mac' && e.message.startsWith('Bad MAC error 2/3'));
    expect(events.of('whatsapp:session-error').map((e) => [e.errorType, e.message])).toEqual([
      ['bad_mac', 'Bad MAC error 1/3 from 77010000001@c.us'],
      ['bad_mac', 'Bad MAC error 2/3 from 77010000001@c.us'],
    ]);

    await call('POST', `/api/simulator/sessions/${sessionId}/decrypt-errors`, { kind: 'bad_mac', from: '77010000001' });
    const error = await events.wait('whatsapp:session-error', (e) => e.sessionId === sessionId && e.errorType === 'bad_mac_threshold');
    expect(error.message).toMatch(/Bad MAC/);
    await events.wait('whatsapp:session-disconnected', (e) => e.sessionId === sessionId && e.reason === 'bad_mac_threshold');
    const s = await eventually(async () => {
      const cur = await session();
      return cur.status === 'closed' ? cur : undefined;
    }, 10_000, 'closed by threshold');
    expect(s).toMatchObject({ isActive: false, lastCloseReason: 'bad_mac_threshold' });
    expect(s.health.isHealthy).toBe(false);

    const hooks = await eventually(async () => (receiver.received.length >= 2 ? receiver.received : undefined), 10_000, 'error webhooks');
    expect(hooks.map((h) => h.body)).toEqual([
      expect.objectContaining({ type: 'session_error_warning', phoneId: sessionId, errorType: 'Bad MAC', currentCount: 2, maxAllowed: 3, severity: 'critical' }),
      expect.objectContaining({ type: 'session_error_warning', phoneId: sessionId, errorType: 'Bad MAC', currentCount: 3, maxAllowed: 3, severity: 'critical' }),
    ]);
    expect(Date.parse((hooks[0]!.body as Json).timestamp)).not.toBeNaN();

    const seedList = await call<Json[]>('GET', '/api/sessions');
    expect(seedList.status).toBe(200);
    expect(seedList.body).toEqual([
      {
        id: sessionId,
        phoneJid: expect.stringContaining(phone),
        status: 'closed',
        lastConnectedAt: expect.any(String),
        stats: { badMacErrors: 0, badDecryptErrors: 0, maxBadMacErrors: 3, maxBadDecryptErrors: 5, isHealthy: false },
        isActive: false,
      },
    ]);
  });

  it('restart (seed 004 path) clears the health state; five Bad Decrypt close it again', async () => {
    const restarted = await call('POST', `/api/sessions/${sessionId}/restart`);
    expect(restarted.body).toEqual({ success: true, message: 'Session restarted' });
    await eventually(async () => (await session()).status === 'connected', 15_000, 'connected after restart');
    expect((await session()).health.isHealthy).toBe(true);

    events.clear();
    await call('POST', `/api/simulator/sessions/${sessionId}/decrypt-errors`, { kind: 'bad_decrypt', from: '77010000002', count: 5 });
    await events.wait('whatsapp:session-disconnected', (e) => e.sessionId === sessionId && e.reason === 'bad_decrypt_threshold');
    await eventually(async () => (await session()).lastCloseReason === 'bad_decrypt_threshold', 10_000, 'closed by decrypt threshold');
    await eventually(async () => receiver.received.filter((h) => (h.body as Json).errorType === 'Bad Decrypt').length >= 2, 10_000, 'decrypt webhooks');
    const decryptHooks = receiver.received.map((h) => h.body as Json).filter((b) => b.errorType === 'Bad Decrypt');
    // Notified from max - 1 on: the 4th and the 5th failure.
    expect(decryptHooks.map((b) => [b.currentCount, b.maxAllowed, b.severity])).toEqual([
      [4, 5, 'critical'],
      [5, 5, 'critical'],
    ]);

    const closed = await call('POST', `/api/session/${sessionId}/close`, {});
    expect(closed.body).toEqual({ success: true, message: `Session ${sessionId} closed successfully` });
  });

  it('disconnect logs out: a new QR is needed', async () => {
    await call('POST', `/api/sessions/${sessionId}/restart`);
    await eventually(async () => (await session()).status === 'connected', 15_000, 'connected');
    events.clear();
    const res = await call('POST', `/api/whatsapp/sessions/${sessionId}/disconnect`);
    expect(res.status).toBe(200);
    await events.wait('whatsapp:session-disconnected', (e) => e.sessionId === sessionId && e.reason === 'client_logout');
    expect(await session()).toMatchObject({ status: 'logged_out', isActive: false, isConnected: false });

    const qr = await call('GET', `/api/whatsapp/sessions/${sessionId}/qr`);
    expect(qr.status).toBe(200);
    expect(qr.body.data.qrCode).toMatch(/^data:image\/png;base64,/);
    expect((await session()).status).toBe('qr');
  });

  it('DELETE removes the session and everything it owns', async () => {
    const res = await call('DELETE', `/api/whatsapp/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    expect((await call('GET', `/api/whatsapp/sessions/${sessionId}`)).status).toBe(404);
    expect((await call('GET', `/api/sessions/${sessionId}/stats`)).status).toBe(404);
    expect((await call<Json>('GET', '/api/whatsapp/sessions')).body.pagination.total).toBe(0);
    expect(server.output()).not.toMatch(/unhandled/i);
  });
});
