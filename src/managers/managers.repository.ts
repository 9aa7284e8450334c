import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.js';
import { auditLog, managerAccess, users } from '../db/schema/index.js';
import { newId } from '../shared/ids.js';

export type GrantRow = typeof managerAccess.$inferSelect;

export interface ManagerUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  role: 'admin' | 'manager';
}

export interface GrantWithManager extends GrantRow {
  manager: ManagerUser;
}

export interface GrantInput {
  companyId: string;
  sessionId: string;
  managerId: string;
  canRead: boolean;
  canWrite: boolean;
  grantedBy: string;
  grantedAt: Date;
}

export interface AuditEntry {
  companyId: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  createdAt: Date;
}

const managerColumns = {
  id: users.id,
  firstName: users.firstName,
  lastName: users.lastName,
  email: users.email,
  role: users.role,
};

export function createManagersRepository(db: Db) {
  const audit = async (tx: DbOrTx, entry: AuditEntry): Promise<void> => {
    await tx.insert(auditLog).values({ id: newId(), ...entry });
  };

  return {
    async findUser(companyId: string, userId: string): Promise<ManagerUser | undefined> {
      const [row] = await db
        .select(managerColumns)
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.id, userId)))
        .limit(1);
      return row;
    },

    /**
     * Inserts or updates the (session, manager) grant and its audit row, in the caller's transaction.
     * `created` comes from the upsert itself (xmax is 0 only for a freshly inserted tuple), so two
     * concurrent grants cannot both claim to have created the row.
     */
    async upsert(tx: Tx, input: GrantInput, auditEntry: (created: boolean, grant: GrantRow) => AuditEntry): Promise<{ grant: GrantRow; created: boolean }> {
      const [row] = await tx
        .insert(managerAccess)
        .values({ id: newId(), ...input })
        .onConflictDoUpdate({
          target: [managerAccess.sessionId, managerAccess.managerId],
          set: { canRead: input.canRead, canWrite: input.canWrite, grantedBy: input.grantedBy, grantedAt: input.grantedAt },
          // The unique key has no company_id; never touch a row of another tenant through it.
          setWhere: eq(managerAccess.companyId, input.companyId),
        })
        .returning({ ...getTableColumns(managerAccess), inserted: sql<boolean>`(xmax = 0)` });
      if (!row) throw new Error('manager_access upsert returned no row');
      const { inserted, ...grant } = row;
      const created = inserted === true;
      await audit(tx, auditEntry(created, grant));
      return { grant, created };
    },

    /** Deletes the grant (with its audit row) in the caller's transaction; undefined when there was none. */
    async remove(
      tx: Tx,
      companyId: string,
      sessionId: string,
      managerId: string,
      auditEntry: (grant: GrantRow) => AuditEntry,
    ): Promise<GrantRow | undefined> {
      const [row] = await tx
        .delete(managerAccess)
        .where(and(eq(managerAccess.companyId, companyId), eq(managerAccess.sessionId, sessionId), eq(managerAccess.managerId, managerId)))
        .returning();
      if (row) await audit(tx, auditEntry(row));
      return row;
    },

    /** The grants of one session with their managers, in one query. */
    async list(companyId: string, sessionId: string): Promise<GrantWithManager[]> {
      const rows = await db
        .select({ grant: managerAccess, manager: managerColumns })
        .from(managerAccess)
        .innerJoin(users, eq(users.id, managerAccess.managerId))
        .where(and(eq(managerAccess.companyId, companyId), eq(managerAccess.sessionId, sessionId)))
        .orderBy(asc(managerAccess.grantedAt), asc(managerAccess.id));
      return rows.map((r) => ({ ...r.grant, manager: r.manager }));
    },
  };
}

export type ManagersRepository = ReturnType<typeof createManagersRepository>;

/** True for a foreign-key violation (PostgreSQL and PGlite alike; Drizzle keeps the driver error in `cause`). */
export function isForeignKeyViolation(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 3 && e; i++) {
    if ((e as { code?: string }).code === '23503') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
