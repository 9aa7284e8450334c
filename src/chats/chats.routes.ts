import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, okList, okPage, pageQuery, RowId } from '../http/schemas.js';
import { ChatDetailSchema, ChatSchema, ChatTypeSchema } from '../messages/message-view.js';
import type { ChatsService } from './chats.service.js';

/** `:chatId` is our row id or a WhatsApp id / phone number. */
export const ChatParams = Type.Object({
  sessionId: RowId,
  chatId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9@._:+ ()-]+$' }),
});

export function registerChatsRoutes(app: HttpApp, deps: { chats: ChatsService }): void {
  const common = { tags: ['chats'], security: [{ bearerAuth: [] }] };

  app.get('/api/whatsapp/sessions/:sessionId/chats', {
    schema: {
      'x-access': 'session:read',
      ...common,
      summary: 'Chats of a session, newest activity first (individual only unless asked otherwise)',
      params: Type.Object({ sessionId: RowId }),
      querystring: Type.Object(
        {
          ...pageQuery(50),
          includeGroups: Type.Optional(Type.Boolean()),
          includeStatus: Type.Optional(Type.Boolean()),
          chatType: Type.Optional(Type.Union([Type.Literal('all'), ...ChatTypeSchema.anyOf])),
        },
        { additionalProperties: false },
      ),
      response: { 200: okList(ChatSchema), ...errorResponses(400, 401, 404) },
    },
    handler: async (request) => {
      const { page = 1, limit = 50, ...filter } = request.query;
      const { items, total } = await deps.chats.list(caller(request), request.params.sessionId, { ...filter, page, limit });
      return okPage(items, { total, page, limit });
    },
  });

  app.get('/api/whatsapp/sessions/:sessionId/chats/:chatId', {
    schema: { 'x-access': 'session:read', ...common, summary: 'One chat', params: ChatParams, response: { 200: ok(ChatDetailSchema), ...errorResponses(400, 401, 404) } },
    handler: async (request) => okData(await deps.chats.get(caller(request), request.params.sessionId, request.params.chatId)),
  });
}
