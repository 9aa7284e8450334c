import type { Config } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { commonErrors, ForbiddenError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { RateLimiter } from '../shared/rate-limiter.js';
import { isUniqueViolation, type UsersRepository } from '../users/users.repository.js';
import { normalizeEmail } from '../users/users.service.js';
import { toUserView, type UserView } from '../users/user-view.js';
import { userErrors } from '../users/users.errors.js';
import { authErrors } from './auth.errors.js';
import type { AuthRepository, CompanyRow } from './auth.repository.js';
import type { CompanyView, TokenPair } from './auth-view.js';
import type { PasswordHasher } from './password.js';
import { checkPasswordPolicy } from './password-policy.js';
import { hashToken, newRefreshToken, type AccessClaims, type TokenService } from './tokens.js';

const toCompanyView = (c: CompanyRow): CompanyView => ({ id: c.id, name: c.name, createdAt: c.createdAt.toISOString() });

export interface AuthServiceDeps {
  repo: AuthRepository;
  users: UsersRepository;
  tokens: TokenService;
  limiter: RateLimiter;
  clock: Clock;
  passwords: PasswordHasher;
  config: Pick<Config, 'registrationEnabled' | 'refreshTokenTtlSec' | 'loginMaxAttemptsPerEmail' | 'loginMaxAttemptsPerIp' | 'loginWindowSec'>;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { repo, tokens, limiter, clock, config, passwords } = deps;
  const windowMs = config.loginWindowSec * 1000;

  const issue = async (user: { id: string; companyId: string; role: 'admin' | 'manager' }): Promise<Omit<TokenPair, 'user'>> => {
    const refreshToken = newRefreshToken();
    const now = clock.now();
    await repo.insertRefreshToken({
      id: newId(),
      userId: user.id,
      companyId: user.companyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(now.getTime() + config.refreshTokenTtlSec * 1000),
    });
    return {
      accessToken: tokens.signAccess({ userId: user.id, companyId: user.companyId, role: user.role }),
      refreshToken,
      expiresIn: tokens.accessTtlSec,
    };
  };

  return {
    async register(input: { companyName: string; email: string; password: string; firstName: string; lastName: string }) {
      if (!config.registrationEnabled) throw new ForbiddenError('Registration is disabled on this server');
      checkPasswordPolicy(input.password, { email: input.email, words: [input.firstName, input.lastName, input.companyName] });
      const companyId = newId();
      try {
        const { company, user } = await repo.createCompanyWithAdmin(
          { id: companyId, name: input.companyName.trim() },
          {
            id: newId(),
            companyId,
            email: normalizeEmail(input.email),
            passwordHash: await passwords.hash(input.password),
            firstName: input.firstName.trim(),
            lastName: input.lastName.trim(),
            role: 'admin',
          },
        );
        return { ...(await issue(user)), user: toUserView(user), company: toCompanyView(company) };
      } catch (err) {
        if (isUniqueViolation(err)) throw userErrors.email_taken();
        throw err;
      }
    },

    async login(input: { email: string; password: string }, ip: string): Promise<TokenPair> {
      const email = normalizeEmail(input.email);
      const ipKey = `login:ip:${ip}`;
      const emailKey = `login:email:${email}`;
      // Counted before the slow hash, so concurrent guesses cannot all slip under the limit; given
      // back when refused (not an attempt) or when it succeeds (an office behind one address logs
      // in all day).
      const byIp = limiter.hit(ipKey, config.loginMaxAttemptsPerIp, windowMs);
      const byEmail = limiter.hit(emailKey, config.loginMaxAttemptsPerEmail, windowMs);
      if (!byIp.allowed || !byEmail.allowed) {
        limiter.release(ipKey);
        limiter.release(emailKey);
        const retryAfterSec = Math.max(byEmail.allowed ? 0 : byEmail.retryAfterSec, byIp.allowed ? 0 : byIp.retryAfterSec, 1);
        const when = `try again in ${retryAfterSec < 60 ? `${retryAfterSec} seconds` : `${Math.ceil(retryAfterSec / 60)} minutes`}`;
        const message = byEmail.allowed ? `Too many sign-in attempts from this address; ${when}` : `Too many failed sign-ins for this account; ${when}`;
        throw commonErrors.rate_limited({ retryAfterSec, message });
      }
      const user = await deps.users.findByEmail(email);
      // Verify against a dummy hash for unknown emails so response time does not reveal them.
      const ok = await passwords.verify(input.password, user?.passwordHash ?? (await passwords.dummyHash()));
      if (!user || !ok) throw authErrors.invalid_credentials();
      limiter.release(ipKey);
      limiter.reset(emailKey);
      return { ...(await issue(user)), user: toUserView(user) };
    },

    async refresh(refreshToken: string): Promise<TokenPair> {
      const hash = hashToken(refreshToken);
      const now = clock.now();
      const consumed = await repo.consumeRefreshToken(hash, now);
      if (!consumed) {
        // A revoked token presented again means it leaked: end every session of that user.
        const known = await repo.findRefreshToken(hash);
        if (known?.revokedAt) await repo.revokeAllForUser(known.userId, now);
        throw authErrors.invalid_refresh_token();
      }
      const user = await repo.findUserById(consumed.userId);
      if (!user) throw authErrors.invalid_refresh_token();
      return { ...(await issue(user)), user: toUserView(user) };
    },

    async logout(caller: AccessClaims, refreshToken: string): Promise<void> {
      const row = await repo.findRefreshToken(hashToken(refreshToken));
      // Only the owner can revoke it; someone else's token is treated as unknown.
      if (!row || row.userId !== caller.userId) throw authErrors.invalid_refresh_token('Unknown refresh token');
      await repo.consumeRefreshToken(row.tokenHash, clock.now());
    },

    async me(caller: AccessClaims): Promise<{ user: UserView; company: CompanyView }> {
      const [user, company] = await Promise.all([repo.findUserById(caller.userId), repo.findCompany(caller.companyId)]);
      if (!user || !company || user.companyId !== company.id) throw authErrors.invalid_token('User no longer exists');
      return { user: toUserView(user), company: toCompanyView(company) };
    },

    revokeAllTokens: (userId: string) => repo.revokeAllForUser(userId, clock.now()),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
