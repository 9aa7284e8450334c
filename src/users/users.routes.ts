import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { Email, Password, PersonName } from '../auth/auth.routes.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, okList, okPage, OkMessage, okText, pageQuery, RowId } from '../http/schemas.js';
import { RoleSchema, UserSchema } from './user-view.js';
import type { UsersService } from './users.service.js';

const UserIdParams = Type.Object({ userId: RowId });

export function registerUsersRoutes(app: HttpApp, deps: { users: UsersService }): void {
  const { users } = deps;
  const common = { tags: ['users'], security: [{ bearerAuth: [] }] };

  app.post('/api/users', {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Create a user (manager or admin) in your company',
      body: Type.Object({ email: Email, password: Password, firstName: PersonName, lastName: PersonName, role: RoleSchema }, { additionalProperties: false }),
      response: { 201: ok(UserSchema), ...errorResponses(400, 401, 403, 409) },
    },
    handler: async (request, reply) => {
      const user = await users.create(caller(request).companyId, request.body);
      return reply.status(201).send(okData(user));
    },
  });

  app.get('/api/users', {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'List the users of your company',
      querystring: Type.Object({ ...pageQuery(50), role: Type.Optional(RoleSchema) }, { additionalProperties: false }),
      response: { 200: okList(UserSchema), ...errorResponses(400, 401, 403) },
    },
    handler: async (request) => {
      const { page = 1, limit = 50, role } = request.query;
      const { items, total } = await users.list(caller(request).companyId, page, limit, role);
      return okPage(items, { total, page, limit });
    },
  });

  app.get('/api/users/:userId', {
    schema: { 'x-access': 'admin', ...common, summary: 'One user', params: UserIdParams, response: { 200: ok(UserSchema), ...errorResponses(401, 403, 404) } },
    handler: async (request) => okData(await users.get(caller(request).companyId, request.params.userId)),
  });

  app.patch('/api/users/:userId', {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Edit a user',
      params: UserIdParams,
      body: Type.Object(
        {
          email: Type.Optional(Email),
          password: Type.Optional(Password),
          firstName: Type.Optional(PersonName),
          lastName: Type.Optional(PersonName),
          role: Type.Optional(RoleSchema),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: ok(UserSchema), ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const me = caller(request);
      return okData(await users.update(me.companyId, me.userId, request.params.userId, request.body));
    },
  });

  app.delete('/api/users/:userId', {
    schema: {
      'x-access': 'admin',
      ...common,
      summary: 'Remove a user; a manager loses all access and its sockets are disconnected',
      params: UserIdParams,
      response: { 200: OkMessage, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (request) => {
      const me = caller(request);
      await users.remove(me.companyId, me.userId, request.params.userId);
      return okText('User removed');
    },
  });
}
