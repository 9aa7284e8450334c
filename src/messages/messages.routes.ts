import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ChatParams } from '../chats/chats.routes.js';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okList, OkMessage, pageQuery } from '../http/schemas.js';
import { MessageSchema } from './message-view.js';
import type { MessagesService } from './messages.service.js';
import type { SendInput, SendService } from './send.service.js';

type P = { sessionId: string; chatId: string };

const SentSchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  fromMe: Type.Literal(true),
  body: Type.Union([Type.String(), Type.Null()]),
  messageType: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  chatId: Type.String(),
  status: Type.String(),
});

const SendBody = Type.Object(
  {
    message: Type.Optional(Type.String({ maxLength: 65536, description: 'The text, or the caption of a media message' })),
    type: Type.Union(['text', 'image', 'video', 'audio', 'document'].map((t) => Type.Literal(t))),
    media: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ maxLength: 2048, description: 'A public http(s) URL to fetch the file from' })),
          base64: Type.Optional(Type.String({ description: 'The file itself, base64-encoded' })),
          mimetype: Type.Optional(Type.String({ maxLength: 200, pattern: '^[\\w.+-]+/[\\w.+-]+$' })),
          fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        },
        { additionalProperties: false },
      ),
    ),
    replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'WhatsApp id of the message to reply to' })),
  },
  { additionalProperties: false },
);

export function registerMessagesRoutes(
  app: FastifyInstance,
  deps: { messages: MessagesService; send: SendService; hooks: AuthHooks; mediaBodyLimitBytes: number },
): void {
  const common = { tags: ['messages'], security: [{ bearerAuth: [] }] };
  const base = '/api/whatsapp/sessions/:sessionId/chats/:chatId';

  app.get(`${base}/messages`, {
    onRequest: deps.hooks.authenticate,
    schema: {
      ...common,
      summary: 'Messages of a chat, newest first',
      params: ChatParams,
      querystring: Type.Object(pageQuery(50), { additionalProperties: false }),
      response: { 200: okList(MessageSchema), ...errorResponses(400, 401, 404) },
    },
    handler: async (request) => {
      const { sessionId, chatId } = request.params as P;
      const { page = 1, limit = 50 } = request.query as { page?: number; limit?: number };
      const { items, total } = await deps.messages.list(caller(request), sessionId, chatId, page, limit);
      return { success: true, data: items, pagination: { total, page, limit } };
    },
  });

  app.post(`${base}/messages`, {
    onRequest: deps.hooks.authenticate,
    bodyLimit: deps.mediaBodyLimitBytes,
    schema: {
      ...common,
      summary: 'Send a message (text, or image/video/audio/document by URL or base64); optional Idempotency-Key header',
      params: ChatParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }),
      body: SendBody,
      response: { 201: ok(SentSchema), ...errorResponses(400, 401, 403, 404, 409, 413, 429, 502, 503) },
    },
    handler: async (request, reply) => {
      const { sessionId, chatId } = request.params as P;
      const key = request.headers['idempotency-key'];
      const data = await deps.send.send(caller(request), sessionId, chatId, request.body as SendInput, typeof key === 'string' ? key : undefined);
      return reply.status(201).send({ success: true, data });
    },
  });

  app.post(`${base}/read`, {
    onRequest: deps.hooks.authenticate,
    schema: {
      ...common,
      summary: 'Mark the chat read: read receipts go to WhatsApp, unreadCount becomes 0',
      params: ChatParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      const { sessionId, chatId } = request.params as P;
      await deps.messages.markRead(caller(request), sessionId, chatId);
      return { success: true, message: 'Messages marked as read' };
    },
  });

  app.post(`${base}/typing`, {
    onRequest: deps.hooks.authenticate,
    schema: {
      ...common,
      summary: 'Show or stop our typing indicator in the chat',
      params: ChatParams,
      body: Type.Object({ isTyping: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: OkMessage, ...errorResponses(400, 401, 403, 404, 503) },
    },
    handler: async (request) => {
      const { sessionId, chatId } = request.params as P;
      await deps.messages.typing(caller(request), sessionId, chatId, (request.body as { isTyping: boolean }).isTyping);
      return { success: true, message: 'Typing state sent' };
    },
  });
}
