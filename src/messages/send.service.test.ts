import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { fakeOutbox } from '../../test/helpers/fake-outbox.js';
import type { AccessClaims } from '../auth/tokens.js';
import type { ChatsService } from '../chats/chats.service.js';
import { createMemoryRateLimiter } from '../shared/rate-limiter.js';
import { EngineSendError, type WhatsAppEngine } from '../whatsapp/engine.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import type { IdempotencyStore } from './idempotency.js';
import type { IngestItem, IngestRepository, IngestResult } from './ingest.repository.js';
import { createSendService } from './send.service.js';
import { createHash } from 'node:crypto';

const caller: AccessClaims = { userId: 'u1', companyId: 'c1', role: 'manager' };
const clock = { now: () => new Date('2026-12-01T10:00:00Z') };
const session = { id: 's1', companyId: 'c1', phoneJid: '77000000000@c.us', phoneNumber: '+77000000000' };

function setup(opts: { engine?: Partial<WhatsAppEngine>; rate?: number } = {}) {
  const rows = new Map<string, { item: IngestItem; status: string; error?: string }>();
  const writes: IngestRepository = {
    async writeBatch(_tx, items) {
      return items.map((item) => {
        rows.set(item.message.waMessageId, { item, status: item.message.status ?? '', ...(item.message.errorMessage && { error: item.message.errorMessage }) });
        return {
          message: { ...item.message, id: `row-${item.message.waMessageId}`, chatId: 'chat1', companyId: 'c1', sessionId: 's1', createdAt: clock.now() },
          chat: { id: 'chat1', waChatId: item.chat.waChatId, chatType: 'individual', chatName: null, lastMessageAt: clock.now(), lastMessageText: 'x', unreadCount: 0 },
          inserted: true,
        } as unknown as IngestResult;
      });
    },
    async advanceStatus(_tx, _sessionId, id, status, errorMessage) {
      const row = rows.get(id)!;
      row.status = status;
      if (errorMessage) row.error = errorMessage;
      return { chatId: 'chat1' } as never;
    },
  };
  const sendMessage = vi.fn(async () => ({ messageId: 'ignored', timestamp: clock.now() }));
  const engine = { sendMessage, ...opts.engine } as unknown as WhatsAppEngine;
  const outbox = fakeOutbox();
  const chats = { resolve: async () => ({ session, chat: undefined, jid: '77010000001@c.us' }) } as unknown as ChatsService;
  const service = createSendService({
    chats,
    messages: { findByWaId: async () => undefined, failInterruptedSends: async () => [] },
    writes,
    outbox,
    registry: { get: () => engine } as unknown as SessionRegistry,
    limiter: createMemoryRateLimiter(clock),
    idempotency: {} as IdempotencyStore,
    clock,
    logger: pino({ level: 'silent' }),
    sendRatePerMinute: opts.rate ?? 60,
    mediaMaxBytes: 1024,
    mediaAllowPrivate: false,
    storage: { putBuffer: async (data: Buffer) => ({ sha256: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length }) },
  });
  return { service, rows, outbox, sendMessage };
}

describe('send service', () => {
  it('stores the message once as pending, hands it to the engine with that id, then settles it sent', async () => {
    const { service, rows, outbox, sendMessage } = setup();
    const sent = await service.send(caller, 's1', '77010000001', { type: 'text', message: 'Hello' });
    expect(sent).toMatchObject({ fromMe: true, body: 'Hello', messageType: 'text', chatId: 'chat1', status: 'sent' });
    expect(sendMessage).toHaveBeenCalledWith('77010000001@c.us', { type: 'text', text: 'Hello' }, { messageId: sent.messageId });
    expect([...rows.values()].map((r) => [r.item.message.status, r.status, r.item.message.managerId])).toEqual([['pending', 'sent', 'u1']]);
    expect(outbox.events.map((e) => e.name)).toEqual(['message.stored', 'message.status_changed']);
  });

  it('settles a refused send as failed, with its error, and announces it', async () => {
    const { service, rows, outbox } = setup({
      engine: {
        sendMessage: async () => {
          throw new EngineSendError('not_on_whatsapp', 'The recipient is not on WhatsApp');
        },
      },
    });
    await expect(service.send(caller, 's1', '77010000001', { type: 'text', message: 'Hi' })).rejects.toMatchObject({ statusCode: 502 });
    const [row] = [...rows.values()];
    expect(row).toMatchObject({ status: 'failed', error: 'The recipient is not on WhatsApp' });
    expect(outbox.events.map((e) => e.name)).toEqual(['message.stored', 'message.status_changed', 'message.send_failed']);
    expect(outbox.events[2]!.payload).toMatchObject({ errorType: 'not_on_whatsapp', messageText: 'Hi', chatId: 'chat1' });
  });

  it('checks the send rate before fetching anything, and stores the throttled message as failed', async () => {
    const { service, rows, outbox, sendMessage } = setup({ rate: 1 });
    await service.send(caller, 's1', '77010000001', { type: 'text', message: 'one' });
    // A URL that would be refused if it were ever fetched (not public): the rate check comes first.
    await expect(service.send(caller, 's1', '77010000001', { type: 'image', media: { url: 'http://127.0.0.1/x.jpg' } })).rejects.toMatchObject({ statusCode: 429 });
    expect(sendMessage).toHaveBeenCalledTimes(1);
    expect([...rows.values()].map((r) => r.status)).toEqual(['sent', 'failed']);
    expect(outbox.events.at(-1)).toMatchObject({ name: 'message.send_failed', payload: { errorType: 'rate_limit' } });
  });

  it('refuses bad input before storing anything', async () => {
    const { service, rows } = setup();
    await expect(service.send(caller, 's1', 'x', { type: 'text', message: '   ' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(service.send(caller, 's1', 'x', { type: 'image', media: { base64: '!!!' } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(service.send(caller, 's1', 'x', { type: 'image', media: { base64: Buffer.alloc(2048).toString('base64') } })).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(rows.size).toBe(0);
  });
});
