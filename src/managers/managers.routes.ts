import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, OkMessage, okText, RowId } from '../http/schemas.js';
import { GrantListItemSchema, GrantSchema, PermissionsSchema } from './grant-view.js';
import type { ManagersService } from './managers.service.js';

const SessionParams = Type.Object({ sessionId: RowId });
const GrantParams = Type.Object({ sessionId: RowId, managerId: RowId });

export function registerManagersRoutes(app: HttpApp, deps: { managers: ManagersService }): void {
  const { managers } = deps;
  const common = { tags: ['managers'], security: [{ bearerAuth: [] }] };
  const base = '/api/whatsapp/sessions/:sessionId/managers';

  app.post(base, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: "Grant a manager access to a session (201), or update an existing grant's permissions (200)",
      params: SessionParams,
      body: Type.Object({ managerId: RowId, permissions: PermissionsSchema }, { additionalProperties: false }),
      response: { 200: ok(GrantSchema), 201: ok(GrantSchema), ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { managerId, permissions } = request.body;
      const { created, grant } = await managers.grant(caller(request), request.params.sessionId, managerId, permissions);
      return reply.status(created ? 201 : 200).send(okData(grant));
    },
  });

  app.delete(`${base}/:managerId`, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: "Revoke a manager's access; from then on the session and its events are invisible to it",
      params: GrantParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      await managers.revoke(caller(request), request.params.sessionId, request.params.managerId);
      return okText('Manager access revoked');
    },
  });

  app.get(base, {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'The managers with access to a session',
      params: SessionParams,
      response: { 200: ok(Type.Array(GrantListItemSchema)), ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => okData(await managers.list(caller(request), request.params.sessionId)),
  });
}
