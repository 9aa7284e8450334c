/**
 * The conversations user story end to end (issue "Conversations"): an admin links a number,
 * grants manager M read+write and manager N read; contacts write in; M works the conversation in
 * real time; N can read but not write; revoking N cuts it off at once; another company sees nothing.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import { connectSocket, eventually, type EventRecorder } from '../helpers/socket.js';
import { engineModes } from './engine-modes.js';

type Json = Record<string, any>;

interface Person {
  token: string;
  id: string;
  socket: Socket;
  events: EventRecorder;
}

describe.each(engineModes())('conversations story on the $name engine', (mode) => {
  let server: RunningServer;
  let admin: Person;
  let m: Person;
  let n: Person;
  let outsider: Person;
  let sessionId: string;
  let chatRowId: string;
  let sentId: string;
  const contact = '77011112233';
  const sockets: Socket[] = [];

  const as = <T = Json>(who: { token: string }, method: string, url: string, body?: unknown) => api<T>(server.baseUrl, method, url, body, who.token);
  const sim = (path: string, body?: unknown) => as(admin, 'POST', `/api/simulator/sessions/${sessionId}/${path}`, body);

  const register = async (company: string): Promise<Person> => {
    const reg = await api<Json>(server.baseUrl, 'POST', '/api/auth/register', {
      companyName: company,
      email: `${company.toLowerCase().replace(/\W/g, '')}.${Date.now()}@example.com`,
      password: 'a long password',
      firstName: 'Ada',
      lastName: 'Admin',
    });
    expect(reg.status).toBe(201);
    const token = reg.body.data.accessToken;
    const { socket, events } = await connectSocket(server.baseUrl, token);
    sockets.push(socket);
    return { token, id: reg.body.data.user.id, socket, events };
  };

  const manager = async (firstName: string): Promise<Person> => {
    const email = `${firstName.toLowerCase()}.${Date.now()}@example.com`;
    const created = await as(admin, 'POST', '/api/users', { email, password: 'manager password', firstName, lastName: 'Manager', role: 'manager' });
    expect(created.status).toBe(201);
    const login = await api<Json>(server.baseUrl, 'POST', '/api/auth/login', { email, password: 'manager password' });
    const token = login.body.data.accessToken;
    const { socket, events } = await connectSocket(server.baseUrl, token);
    sockets.push(socket);
    return { token, id: created.body.data.id, socket, events };
  };

  beforeAll(async () => {
    server = await startServer({ env: { ...mode.env, SEND_RATE_PER_MINUTE: '1000' } });
    admin = await register('Inbox Co');
    outsider = await register('Other Co');
    const created = await as(admin, 'POST', '/api/whatsapp/sessions', { displayName: 'Support line' });
    sessionId = created.body.data.sessionId;
    await admin.events.wait('whatsapp:qr-updated', (e) => e.sessionId === sessionId);
    await sim('scan', { phoneNumber: '77070000001' });
    await admin.events.wait('whatsapp:session-connected', (e) => e.sessionId === sessionId);
    m = await manager('Maria');
    n = await manager('Nikolai');
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  });

  it('grants M read+write and N read; both see the session', async () => {
    const gm = await as(admin, 'POST', `/api/whatsapp/sessions/${sessionId}/managers`, { managerId: m.id, permissions: ['read', 'write'] });
    expect(gm.status).toBe(201);
    expect(gm.body.data).toMatchObject({ managerId: m.id, sessionId, permissions: ['read', 'write'] });
    const gn = await as(admin, 'POST', `/api/whatsapp/sessions/${sessionId}/managers`, { managerId: n.id, permissions: ['read'] });
    expect(gn.status).toBe(201);
    const granted = await m.events.wait('whatsapp:manager-access-granted', (e) => e.managerId === m.id);
    expect(granted).toMatchObject({ sessionId, managerName: 'Maria Manager', permissions: ['read', 'write'], grantedBy: admin.id });
    for (const [who, permissions] of [
      [m, ['read', 'write']],
      [n, ['read']],
    ] as const) {
      const list = await as(who, 'GET', '/api/whatsapp/sessions');
      expect(list.body.data.map((s: Json) => [s.id, s.permissions])).toEqual([[sessionId, permissions]]);
    }
    expect((await as(admin, 'GET', `/api/whatsapp/sessions/${sessionId}`)).body.data.permissions).toEqual(['read', 'write']);
    expect((await as(outsider, 'GET', '/api/whatsapp/sessions')).body.data).toEqual([]);
  });

  it('delivers inbound messages (1:1, group, status) to M live and stores them', async () => {
    const inbound = await sim('inbound', { from: contact, fromName: 'Dana Contact', body: 'Hello, is anyone there?' });
    expect(inbound.status).toBe(200);
    const msg = await m.events.wait('whatsapp:new-message', (e) => e.message.body === 'Hello, is anyone there?');
    expect(msg).toMatchObject({
      sessionId,
      chat: { chatId: `${contact}@c.us`, chatName: 'Dana Contact', chatType: 'individual', isGroup: false, unreadCount: 1 },
      message: { fromMe: false, fromNumber: `${contact}@c.us`, fromName: 'Dana Contact', messageType: 'text' },
    });
    chatRowId = msg.chat.id;
    await m.events.wait('whatsapp:chat-updated', (e) => e.chatId === chatRowId && e.unreadCount === 1);

    await sim('inbound', { from: '77019998877', fromName: 'Group Member', body: 'Team, update?', groupId: '120363000000000001@g.us', groupName: 'Sales team' });
    await sim('inbound', { from: '77015554433', fromName: 'Status Poster', body: 'My status', status: true });
    await m.events.wait('whatsapp:new-message', (e) => e.chat.chatType === 'status');
    await m.events.wait('whatsapp:new-message', (e) => e.chat.chatType === 'group' && e.chat.chatName === 'Sales team');

    // The same WhatsApp message delivered twice is stored once.
    const dup = await sim('inbound', { from: contact, body: 'Hello, is anyone there?', messageId: inbound.body.data.messageId });
    expect(dup.status).toBe(200);

    const chats = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats`);
    expect(chats.body.data.map((c: Json) => c.chatType)).toEqual(['individual']);
    const withGroups = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats?includeGroups=true&includeStatus=true`);
    expect(withGroups.body.pagination.total).toBe(3);
    expect((await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats?chatType=group`)).body.data[0].chatName).toBe('Sales team');
    const limited = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats?chatType=all&page=2&limit=2`);
    expect(limited.body).toMatchObject({ pagination: { total: 3, page: 2, limit: 2 } });
    expect(limited.body.data).toHaveLength(1);

    const one = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}`);
    expect(one.body.data).toMatchObject({ id: chatRowId, chatId: `${contact}@c.us`, unreadCount: 1, _count: { messages: 1 } });
    expect((await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${contact}@c.us`)).body.data.id).toBe(chatRowId);
    const history = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`);
    expect(history.body.pagination.total).toBe(1);
    expect(history.body.data[0]).toMatchObject({ body: 'Hello, is anyone there?', fromMe: false, isRead: false, managerId: null });
  });

  it('M replies and sees sent → delivered → read; N cannot send or mark read', async () => {
    const reply = await as(m, 'POST', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`, { message: 'Hi Dana, how can I help?', type: 'text' });
    expect(reply.status).toBe(201);
    expect(reply.body.data).toMatchObject({ fromMe: true, body: 'Hi Dana, how can I help?', messageType: 'text', chatId: chatRowId });
    sentId = reply.body.data.messageId;
    await m.events.wait('whatsapp:message-status', (e) => e.messageId === sentId && e.status === 'sent');
    await m.events.wait('whatsapp:new-message', (e) => e.message.messageId === sentId && e.message.fromMe);

    const sent = await as(admin, 'GET', `/api/simulator/sessions/${sessionId}/sent`);
    expect(sent.body.data).toContainEqual(expect.objectContaining({ kind: 'message', messageId: sentId, to: `${contact}@c.us`, body: 'Hi Dana, how can I help?' }));

    await sim('receipts', { messageId: sentId, status: 'delivered' });
    await m.events.wait('whatsapp:message-status', (e) => e.messageId === sentId && e.status === 'delivered');
    await sim('receipts', { messageId: sentId, status: 'read' });
    await m.events.wait('whatsapp:message-status', (e) => e.messageId === sentId && e.status === 'read');
    // A late delivery receipt never moves the status back.
    await sim('receipts', { messageId: sentId, status: 'delivered' });
    const history = await eventually(async () => {
      const h = await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`);
      return h.body.data[0].status === 'read' ? h : undefined;
    });
    expect(history.body.data[0]).toMatchObject({ messageId: sentId, managerId: m.id, status: 'read' });

    expect((await as(n, 'POST', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`, { message: 'nope', type: 'text' })).status).toBe(403);
    expect((await as(n, 'POST', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/read`)).status).toBe(403);
    expect((await as(n, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`)).status).toBe(200);
  });

  it('M marks the chat read: unreadCount 0 and read receipts sent to WhatsApp', async () => {
    const res = await as(m, 'POST', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/read`);
    expect(res.body).toEqual({ success: true, message: 'Messages marked as read' });
    await m.events.wait('whatsapp:chat-updated', (e) => e.chatId === chatRowId && e.unreadCount === 0);
    expect((await as(m, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}`)).body.data.unreadCount).toBe(0);
    const sent = await as(admin, 'GET', `/api/simulator/sessions/${sessionId}/sent`);
    expect(sent.body.data).toContainEqual(expect.objectContaining({ kind: 'read-receipt', chatId: `${contact}@c.us` }));
  });

  it('M sees the contact typing', async () => {
    await sim('typing', { chatId: contact, isTyping: true });
    const typing = await m.events.wait('whatsapp:typing-status', (e) => e.isTyping);
    expect(typing).toMatchObject({ sessionId, chatId: `${contact}@c.us`, participantId: `${contact}@c.us` });
  });

  it('stats match the seed shape for admin and manager', async () => {
    const stats = await as(admin, 'GET', '/api/whatsapp/stats');
    expect(stats.body.data).toEqual({
      sessions: { total: 1, active: 1, connected: 1 },
      messages: { total: 4, today: 4, sent: 1, received: 3 },
      // As in the seed's example (67 = 52 + 15), the status feed is not counted as a chat.
      chats: { total: 2, individual: 1, groups: 1 },
      managers: { total: 2, withAccess: 2 },
      // Beyond the seed: the bytes of stored files (none here).
      media: { storedBytes: 0 },
    });
    const update = await admin.events.wait('whatsapp:stats-updated', (e) => e.stats.totalMessages === 4);
    expect(update.stats).toMatchObject({ totalChats: 2, connectedSessions: 1 });
    expect((await as(outsider, 'GET', '/api/whatsapp/stats')).body.data.messages.total).toBe(0);
  });

  it('revoking N cuts it off at once: 404 on the session and no more events', async () => {
    const res = await as(admin, 'DELETE', `/api/whatsapp/sessions/${sessionId}/managers/${n.id}`);
    expect(res.status).toBe(200);
    await n.events.wait('whatsapp:manager-access-revoked', (e) => e.managerId === n.id);
    expect((await as(n, 'GET', `/api/whatsapp/sessions/${sessionId}`)).status).toBe(404);
    expect((await as(n, 'GET', `/api/whatsapp/sessions/${sessionId}/chats`)).status).toBe(404);

    n.events.clear();
    await sim('inbound', { from: contact, body: 'Anyone still there?' });
    await m.events.wait('whatsapp:new-message', (e) => e.message.body === 'Anyone still there?');
    await n.events.synced();
    expect(n.events.of('whatsapp:new-message')).toEqual([]);
    expect(n.events.of('whatsapp:chat-updated')).toEqual([]);
  });

  it('another company sees and receives nothing of it', async () => {
    expect(outsider.events.of('whatsapp:new-message')).toEqual([]);
    expect(outsider.events.of('whatsapp:session-connected')).toEqual([]);
    expect((await as(outsider, 'GET', `/api/whatsapp/sessions/${sessionId}`)).status).toBe(404);
    expect((await as(outsider, 'GET', `/api/whatsapp/sessions/${sessionId}/chats/${chatRowId}/messages`)).status).toBe(404);
    expect((await as(outsider, 'POST', `/api/simulator/sessions/${sessionId}/inbound`, { from: contact, body: 'x' })).status).toBe(404);
  });
});
