/** An end-to-end suite's starting point: a company admin with a live socket and one number linked through the simulator control API. */
import type { Socket } from 'socket.io-client';
import { api, type RunningServer } from '../helpers/server.js';
import { connectSocket, type EventRecorder } from '../helpers/socket.js';

export interface LinkedAdmin {
  token: string;
  socket: Socket;
  events: EventRecorder;
  sessionId: string;
}

export async function registerAndLink(server: RunningServer, company: string, phoneNumber: string): Promise<LinkedAdmin> {
  const reg = await api<{ data: { accessToken: string } }>(server.baseUrl, 'POST', '/api/auth/register', {
    companyName: company,
    email: `${company.toLowerCase().replace(/\W/g, '')}.${Date.now()}@example.com`,
    password: 'a long password',
    firstName: 'Ada',
    lastName: 'Admin',
  });
  const token = reg.body.data.accessToken;
  const { socket, events } = await connectSocket(server.baseUrl, token);
  const created = await api<{ data: { sessionId: string } }>(server.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: `${company} line` }, token);
  const sessionId = created.body.data.sessionId;
  await events.wait('whatsapp:qr-updated', (e) => e.sessionId === sessionId);
  const scanned = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sessionId}/scan`, { phoneNumber }, token);
  if (scanned.status !== 200) throw new Error(`scan failed: ${JSON.stringify(scanned.body)}`);
  await events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId, 30_000);
  return { token, socket, events, sessionId };
}
