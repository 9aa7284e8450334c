import type { Role } from '../auth/tokens.js';
import type { PasswordHasher } from '../auth/password.js';
import { checkPasswordPolicy } from '../auth/password-policy.js';
import type { EventOutbox } from '../events/outbox.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { isUniqueViolation, type UsersQueries, type UsersRepository } from './users.repository.js';
import { toUserView, type UserView } from './user-view.js';
import { userErrors } from './users.errors.js';

export interface NewUserInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  role: Role;
}

export type UserPatch = Partial<NewUserInput>;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function createUsersService(deps: {
  users: UsersRepository;
  outbox: EventOutbox;
  passwords: PasswordHasher;
  clock: Clock;
  revokeAllTokens: (userId: string) => Promise<void>;
}) {
  const { users, outbox, passwords, clock } = deps;

  const assertNotLastAdmin = async (repo: UsersQueries, companyId: string): Promise<void> => {
    if ((await repo.countAdmins(companyId)) <= 1) {
      throw userErrors.last_admin();
    }
  };

  return {
    async create(companyId: string, input: NewUserInput): Promise<UserView> {
      checkPasswordPolicy(input.password, { email: input.email, words: [input.firstName, input.lastName] });
      try {
        const row = await users.insert({
          id: newId(),
          companyId,
          email: normalizeEmail(input.email),
          passwordHash: await passwords.hash(input.password),
          firstName: input.firstName.trim(),
          lastName: input.lastName.trim(),
          role: input.role,
        });
        return toUserView(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw userErrors.email_taken();
        throw err;
      }
    },

    async list(companyId: string, page: number, limit: number, role?: Role) {
      const { rows, total } = await users.list(companyId, page, limit, role);
      return { items: rows.map(toUserView), total };
    },

    async get(companyId: string, id: string): Promise<UserView> {
      const row = await users.findById(companyId, id);
      if (!row) throw new NotFoundError('User');
      return toUserView(row);
    },

    async update(companyId: string, actorId: string, id: string, patch: UserPatch): Promise<UserView> {
      const existing = await users.findById(companyId, id);
      if (!existing) throw new NotFoundError('User');
      if (patch.password !== undefined) {
        checkPasswordPolicy(patch.password, { email: patch.email ?? existing.email, words: [patch.firstName ?? existing.firstName, patch.lastName ?? existing.lastName] });
      }
      const passwordHash = patch.password !== undefined ? await passwords.hash(patch.password) : undefined;
      try {
        // Check and write under the company lock: two admins demoting each other at once must not
        // leave the company without an admin.
        const { current, row } = await outbox.transaction(async (tx, emit) => {
          const repo = await users.lockCompany(tx, companyId);
          const current = await repo.findById(companyId, id);
          if (!current) throw new NotFoundError('User');
          if (patch.role === 'manager' && current.role === 'admin') {
            if (id === actorId) throw new ForbiddenError('You cannot remove your own admin role');
            await assertNotLastAdmin(repo, companyId);
          }
          const row = await repo.update(companyId, id, {
            ...(patch.email !== undefined && { email: normalizeEmail(patch.email) }),
            ...(patch.firstName !== undefined && { firstName: patch.firstName.trim() }),
            ...(patch.lastName !== undefined && { lastName: patch.lastName.trim() }),
            ...(patch.role !== undefined && { role: patch.role }),
            // A new password ends every login, the access tokens already out there included.
            ...(passwordHash !== undefined && { passwordHash, tokensValidAfter: clock.now() }),
          });
          if (!row) throw new NotFoundError('User');
          // A new password or role ends every login of that user; live sockets joined rooms under
          // the old role and must reconnect under the new one.
          if (patch.password !== undefined || (patch.role !== undefined && patch.role !== current.role)) {
            emit('user.access_ended', companyId, { userId: id });
          }
          return { current, row };
        });
        if (patch.password !== undefined || (patch.role !== undefined && patch.role !== current.role)) await deps.revokeAllTokens(id);
        return toUserView(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw userErrors.email_taken();
        throw err;
      }
    },

    /** Logs the user out everywhere: every refresh and access token, and every live socket. */
    async endLogins(companyId: string, userId: string): Promise<void> {
      await outbox.transaction(async (tx, emit) => {
        const repo = await users.lockCompany(tx, companyId);
        await repo.update(companyId, userId, { tokensValidAfter: clock.now() });
        emit('user.access_ended', companyId, { userId });
      });
      await deps.revokeAllTokens(userId);
    },

    async remove(companyId: string, actorId: string, id: string): Promise<void> {
      await outbox.transaction(async (tx, emit) => {
        const repo = await users.lockCompany(tx, companyId);
        const current = await repo.findById(companyId, id);
        if (!current) throw new NotFoundError('User');
        if (id === actorId) throw new ForbiddenError('You cannot remove yourself');
        if (current.role === 'admin') await assertNotLastAdmin(repo, companyId);
        // Access grants and refresh tokens go with the row (foreign keys cascade).
        if (!(await repo.remove(companyId, id))) throw new NotFoundError('User');
        emit('user.access_ended', companyId, { userId: id });
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
