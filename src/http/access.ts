/**
 * Who may call a route, declared once in its schema as `x-access` and published in the OpenAPI
 * document. The declaration is what guards the route (authentication, company admin); the session
 * scopes are checked by the feature's access policy, and the authorization tier
 * (test/openapi-authorization.test.ts) holds every operation to what it declares.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import type { AuthHooks } from './auth-hooks.js';

export type Access =
  /** Anyone, no token. */
  | 'public'
  /** Any signed-in user of a company; answers only with that company's data. */
  | 'user'
  /** A company admin; another company's ids are missing (404). */
  | 'admin'
  /** Admins and managers granted read on the session in the path; others: 404. */
  | 'session:read'
  /** Admins and managers granted write; read-only managers: 403; others: 404. */
  | 'session:write'
  /**
   * As `session:read`, or, without an Authorization header, anyone holding a signed link to this
   * one resource (`sig` and `exp` in the query; the route checks them).
   */
  | 'session:read+link';

declare module 'fastify' {
  interface FastifySchema {
    'x-access'?: Access;
  }
}

type Guard = onRequestHookHandler | onRequestAsyncHookHandler;

function guardFor(access: Access, hooks: AuthHooks): Guard | undefined {
  switch (access) {
    case 'public':
      return undefined;
    case 'admin':
      return hooks.requireAdmin;
    case 'user':
    case 'session:read':
    case 'session:write':
      return hooks.authenticate;
    case 'session:read+link':
      return async (request: FastifyRequest, reply: FastifyReply) => {
        const query = request.query as Record<string, unknown> | undefined;
        if (request.headers.authorization === undefined && typeof query?.sig === 'string') return;
        await hooks.authenticate.call(request.server, request, reply);
      };
    default:
      // A value the type does not know (a typo past a cast) must not leave the route open.
      throw new Error(`unknown x-access: ${String(access as unknown)}`);
  }
}

const isApi = (url: string): boolean => url === '/api' || url.startsWith('/api/');

/** Every `/api/` route must declare its access; start-up fails on one that does not. */
export function guardDeclaredAccess(app: FastifyInstance, hooks: AuthHooks): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!isApi(route.url)) return;
    const access = route.schema?.['x-access'];
    if (!access) throw new Error(`${String(route.method)} ${route.url} declares no x-access in its schema`);
    const guard = guardFor(access, hooks);
    if (!guard) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [guard as onRequestHookHandler, ...(existing as onRequestHookHandler[])];
  });
}
