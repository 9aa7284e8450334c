/** Managers' access to sessions (seed 000 §10–12): grant, update, revoke, list. */
import type { AccessClaims } from '../auth/tokens.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import type { EventOutbox } from '../events/outbox.js';
import type { AccessPolicy } from './access-policy.js';
import type { GrantListItem, GrantView } from './grant-view.js';
import type { Permission } from './permission.js';
import { isForeignKeyViolation, type GrantRow, type ManagerUser, type ManagersRepository } from './managers.repository.js';

export interface ManagersServiceDeps {
  repo: ManagersRepository;
  policy: AccessPolicy;
  outbox: EventOutbox;
  clock: Clock;
}

const permissionsOf = (g: Pick<GrantRow, 'canRead' | 'canWrite'>): Permission[] => [
  ...(g.canRead ? (['read'] as const) : []),
  ...(g.canWrite ? (['write'] as const) : []),
];

const fullName = (u: Pick<ManagerUser, 'firstName' | 'lastName'>): string => `${u.firstName} ${u.lastName}`.trim();

/** The schema already rejects most of this; the rule lives here so every caller of the service gets it. */
function validatePermissions(permissions: readonly string[]): { canRead: boolean; canWrite: boolean } {
  if (permissions.length === 0) throw ValidationError.field('permissions', 'must contain at least one permission');
  if (new Set(permissions).size !== permissions.length) throw ValidationError.field('permissions', 'must not repeat a permission');
  for (const p of permissions) {
    if (p !== 'read' && p !== 'write') throw ValidationError.field('permissions', 'must be read or write');
  }
  const canRead = permissions.includes('read');
  const canWrite = permissions.includes('write');
  if (canWrite && !canRead) throw ValidationError.field('permissions', 'write requires read');
  return { canRead, canWrite };
}

/** The session or the user was deleted between the checks and the write. */
async function upsertOr404<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new NotFoundError('Session or manager');
    throw err;
  }
}

export function createManagersService(deps: ManagersServiceDeps) {
  const { repo, policy, outbox, clock } = deps;

  const toView = (g: GrantRow): GrantView => ({
    id: g.id,
    managerId: g.managerId,
    sessionId: g.sessionId,
    permissions: permissionsOf(g),
    grantedAt: g.grantedAt.toISOString(),
  });

  return {
    async grant(caller: AccessClaims, sessionId: string, managerId: string, permissions: readonly string[]): Promise<{ created: boolean; grant: GrantView }> {
      const { canRead, canWrite } = validatePermissions(permissions);
      await policy.session(caller, sessionId, 'admin');
      const manager = await repo.findUser(caller.companyId, managerId);
      // Another company's user looks exactly like a missing one.
      if (!manager) throw new NotFoundError('Manager');
      if (manager.role !== 'manager') throw ValidationError.field('managerId', 'must be a user with the manager role (admins already see every session)');

      const now = clock.now();
      const { grant, created } = await upsertOr404(
        outbox.transaction(async (tx, emit) => {
          const result = await repo.upsert(
            tx,
            { companyId: caller.companyId, sessionId, managerId, canRead, canWrite, grantedBy: caller.userId, grantedAt: now },
            (isNew, row) => ({
              companyId: caller.companyId,
              actorId: caller.userId,
              action: isNew ? 'manager_access.granted' : 'manager_access.updated',
              targetType: 'manager_access',
              targetId: row.id,
              details: { sessionId, managerId, permissions: permissionsOf(row) },
              createdAt: now,
            }),
          );
          emit('access.granted', caller.companyId, {
            sessionId,
            managerId,
            managerName: fullName(manager),
            permissions: permissionsOf(result.grant),
            grantedBy: caller.userId,
            timestamp: now.toISOString(),
          });
          return result;
        }),
      );
      return { created, grant: toView(grant) };
    },

    async revoke(caller: AccessClaims, sessionId: string, managerId: string): Promise<void> {
      await policy.session(caller, sessionId, 'admin');
      const now = clock.now();
      // The user outlives its grant; only a concurrent user deletion leaves the event without a name.
      const manager = await repo.findUser(caller.companyId, managerId);
      const removed = await outbox.transaction(async (tx, emit) => {
        const row = await repo.remove(tx, caller.companyId, sessionId, managerId, (grant) => ({
          companyId: caller.companyId,
          actorId: caller.userId,
          action: 'manager_access.revoked',
          targetType: 'manager_access',
          targetId: grant.id,
          details: { sessionId, managerId, permissions: permissionsOf(grant) },
          createdAt: now,
        }));
        if (row) {
          emit('access.revoked', caller.companyId, {
            sessionId,
            managerId,
            managerName: manager ? fullName(manager) : '',
            revokedBy: caller.userId,
            timestamp: now.toISOString(),
          });
        }
        return row;
      });
      if (!removed) throw new NotFoundError('Manager access');
    },

    async list(caller: AccessClaims, sessionId: string): Promise<GrantListItem[]> {
      await policy.session(caller, sessionId, 'admin');
      const rows = await repo.list(caller.companyId, sessionId);
      return rows.map((g) => ({
        id: g.id,
        manager: { id: g.manager.id, firstName: g.manager.firstName, lastName: g.manager.lastName, email: g.manager.email },
        permissions: permissionsOf(g),
        grantedAt: g.grantedAt.toISOString(),
      }));
    },
  };
}

export type ManagersService = ReturnType<typeof createManagersService>;
