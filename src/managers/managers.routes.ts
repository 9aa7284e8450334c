import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, IsoDate, ok, OkMessage, RowId } from '../http/schemas.js';
import type { ManagersService } from './managers.service.js';

const PermissionSchema = Type.Union([Type.Literal('read'), Type.Literal('write')]);
const Permissions = Type.Array(PermissionSchema, { minItems: 1, maxItems: 2, uniqueItems: true });

const GrantSchema = Type.Object({
  id: Type.String(),
  managerId: Type.String(),
  sessionId: Type.String(),
  permissions: Permissions,
  grantedAt: IsoDate,
});

const GrantListItemSchema = Type.Object({
  id: Type.String(),
  manager: Type.Object({ id: Type.String(), firstName: Type.String(), lastName: Type.String(), email: Type.String() }),
  permissions: Permissions,
  grantedAt: IsoDate,
});

const SessionParams = Type.Object({ sessionId: RowId });
const GrantParams = Type.Object({ sessionId: RowId, managerId: RowId });

export function registerManagersRoutes(app: FastifyInstance, deps: { managers: ManagersService; hooks: AuthHooks }): void {
  const { managers, hooks } = deps;
  const common = { tags: ['managers'], security: [{ bearerAuth: [] }] };
  const base = '/api/whatsapp/sessions/:sessionId/managers';

  app.post(base, {
    onRequest: hooks.requireAdmin,
    schema: {
      ...common,
      summary: "Grant a manager access to a session (201), or update an existing grant's permissions (200)",
      params: SessionParams,
      body: Type.Object({ managerId: RowId, permissions: Permissions }, { additionalProperties: false }),
      response: { 200: ok(GrantSchema), 201: ok(GrantSchema), ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { sessionId } = request.params as { sessionId: string };
      const { managerId, permissions } = request.body as { managerId: string; permissions: string[] };
      const { created, grant } = await managers.grant(caller(request), sessionId, managerId, permissions);
      return reply.status(created ? 201 : 200).send({ success: true, data: grant });
    },
  });

  app.delete(`${base}/:managerId`, {
    onRequest: hooks.requireAdmin,
    schema: {
      ...common,
      summary: "Revoke a manager's access; from then on the session and its events are invisible to it",
      params: GrantParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => {
      const { sessionId, managerId } = request.params as { sessionId: string; managerId: string };
      await managers.revoke(caller(request), sessionId, managerId);
      return { success: true, message: 'Manager access revoked' };
    },
  });

  app.get(base, {
    onRequest: hooks.requireAdmin,
    schema: {
      ...common,
      summary: 'The managers with access to a session',
      params: SessionParams,
      response: { 200: ok(Type.Array(GrantListItemSchema)), ...errorResponses(401, 403, 404) },
    },
    handler: async (request) => ({
      success: true,
      data: await managers.list(caller(request), (request.params as { sessionId: string }).sessionId),
    }),
  });
}
