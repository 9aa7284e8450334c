import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { ChatParams } from '../chats/chats.routes.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, okList, okPage, OkMessage, okText, pageQuery } from '../http/schemas.js';
import { MessageSchema } from './message-view.js';
import type { MessagesService } from './messages.service.js';
import type { SendService } from './send.service.js';
import type { OwnChangesService } from './own-changes.service.js';
import { SendBodySchema, SentSchema } from './send-view.js';

export function registerMessagesRoutes(
  app: HttpApp,
  deps: { messages: MessagesService; send: SendService; own: OwnChangesService; mediaBodyLimitBytes: number },
): void {
  const common = { tags: ['messages'], security: [{ bearerAuth: [] }] };
  const base = '/api/whatsapp/sessions/:sessionId/chats/:chatId';

  app.get(`${base}/messages`, {
    schema: {
      'x-access': 'session:read',
      ...common,
      summary: 'Messages of a chat, newest first',
      params: ChatParams,
      querystring: Type.Object(pageQuery(50), { additionalProperties: false }),
      response: { 200: okList(MessageSchema), ...errorResponses(400, 401, 404) },
    },
    handler: async (request) => {
      const { sessionId, chatId } = request.params;
      const { page = 1, limit = 50 } = request.query;
      const { items, total } = await deps.messages.list(caller(request), sessionId, chatId, page, limit);
      return okPage(items, { total, page, limit });
    },
  });

  app.post(`${base}/messages`, {
    bodyLimit: deps.mediaBodyLimitBytes,
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'Send a message (text, or image/video/audio/document by URL or base64); optional Idempotency-Key header',
      params: ChatParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }),
      body: SendBodySchema,
      response: { 201: ok(SentSchema), ...errorResponses(400, 401, 403, 404, 409, 413, 429, 502, 503) },
    },
    handler: async (request, reply) => {
      const { sessionId, chatId } = request.params;
      const data = await deps.send.send(caller(request), sessionId, chatId, request.body, request.headers['idempotency-key']);
      return reply.status(201).send(okData(data));
    },
  });

  const MessageParams = Type.Object({
    ...ChatParams.properties,
    messageId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$', description: 'Our message row id or the WhatsApp id' }),
  });
  const changeResponses = { 200: ok(MessageSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503) };

  app.post(`${base}/messages/:messageId/reaction`, {
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'React to a message ("" removes our reaction)',
      params: MessageParams,
      body: Type.Object({ emoji: Type.String({ maxLength: 32 }) }, { additionalProperties: false, examples: [{ emoji: '👍' }] }),
      response: changeResponses,
    },
    handler: async (request) => {
      const { sessionId, chatId, messageId } = request.params;
      return okData(await deps.own.apply(caller(request), sessionId, chatId, messageId, { kind: 'reaction', emoji: request.body.emoji }));
    },
  });

  app.patch(`${base}/messages/:messageId`, {
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'Edit one of our text messages (within 15 minutes of sending)',
      params: MessageParams,
      body: Type.Object({ message: Type.String({ minLength: 1, maxLength: 65536 }) }, { additionalProperties: false, examples: [{ message: 'Corrected: the order ships on Monday.' }] }),
      response: changeResponses,
    },
    handler: async (request) => {
      const { sessionId, chatId, messageId } = request.params;
      return okData(await deps.own.apply(caller(request), sessionId, chatId, messageId, { kind: 'edit', body: request.body.message }));
    },
  });

  app.delete(`${base}/messages/:messageId`, {
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'Delete one of our messages for everyone (the row stays as a tombstone)',
      params: MessageParams,
      response: changeResponses,
    },
    handler: async (request) => {
      const { sessionId, chatId, messageId } = request.params;
      return okData(await deps.own.apply(caller(request), sessionId, chatId, messageId, { kind: 'revoke' }));
    },
  });

  app.post(`${base}/read`, {
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'Mark the chat read: read receipts go to WhatsApp, unreadCount becomes 0',
      params: ChatParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      await deps.messages.markRead(caller(request), request.params.sessionId, request.params.chatId);
      return okText('Messages marked as read');
    },
  });

  app.post(`${base}/typing`, {
    schema: {
      'x-access': 'session:write',
      ...common,
      summary: 'Show or stop our typing indicator in the chat',
      params: ChatParams,
      body: Type.Object({ isTyping: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: OkMessage, ...errorResponses(400, 401, 403, 404, 429, 502, 503) },
    },
    handler: async (request) => {
      await deps.messages.typing(caller(request), request.params.sessionId, request.params.chatId, request.body.isTyping);
      return okText('Typing state sent');
    },
  });
}
