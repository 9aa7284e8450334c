/**
 * Locations and contact cards end to end on both engines: a contact shares them (on Baileys the
 * loopback server's contact sends a locationMessage and a vCard as a phone does) and they are
 * stored as fields, not text; we send them and the contact's phone shows the same.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import { eventually, type EventRecorder } from '../helpers/socket.js';
import { engineModes } from './engine-modes.js';
import { registerAndLink } from './linked-admin.js';

type Json = Record<string, any>;

describe.each(engineModes())('locations and contact cards on the $name engine', (mode) => {
  let server: RunningServer;
  let token: string;
  let socket: Socket;
  let events: EventRecorder;
  let sessionId: string;
  const contact = '77015550888';
  const chat = `${contact}@c.us`;
  const as = <T = Json>(method: string, url: string, body?: unknown) => api<T>(server.baseUrl, method, url, body, token);
  const list = async () => (await as('GET', `/api/whatsapp/sessions/${sessionId}/chats/${chat}/messages?limit=100`)).body.data as Json[];

  beforeAll(async () => {
    server = await startServer({ env: { ...mode.env } });
    ({ token, socket, events, sessionId } = await registerAndLink(server, 'Places Co', '77070000004'));
  }, 90_000);
  afterAll(async () => {
    socket?.close();
    await server?.stop();
  });

  it('a shared location and contact cards are stored as fields', async () => {
    const sim = (body: unknown) => as('POST', `/api/simulator/sessions/${sessionId}/inbound`, { from: contact, ...(body as object) });
    const loc = await sim({ type: 'location', location: { latitude: 43.2389, longitude: 76.8897, name: 'Пункт выдачи', address: 'Абая 10, Алматы' } });
    expect(loc.status, JSON.stringify(loc.body)).toBe(200);
    // A second later: WhatsApp's timestamps are whole seconds, and two messages of one second may be
    // handed over in either order by the engine, so the chat's last message would be either.
    await new Promise((r) => setTimeout(r, 1100));
    const card = await sim({ type: 'contact', contacts: [{ name: 'Курьер Ерлан', phones: ['+7 701 555 00 11'] }] });
    expect(card.status, JSON.stringify(card.body)).toBe(200);
    await events.wait('whatsapp:new-message', (e) => e.message.messageId === card.body.data.messageId);
    const rows = await list();
    expect(rows.find((m) => m.messageId === loc.body.data.messageId)).toMatchObject({
      messageType: 'location',
      body: null,
      location: { latitude: 43.2389, longitude: 76.8897, name: 'Пункт выдачи', address: 'Абая 10, Алматы' },
    });
    const shared = rows.find((m) => m.messageId === card.body.data.messageId)!;
    expect(shared).toMatchObject({ messageType: 'contact', contacts: [{ name: 'Курьер Ерлан', phones: ['+77015550011'] }] });
    expect(shared.contacts[0].vcard).toContain('BEGIN:VCARD');
    const chats = (await as('GET', `/api/whatsapp/sessions/${sessionId}/chats`)).body.data as Json[];
    expect(chats.find((c) => c.chatId === chat)?.lastMessageText).toBe('👤 Курьер Ерлан');
  }, 60_000);

  it('we send a location and a contact card; the contact sees the same', async () => {
    const base = `/api/whatsapp/sessions/${sessionId}/chats/${contact}/messages`;
    const loc = await as('POST', base, { type: 'location', location: { latitude: 51.1694, longitude: 71.4491, name: 'Склад' } });
    expect(loc.status, JSON.stringify(loc.body)).toBe(201);
    const card = await as('POST', base, { type: 'contact', contacts: [{ name: 'Support', phones: ['+7 700 000 00 01'] }, { name: 'Sales', phones: ['+7 700 000 00 02'] }] });
    expect(card.status, JSON.stringify(card.body)).toBe(201);
    const sent = await eventually(async () => {
      const log = (await as<Json>('GET', `/api/simulator/sessions/${sessionId}/sent`)).body.data as Json[];
      const a = log.find((r) => r.messageId === loc.body.data.messageId);
      const b = log.find((r) => r.messageId === card.body.data.messageId);
      return a && b && { a, b };
    });
    expect(sent.a).toMatchObject({ messageType: 'location', location: { latitude: 51.1694, longitude: 71.4491, name: 'Склад' } });
    expect(sent.b).toMatchObject({ messageType: 'contact', contacts: [{ name: 'Support', phones: ['+77000000001'] }, { name: 'Sales', phones: ['+77000000002'] }] });
    const mine = (await list()).find((m) => m.messageId === card.body.data.messageId)!;
    expect(mine.contacts.map((c: Json) => c.name)).toEqual(['Support', 'Sales']);
    // A location without its coordinates is refused, naming the field.
    const bad = await as('POST', base, { type: 'location' });
    expect(bad.status).toBe(400);
    expect(bad.body.details?.[0]?.field).toBe('location');
  }, 60_000);
});
