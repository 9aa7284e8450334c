import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okList, pageQuery, RowId } from '../http/schemas.js';
import { ChatDetailSchema, ChatSchema } from '../messages/message-view.js';
import type { ChatKind } from '../whatsapp/engine.js';
import type { ChatsService } from './chats.service.js';

/** `:chatId` is our row id or a WhatsApp id / phone number. */
export const ChatParams = Type.Object({
  sessionId: RowId,
  chatId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9@._:+ ()-]+$' }),
});

export function registerChatsRoutes(app: FastifyInstance, deps: { chats: ChatsService; hooks: AuthHooks }): void {
  const common = { tags: ['chats'], security: [{ bearerAuth: [] }] };

  app.get('/api/whatsapp/sessions/:sessionId/chats', {
    onRequest: deps.hooks.authenticate,
    schema: {
      ...common,
      summary: 'Chats of a session, newest activity first (individual only unless asked otherwise)',
      params: Type.Object({ sessionId: RowId }),
      querystring: Type.Object(
        {
          ...pageQuery(50),
          includeGroups: Type.Optional(Type.Boolean()),
          includeStatus: Type.Optional(Type.Boolean()),
          chatType: Type.Optional(Type.Union(['all', 'individual', 'group', 'status'].map((t) => Type.Literal(t)))),
        },
        { additionalProperties: false },
      ),
      response: { 200: okList(ChatSchema), ...errorResponses(400, 401, 404) },
    },
    handler: async (request) => {
      const q = request.query as { page?: number; limit?: number; includeGroups?: boolean; includeStatus?: boolean; chatType?: ChatKind | 'all' };
      const page = q.page ?? 1;
      const limit = q.limit ?? 50;
      const { items, total } = await deps.chats.list(caller(request), (request.params as { sessionId: string }).sessionId, { ...q, page, limit });
      return { success: true, data: items, pagination: { total, page, limit } };
    },
  });

  app.get('/api/whatsapp/sessions/:sessionId/chats/:chatId', {
    onRequest: deps.hooks.authenticate,
    schema: { ...common, summary: 'One chat', params: ChatParams, response: { 200: ok(ChatDetailSchema), ...errorResponses(400, 401, 404) } },
    handler: async (request) => {
      const { sessionId, chatId } = request.params as { sessionId: string; chatId: string };
      return { success: true, data: await deps.chats.get(caller(request), sessionId, chatId) };
    },
  });
}
