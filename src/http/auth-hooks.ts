/** Request authentication: a Bearer access token becomes `request.auth`. */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AccessClaims, TokenService } from '../auth/tokens.js';
import { authErrors } from '../auth/auth.errors.js';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AccessClaims;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export interface AuthHooks {
  authenticate: onRequestAsyncHookHandler;
  requireAdmin: onRequestAsyncHookHandler;
}

/**
 * `isActiveUser` guards against tokens of users removed after the token was issued (short-lived
 * tokens narrow the gap; this closes it).
 */
export function createAuthHooks(
  tokens: TokenService,
  isActiveUser: (claims: AccessClaims) => Promise<boolean>,
): AuthHooks {
  const authenticate = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer token');
    const claims = tokens.verifyAccess(token);
    if (!(await isActiveUser(claims))) throw authErrors.invalid_token('User no longer exists');
    request.auth = claims;
  };
  const requireAdmin = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await authenticate(request, reply);
    if (request.auth?.role !== 'admin') throw new ForbiddenError('Only company admins can do this');
  };
  return { authenticate, requireAdmin };
}

/** The authenticated caller; routes behind `authenticate` always have it. */
export function caller(request: FastifyRequest): AccessClaims {
  if (!request.auth) throw new UnauthorizedError();
  return request.auth;
}
