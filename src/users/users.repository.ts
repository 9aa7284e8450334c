import { and, asc, count, eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { companies, users } from '../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

function createUsersQueries(db: DbOrTx) {
  return {
    async insert(row: NewUserRow, tx: DbOrTx = db): Promise<UserRow> {
      const [created] = await tx.insert(users).values(row).returning();
      return created!;
    },
    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      return row;
    },
    async findById(companyId: string, id: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.id, id)))
        .limit(1);
      return row;
    },
    async exists(companyId: string, id: string): Promise<boolean> {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.id, id)))
        .limit(1);
      return row !== undefined;
    },
    async list(companyId: string, page: number, limit: number, role?: UserRow['role']): Promise<{ rows: UserRow[]; total: number }> {
      const where = role ? and(eq(users.companyId, companyId), eq(users.role, role)) : eq(users.companyId, companyId);
      const [rows, [totalRow]] = await Promise.all([
        db
          .select()
          .from(users)
          .where(where)
          .orderBy(asc(users.createdAt), asc(users.id))
          .limit(limit)
          .offset((page - 1) * limit),
        db.select({ n: count() }).from(users).where(where),
      ]);
      return { rows, total: totalRow?.n ?? 0 };
    },
    async countAdmins(companyId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.role, 'admin')));
      return row?.n ?? 0;
    },
    async update(companyId: string, id: string, patch: Partial<NewUserRow>): Promise<UserRow | undefined> {
      const [row] = await db
        .update(users)
        .set({ ...patch, updatedAt: new Date() })
        .where(and(eq(users.companyId, companyId), eq(users.id, id)))
        .returning();
      return row;
    },
    async remove(companyId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(users)
        .where(and(eq(users.companyId, companyId), eq(users.id, id)))
        .returning({ id: users.id });
      return rows.length > 0;
    },
  };
}

export type UsersQueries = ReturnType<typeof createUsersQueries>;

export function createUsersRepository(db: DbOrTx) {
  return {
    ...createUsersQueries(db),
    /**
     * Takes the company row lock for the rest of the caller's transaction and returns queries bound
     * to it, so checks such as "the company keeps at least one admin" cannot be raced by two
     * concurrent removals or demotions.
     */
    async lockCompany(tx: Tx, companyId: string): Promise<UsersQueries> {
      await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId)).for('no key update');
      return createUsersQueries(tx);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;

/** True when a database error is a unique-constraint violation (PostgreSQL and PGlite alike). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  let e: unknown = err;
  // Drizzle wraps driver errors; the driver error is in `cause`.
  for (let i = 0; i < 3 && e; i++) {
    const { code, constraint: c } = e as { code?: string; constraint?: string };
    if (code === '23505') return constraint === undefined || c === constraint;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
