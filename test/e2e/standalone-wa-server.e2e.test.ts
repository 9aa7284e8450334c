/**
 * `npm run wa-server` on its own, and a gateway pointed at it with WHATSAPP_WEB_URL (no simulator
 * API): the QR the gateway shows (its PNG data URL) is handed to the server's admin API, the
 * session links, and a contact's message reaches the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import { connectSocket, eventually, type EventRecorder } from '../helpers/socket.js';
import { startWaServerProcess, type WaServerProcess } from '../helpers/wa-server-process.js';

type Json = Record<string, any>;

const post = async (url: string, body: unknown): Promise<{ status: number; body: Json }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
};

describe('the standalone loopback server and WHATSAPP_WEB_URL', () => {
  let wa: WaServerProcess;
  let gateway: RunningServer;
  let token: string;
  let events: EventRecorder;

  beforeAll(async () => {
    wa = await startWaServerProcess();
    gateway = await startServer({ env: { WHATSAPP_ENGINE: 'baileys', WHATSAPP_WEB_URL: wa.url } });
    const reg = await api<Json>(gateway.baseUrl, 'POST', '/api/auth/register', { companyName: 'Solo', email: `solo.${Date.now()}@example.com`, password: 'a long password', firstName: 'S', lastName: 'O' });
    token = reg.body.data.accessToken;
    ({ events } = await connectSocket(gateway.baseUrl, token));
  });

  afterAll(async () => {
    await gateway?.stop();
    await wa?.stop();
  });

  it('links a session from the QR image the gateway shows, and delivers a contact’s message', async () => {
    expect((await api<Json>(gateway.baseUrl, 'GET', '/health')).body).toMatchObject({ engine: 'baileys', simulatorControl: false });
    const created = await api<Json>(gateway.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: 'Local line' }, token);
    const sessionId = created.body.data.sessionId;
    const qr = await api<Json>(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}/qr`, undefined, token);
    expect(qr.body.data.qrCode).toMatch(/^data:image\/png;base64,/);

    expect(await post(`${wa.admin}/scan`, { phoneNumber: '77071234567', qr: qr.body.data.qrCode })).toMatchObject({ status: 200, body: { ok: true } });
    await events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId && e.phoneNumber === '+77071234567');

    const overview = (await (await fetch(wa.admin)).json()) as Json;
    const device = overview.data.accounts[0].devices[0];
    expect(device).toMatchObject({ jid: expect.stringMatching(/^77071234567:\d+@s\.whatsapp\.net$/), online: true });
    const sent = await post(`${wa.admin}/devices/${encodeURIComponent(device.jid)}/inbound`, { from: '77010001122', fromName: 'Lena', body: 'Hello from the test server' });
    expect(sent.status).toBe(200);
    const msg = await events.wait('whatsapp:new-message', (e) => e.message.body === 'Hello from the test server');
    expect(msg.chat).toMatchObject({ chatId: '77010001122@c.us', chatName: 'Lena' });

    expect(await post(`${wa.admin}/scan`, { phoneNumber: '7', qr: 'not a qr' })).toMatchObject({ status: 400 });
    expect((await post(`${wa.admin}/devices/nobody/inbound`, { from: '1', body: 'x' })).status).toBe(400);
    await eventually(async () => (await api<Json>(gateway.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}`, undefined, token)).body.data.status === 'connected');
  });
});
