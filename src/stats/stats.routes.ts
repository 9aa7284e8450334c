import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData } from '../http/schemas.js';
import { StatsOverviewSchema } from './stats-view.js';
import type { StatsService } from './stats.service.js';

export function registerStatsRoutes(app: HttpApp, deps: { stats: StatsService }): void {
  const { stats } = deps;

  app.get('/api/whatsapp/stats', {
    schema: {
      'x-access': 'user',
      tags: ['stats'],
      security: [{ bearerAuth: [] }],
      summary: "Company statistics (managers: only their sessions); `today` is the current day in `tz`",
      querystring: Type.Object(
        { tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Almaty; default UTC' })) },
        { additionalProperties: false },
      ),
      response: { 200: ok(StatsOverviewSchema), ...errorResponses(400, 401) },
    },
    handler: async (request) => {
      const { tz = 'UTC' } = request.query;
      return okData(await stats.overview(caller(request), tz));
    },
  });
}
