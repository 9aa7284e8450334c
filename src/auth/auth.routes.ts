import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, OkMessage } from '../http/schemas.js';
import { UserSchema } from '../users/user-view.js';
import type { AuthService } from './auth.service.js';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });
/**
 * Display text (names): at least one visible character; no control characters (PostgreSQL cannot
 * store NUL, and terminals/logs should not get escape sequences) and no lone UTF-16 surrogates
 * (they cannot be stored as UTF-8 and would silently become U+FFFD).
 */
const DISPLAY_TEXT = '^(?=.*\\S)[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
export const PersonName = Type.String({ minLength: 1, maxLength: 100, pattern: DISPLAY_TEXT });

const Company = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String({ format: 'date-time' }) });
const Tokens = {
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
  user: UserSchema,
};
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

export function registerAuthRoutes(app: FastifyInstance, deps: { auth: AuthService; hooks: AuthHooks }): void {
  const { auth, hooks } = deps;
  const tags = ['auth'];

  app.post('/api/auth/register', {
    schema: {
      tags,
      summary: 'Register a company and its first admin',
      body: Type.Object(
        { companyName: Type.String({ minLength: 1, maxLength: 200, pattern: DISPLAY_TEXT }), email: Email, password: Password, firstName: PersonName, lastName: PersonName },
        { additionalProperties: false },
      ),
      response: { 201: ok(Type.Object({ ...Tokens, company: Company })), ...errorResponses(400, 403, 409) },
    },
    handler: async (request, reply) => {
      const body = request.body as { companyName: string; email: string; password: string; firstName: string; lastName: string };
      return reply.status(201).send({ success: true, data: await auth.register(body) });
    },
  });

  app.post('/api/auth/login', {
    schema: {
      tags,
      summary: 'Log in with email and password',
      body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: ok(Type.Object(Tokens)), ...errorResponses(400, 401, 429) },
    },
    handler: async (request) => {
      const body = request.body as { email: string; password: string };
      return { success: true, data: await auth.login(body, request.ip) };
    },
  });

  app.post('/api/auth/refresh', {
    schema: {
      tags,
      summary: 'Exchange a refresh token for a new pair (the old one stops working)',
      body: RefreshBody,
      response: { 200: ok(Type.Object(Tokens)), ...errorResponses(400, 401) },
    },
    handler: async (request) => ({ success: true, data: await auth.refresh((request.body as { refreshToken: string }).refreshToken) }),
  });

  app.post('/api/auth/logout', {
    onRequest: hooks.authenticate,
    schema: { tags, summary: 'Revoke a refresh token', security: [{ bearerAuth: [] }], body: RefreshBody, response: { 200: OkMessage, ...errorResponses(400, 401) } },
    handler: async (request) => {
      await auth.logout(caller(request), (request.body as { refreshToken: string }).refreshToken);
      return { success: true, message: 'Logged out' };
    },
  });

  app.get('/api/auth/me', {
    onRequest: hooks.authenticate,
    schema: {
      tags,
      summary: 'The current user and company',
      security: [{ bearerAuth: [] }],
      response: { 200: ok(Type.Object({ user: UserSchema, company: Company })), ...errorResponses(401) },
    },
    handler: async (request) => ({ success: true, data: await auth.me(caller(request)) }),
  });
}
