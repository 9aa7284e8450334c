import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, okList, okPage, OkMessage, okText, pageQuery, RowId } from '../http/schemas.js';
import { CreatedSessionSchema, HealthSchema, SessionSchema } from './session-view.js';
import type { SessionsService } from './sessions.service.js';

const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const SessionParams = Type.Object({ sessionId: RowId });

export function registerSessionsRoutes(app: HttpApp, deps: { sessions: SessionsService }): void {
  const { sessions } = deps;
  const common = { tags: ['sessions'], security: [{ bearerAuth: [] }] };
  const base = '/api/whatsapp/sessions';

  app.post(base, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Create a session (link a WhatsApp number); a QR follows as whatsapp:qr-updated',
      body: Type.Object({ displayName: DisplayName }, { additionalProperties: false }),
      response: { 201: ok(CreatedSessionSchema), ...errorResponses(400, 401, 403, 409) },
    },
    handler: async (request, reply) => {
      const data = await sessions.create(caller(request), request.body.displayName);
      return reply.status(201).send(okData(data));
    },
  });

  app.get(base, {
    schema: {
      'x-access': 'user',
      ...common,
      summary: 'List sessions (managers: only those granted to them)',
      querystring: Type.Object(pageQuery(10), { additionalProperties: false }),
      response: { 200: okList(SessionSchema), ...errorResponses(400, 401) },
    },
    handler: async (request) => {
      const { page = 1, limit = 10 } = request.query;
      const { items, total } = await sessions.list(caller(request), page, limit);
      return okPage(items, { total, page, limit });
    },
  });

  app.get(`${base}/:sessionId`, {
    schema: { 'x-access': 'session:read', ...common, summary: 'One session with status and health', params: SessionParams, response: { 200: ok(SessionSchema), ...errorResponses(401, 404) } },
    handler: async (request) => okData(await sessions.get(caller(request), request.params.sessionId)),
  });

  app.patch(`${base}/:sessionId`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Rename a session',
      params: SessionParams,
      body: Type.Object({ displayName: DisplayName }, { additionalProperties: false }),
      response: { 200: ok(SessionSchema), ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request) => okData(await sessions.rename(caller(request), request.params.sessionId, request.body.displayName)),
  });

  app.delete(`${base}/:sessionId`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Log out (if connected) and delete the session with its chats, messages and credentials',
      params: SessionParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      await sessions.remove(caller(request), request.params.sessionId);
      return okText('Session deleted');
    },
  });

  app.get(`${base}/:sessionId/qr`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'The current QR code as a PNG data URL (starts a stopped session; waits a bounded time for the first QR)',
      params: SessionParams,
      response: { 200: ok(Type.Object({ qrCode: Type.String() })), ...errorResponses(401, 403, 404, 409, 503) },
    },
    handler: async (request) => okData({ qrCode: await sessions.qr(caller(request), request.params.sessionId) }),
  });

  app.post(`${base}/:sessionId/pairing-code`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Link by phone number: returns the 8-character code to type on the phone (instead of scanning the QR)',
      params: SessionParams,
      body: Type.Object({ phoneNumber: Type.String({ minLength: 5, maxLength: 32, pattern: '^\\+?[0-9 ().-]+$' }) }, { additionalProperties: false }),
      response: { 200: ok(Type.Object({ pairingCode: Type.String() })), ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503) },
    },
    handler: async (request) =>
      okData({ pairingCode: await sessions.requestPairingCode(caller(request), request.params.sessionId, request.body.phoneNumber) }),
  });

  app.post(`${base}/:sessionId/disconnect`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Log the linked device out of WhatsApp and wipe its credentials (a new QR is needed)',
      params: SessionParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      await sessions.disconnect(caller(request), request.params.sessionId);
      return okText('Session disconnected successfully');
    },
  });

  app.post(`${base}/:sessionId/restart`, {
    schema: { 'x-access': 'admin', ...common, summary: 'Close and start again with stored credentials', params: SessionParams, response: { 200: OkMessage, ...errorResponses(401, 403, 404) } },
    handler: async (request) => {
      await sessions.restart(caller(request), request.params.sessionId);
      return okText('Session restarted');
    },
  });

  app.post(`${base}/:sessionId/close`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Close the connection, keep credentials; does not reconnect by itself',
      params: SessionParams,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false })),
      response: { 200: OkMessage, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const reason = request.body?.reason ?? 'Manual close';
      await sessions.close(caller(request), request.params.sessionId, reason);
      return okText('Session closed');
    },
  });

  app.get(`${base}/:sessionId/health`, {
    schema: {
      'x-access': 'session:read',
      ...common,
      summary: 'Seed-004 health of one session',
      params: SessionParams,
      response: { 200: ok(Type.Object({ phoneId: Type.String(), isConnected: Type.Boolean(), ...HealthSchema.properties })), ...errorResponses(401, 404) },
    },
    handler: async (request) => okData(await sessions.health(caller(request), request.params.sessionId)),
  });
}
