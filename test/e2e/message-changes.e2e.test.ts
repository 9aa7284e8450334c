/**
 * Reactions, edits and deletions for everyone, end to end on both engines (issue "The rest of a
 * real account"): on the Baileys engine the loopback server's contact sends them as WhatsApp does
 * (a reaction message; protocol messages MESSAGE_EDIT and REVOKE naming the target by its key).
 * Each lands on the stored message, is announced by `whatsapp:message-updated`, and a deletion takes
 * the message's text and file with it while the row stays as a tombstone.
 */
import { createHash } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';
import type { EventRecorder } from '../helpers/socket.js';
import { engineModes } from './engine-modes.js';
import { registerAndLink } from './linked-admin.js';

type Json = Record<string, any>;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(engineModes())('reactions, edits and deletions on the $name engine', (mode) => {
  let server: RunningServer;
  let token: string;
  let events: EventRecorder;
  let socket: Socket;
  let sessionId: string;
  const contact = '77015550777';
  const other = '77015550778';
  const chat = `${contact}@c.us`;

  const as = <T = Json>(method: string, url: string, body?: unknown) => api<T>(server.baseUrl, method, url, body, token);
  const sim = async (what: string, body: unknown) => {
    const res = await as('POST', `/api/simulator/sessions/${sessionId}/${what}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  };
  const message = async (messageId: string): Promise<Json> =>
    ((await as('GET', `/api/whatsapp/sessions/${sessionId}/chats/${chat}/messages?limit=100`)).body.data as Json[]).find((m) => m.messageId === messageId)!;
  const updated = (messageId: string, test: (changes: Json) => boolean) =>
    events.wait('whatsapp:message-updated', (e) => e.messageId === messageId && test(e.changes as Json), 20_000);

  beforeAll(async () => {
    server = await startServer({ env: { ...mode.env } });
    ({ token, socket, events, sessionId } = await registerAndLink(server, 'Changes Co', '77070000003'));
  }, 90_000);

  afterAll(async () => {
    socket?.close();
    await server?.stop();
  });

  it('a reaction is one per sender: a newer one replaces it, an empty one removes it', async () => {
    const { messageId } = await sim('inbound', { from: contact, body: 'Есть синий цвет?' });
    await events.wait('whatsapp:new-message', (e) => e.message.messageId === messageId);
    await sim('reaction', { messageId, from: contact, emoji: '👍' });
    const first = await updated(messageId, (c) => c.reactions?.length === 1);
    expect(first.changes.reactions).toEqual([expect.objectContaining({ emoji: '👍', from: chat, fromMe: false })]);
    await sim('reaction', { messageId, from: contact, emoji: '❤️' });
    await updated(messageId, (c) => c.reactions?.[0]?.emoji === '❤️');
    expect((await message(messageId)).reactions).toEqual([expect.objectContaining({ emoji: '❤️', from: chat })]);
    await sim('reaction', { messageId, from: contact, emoji: '' });
    await updated(messageId, (c) => Array.isArray(c.reactions) && c.reactions.length === 0);
    expect((await message(messageId)).reactions).toEqual([]);
  }, 60_000);

  it("an edit by its author replaces the text and marks it edited; someone else's is ignored", async () => {
    const { messageId } = await sim('inbound', { from: contact, body: 'Цена 1200' });
    await events.wait('whatsapp:new-message', (e) => e.message.messageId === messageId);
    await sim('edit', { messageId, from: contact, body: 'Цена 1100' });
    const edit = await updated(messageId, (c) => c.isEdited === true);
    expect(edit.changes).toMatchObject({ body: 'Цена 1100', isEdited: true });
    expect(await message(messageId)).toMatchObject({ body: 'Цена 1100', isEdited: true, isDeleted: false });
    const chats = (await as('GET', `/api/whatsapp/sessions/${sessionId}/chats`)).body.data as Json[];
    expect(chats.find((c) => c.chatId === chat)?.lastMessageText).toBe('Цена 1100');
    // Another contact cannot edit it (on Baileys it writes in its own chat, naming this message's id).
    await sim('inbound', { from: other, body: 'hello' });
    await sim('edit', { messageId, from: other, body: 'hijacked' });
    await sim('reaction', { messageId, from: contact, emoji: '✅' });
    await updated(messageId, (c) => c.reactions?.[0]?.emoji === '✅');
    expect((await message(messageId)).body).toBe('Цена 1100');
  }, 60_000);

  it('a deletion for everyone leaves a tombstone, takes the file, and frees its bytes', async () => {
    const file = Buffer.from(`a photo that will be deleted ${mode.name} ${Date.now()}`);
    const { messageId } = await sim('inbound', { from: contact, type: 'image', media: { base64: file.toString('base64'), mimetype: 'image/jpeg', caption: 'oops' } });
    await updated(messageId, (c) => c.media?.state === 'stored');
    const bytesBefore = (await as('GET', `/api/whatsapp/sessions/${sessionId}`)).body.data._count.mediaBytes as number;
    const blob = path.join(server.dataDir, 'media', sha(file).slice(0, 2), sha(file).slice(2, 4), sha(file));
    // Written within the last minute a file is left alone; its clock is moved back instead of waiting.
    const past = new Date(Date.now() - 5 * 60_000);
    await utimes(blob, past, past);

    await sim('revoke', { messageId, from: contact });
    const gone = await updated(messageId, (c) => c.isDeleted === true);
    expect(gone.changes).toMatchObject({ isDeleted: true, body: null, media: null });
    expect(await message(messageId)).toMatchObject({ isDeleted: true, body: null, media: null, reactions: [] });
    expect((await as('GET', `/api/whatsapp/sessions/${sessionId}`)).body.data._count.mediaBytes).toBe(bytesBefore - file.length);
    expect(await readdir(path.dirname(blob)).catch(() => [])).not.toContain(sha(file));
    const chats = (await as('GET', `/api/whatsapp/sessions/${sessionId}/chats`)).body.data as Json[];
    expect(chats.find((c) => c.chatId === chat)?.lastMessageText).toContain('deleted');
    // Deleted is final: a later edit or reaction changes nothing.
    await sim('edit', { messageId, from: contact, body: 'back again' });
    expect(await message(messageId)).toMatchObject({ isDeleted: true, body: null });
  }, 60_000);

  it('we react, edit our text and delete ours for everyone: each reaches the contact as WhatsApp sends it', async () => {
    const base = `/api/whatsapp/sessions/${sessionId}/chats/${chat}/messages`;
    const theirs = (await sim('inbound', { from: contact, body: 'Спасибо!' })).messageId as string;
    await events.wait('whatsapp:new-message', (e) => e.message.messageId === theirs);
    const sentLog = async () => (await as<Json>('GET', `/api/simulator/sessions/${sessionId}/sent`)).body.data as Json[];

    const reacted = await as('POST', `${base}/${theirs}/reaction`, { emoji: '🙏' });
    expect(reacted.status, JSON.stringify(reacted.body)).toBe(200);
    expect(reacted.body.data.reactions).toEqual([expect.objectContaining({ emoji: '🙏', fromMe: true })]);
    expect((await sentLog()).find((r) => r.kind === 'reaction' && r.messageId === theirs)).toMatchObject({ emoji: '🙏', chatId: chat });

    const ours = await as('POST', base, { type: 'text', message: 'Доставка в пятницу' });
    expect(ours.status).toBe(201);
    const mine = ours.body.data.messageId as string;
    const edited = await as('PATCH', `${base}/${mine}`, { message: 'Доставка в четверг' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.data).toMatchObject({ body: 'Доставка в четверг', isEdited: true });
    expect((await sentLog()).find((r) => r.kind === 'edit' && r.messageId === mine)).toMatchObject({ body: 'Доставка в четверг' });
    // Only our own text: a contact's message cannot be edited or deleted by us.
    expect((await as('PATCH', `${base}/${theirs}`, { message: 'no' })).status).toBe(409);
    expect((await as('DELETE', `${base}/${theirs}`)).status).toBe(409);

    const deleted = await as('DELETE', `${base}/${mine}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body.data).toMatchObject({ isDeleted: true, body: null });
    expect((await sentLog()).find((r) => r.kind === 'revoke' && r.messageId === mine)).toBeDefined();
    expect((await as('PATCH', `${base}/${mine}`, { message: 'again' })).status).toBe(409);
    expect((await as('POST', `${base}/missing-id/reaction`, { emoji: '👍' })).status).toBe(404);
  }, 60_000);
});
