/**
 * Access tokens are short-lived JWTs (HS256); refresh tokens are random opaque strings whose
 * SHA-256 alone is stored, so a database leak does not leak usable tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { authErrors } from './auth.errors.js';

export type Role = 'admin' | 'manager';

export interface AccessClaims {
  userId: string;
  companyId: string;
  role: Role;
  /** When the token was issued and when it expires (ms since the epoch), for verified tokens. */
  issuedAt?: number;
  expiresAt?: number;
}

export interface TokenService {
  signAccess(claims: AccessClaims): string;
  verifyAccess(token: string): AccessClaims;
  readonly accessTtlSec: number;
}

/** `now` is injected so token times follow the app's clock. */
export function createTokenService(secret: string, accessTtlSec: number, now: () => number = Date.now): TokenService {
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: accessTtlSec * 1000 });
  const verify = createVerifier({ key: secret, algorithms: ['HS256'] });
  return {
    accessTtlSec,
    // `iam`: the issue time in ms (JWT's iat has seconds), so a password reset a moment after a
    // login still ends the token issued before it.
    signAccess: (c) => sign({ sub: c.userId, cid: c.companyId, role: c.role, typ: 'access', iam: now() }),
    verifyAccess(token) {
      let payload: Record<string, unknown>;
      try {
        payload = verify(token) as Record<string, unknown>;
      } catch (err) {
        const expired = (err as { code?: string }).code === 'FAST_JWT_EXPIRED';
        throw expired ? authErrors.token_expired() : authErrors.invalid_token();
      }
      const { sub, cid, role, typ, iam, iat, exp } = payload;
      if (typeof sub !== 'string' || typeof cid !== 'string' || (role !== 'admin' && role !== 'manager') || typ !== 'access') {
        throw authErrors.invalid_token();
      }
      const issuedAt = typeof iam === 'number' ? iam : typeof iat === 'number' ? iat * 1000 : 0;
      return { userId: sub, companyId: cid, role, issuedAt, ...(typeof exp === 'number' && { expiresAt: exp * 1000 }) };
    },
  };
}

export const newRefreshToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
