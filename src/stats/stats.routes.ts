import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok } from '../http/schemas.js';
import type { StatsService } from './stats.service.js';

const Count = Type.Integer({ minimum: 0 });

const StatsSchema = Type.Object({
  sessions: Type.Object({ total: Count, active: Count, connected: Count }),
  messages: Type.Object({ total: Count, today: Count, sent: Count, received: Count }),
  chats: Type.Object({ total: Count, individual: Count, groups: Count }),
  managers: Type.Object({ total: Count, withAccess: Count }),
});

export function registerStatsRoutes(app: FastifyInstance, deps: { stats: StatsService; hooks: AuthHooks }): void {
  const { stats, hooks } = deps;

  app.get('/api/whatsapp/stats', {
    onRequest: hooks.authenticate,
    schema: {
      tags: ['stats'],
      security: [{ bearerAuth: [] }],
      summary: "Company statistics (managers: only their sessions); `today` is the current day in `tz`",
      querystring: Type.Object(
        { tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Almaty; default UTC' })) },
        { additionalProperties: false },
      ),
      response: { 200: ok(StatsSchema), ...errorResponses(400, 401) },
    },
    handler: async (request) => {
      const { tz = 'UTC' } = request.query as { tz?: string };
      return { success: true, data: await stats.overview(caller(request), tz) };
    },
  });
}
