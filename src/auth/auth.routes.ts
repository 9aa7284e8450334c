import type { HttpApp } from '../http/http-app.js';
import { Type } from 'typebox';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, okData, OkMessage, okText } from '../http/schemas.js';
import { UserSchema } from '../users/user-view.js';
import { CompanySchema, TokenPairSchema } from './auth-view.js';
import type { UsersService } from '../users/users.service.js';
import type { AuthService } from './auth.service.js';
import { PASSWORD_MIN_LENGTH } from './password-policy.js';

export const Email = Type.String({ format: 'email', maxLength: 254 });
/** The length rule is the schema's; the rest of the policy (auth/password-policy.ts) needs the user's own words. */
export const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 200 });
/**
 * Display text (names): at least one visible character; no control characters (PostgreSQL cannot
 * store NUL, and terminals/logs should not get escape sequences) and no lone UTF-16 surrogates
 * (they cannot be stored as UTF-8 and would silently become U+FFFD).
 */
const DISPLAY_TEXT = '^(?=.*\\S)[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
export const PersonName = Type.String({ minLength: 1, maxLength: 100, pattern: DISPLAY_TEXT });

const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

export function registerAuthRoutes(app: HttpApp, deps: { auth: AuthService; users: Pick<UsersService, 'endLogins'> }): void {
  const { auth, users } = deps;
  const tags = ['auth'];

  app.post('/api/auth/register', {
    schema: {
      'x-access': 'public',
      tags,
      summary: 'Register a company and its first admin',
      body: Type.Object(
        { companyName: Type.String({ minLength: 1, maxLength: 200, pattern: DISPLAY_TEXT }), email: Email, password: Password, firstName: PersonName, lastName: PersonName },
        { additionalProperties: false },
      ),
      response: { 201: ok(Type.Object({ ...TokenPairSchema.properties, company: CompanySchema })), ...errorResponses(400, 403, 409) },
    },
    handler: async (request, reply) => reply.status(201).header('cache-control', 'no-store').send(okData(await auth.register(request.body))),
  });

  app.post('/api/auth/login', {
    schema: {
      'x-access': 'public',
      tags,
      summary: 'Log in with email and password',
      body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: ok(TokenPairSchema), ...errorResponses(400, 401, 429) },
    },
    handler: async (request, reply) => reply.header('cache-control', 'no-store').send(okData(await auth.login(request.body, request.ip))),
  });

  app.post('/api/auth/refresh', {
    schema: {
      'x-access': 'public',
      tags,
      summary: 'Exchange a refresh token for a new pair (the old one stops working)',
      body: RefreshBody,
      response: { 200: ok(TokenPairSchema), ...errorResponses(400, 401) },
    },
    handler: async (request, reply) => reply.header('cache-control', 'no-store').send(okData(await auth.refresh(request.body.refreshToken))),
  });

  app.post('/api/auth/logout', {
    schema: {
      'x-access': 'user',
      tags,
      summary: 'Revoke a refresh token; with everywhere: true, end every login of the user (all tokens, all live sockets)',
      security: [{ bearerAuth: [] }],
      body: Type.Object(
        { ...RefreshBody.properties, everywhere: Type.Optional(Type.Boolean({ description: 'Also end every other login of this user' })) },
        { additionalProperties: false },
      ),
      response: { 200: OkMessage, ...errorResponses(400, 401) },
    },
    handler: async (request) => {
      const me = caller(request);
      await auth.logout(me, request.body.refreshToken);
      if (request.body.everywhere) await users.endLogins(me.companyId, me.userId);
      return okText(request.body.everywhere ? 'Logged out everywhere' : 'Logged out');
    },
  });

  app.get('/api/auth/me', {
    schema: {
      'x-access': 'user',
      tags,
      summary: 'The current user and company',
      security: [{ bearerAuth: [] }],
      response: { 200: ok(Type.Object({ user: UserSchema, company: CompanySchema })), ...errorResponses(401) },
    },
    handler: async (request) => okData(await auth.me(caller(request))),
  });
}
