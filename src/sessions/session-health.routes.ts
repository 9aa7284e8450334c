/**
 * Session health and control (docs/api.md "Seed 004"), with the seed's unwrapped shapes. `:id` / `:phoneId`
 * is our session id.
 */
import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, NullableDate, NullableString, OkMessage, okText, RowId } from '../http/schemas.js';
import { HealthSchema, SessionStatusSchema } from './session-view.js';
import type { SessionsService } from './sessions.service.js';

const StatsSchema = Type.Object({ phoneId: Type.String(), isConnected: Type.Boolean(), ...HealthSchema.properties });
const CloseBody = Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }));

export function registerSessionHealthRoutes(app: HttpApp, deps: { sessions: SessionsService }): void {
  const { sessions } = deps;
  const common = { tags: ['session health (seed 004)'], security: [{ bearerAuth: [] }] };

  app.get('/api/sessions', {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'All sessions of the company with status and error stats',
      response: {
        200: Type.Array(
          Type.Object({ id: Type.String(), phoneJid: NullableString, status: SessionStatusSchema, lastConnectedAt: NullableDate, stats: HealthSchema, isActive: Type.Boolean() }),
        ),
        ...errorResponses(401, 403),
      },
    },
    handler: async (request) => sessions.seedList(caller(request)),
  });

  for (const path of ['/api/sessions/:id/stats', '/api/session/:id/stats']) {
    app.get(path, {
      schema: { 'x-access': 'admin', ...common, summary: 'Error stats of one session', params: Type.Object({ id: RowId }), response: { 200: StatsSchema, ...errorResponses(401, 403, 404) } },
      handler: async (request) => sessions.health(caller(request), request.params.id),
    });
  }

  app.post('/api/sessions/:id/restart', {
    schema: { 'x-access': 'admin', ...common, summary: 'Close, pause, start again with stored credentials', params: Type.Object({ id: RowId }), response: { 200: OkMessage, ...errorResponses(401, 403, 404) } },
    handler: async (request) => {
      await sessions.restart(caller(request), request.params.id);
      return okText('Session restarted');
    },
  });

  for (const path of ['/api/sessions/:id/close', '/api/session/:id/close']) {
    app.post(path, {
      schema: {
        'x-access': 'admin',
        ...common,
        summary: 'Close the connection, free the socket, reset counters; no automatic reconnect',
        params: Type.Object({ id: RowId }),
        body: CloseBody,
        response: { 200: OkMessage, ...errorResponses(400, 401, 403, 404) },
      },
      handler: async (request) => {
        const { id } = request.params;
        await sessions.close(caller(request), id, request.body?.reason ?? 'Manual close via API');
        return okText(`Session ${id} closed successfully`);
      },
    });
  }
}
