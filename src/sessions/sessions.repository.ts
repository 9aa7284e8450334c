import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { users, waSessions } from '../db/schema/index.js';

export type SessionRow = typeof waSessions.$inferSelect;
export type SessionPatch = Partial<Omit<typeof waSessions.$inferInsert, 'id' | 'companyId' | 'createdAt'>>;

export interface SessionListRow extends SessionRow {
  admin: { firstName: string; lastName: string; email: string } | null;
}

export function createSessionsRepository(db: Db) {
  // Asked on nearly every request about a session: prepared once.
  const byCompanyAndId = db
    .select()
    .from(waSessions)
    .where(and(eq(waSessions.companyId, sql.placeholder('companyId')), eq(waSessions.id, sql.placeholder('id'))))
    .limit(1)
    .prepare('session_by_id');
  return {
    async insert(row: typeof waSessions.$inferInsert, tx: DbOrTx = db): Promise<SessionRow> {
      const [created] = await tx.insert(waSessions).values(row).returning();
      return created!;
    },
    async find(companyId: string, id: string): Promise<SessionRow | undefined> {
      const [row] = await byCompanyAndId.execute({ companyId, id });
      return row;
    },
    /** Unscoped lookup for the engine side, which only knows session ids it created itself. */
    async findById(id: string): Promise<SessionRow | undefined> {
      const [row] = await db.select().from(waSessions).where(eq(waSessions.id, id)).limit(1);
      return row;
    },
    async update(id: string, patch: SessionPatch, tx: DbOrTx = db): Promise<SessionRow | undefined> {
      const [row] = await tx
        .update(waSessions)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(waSessions.id, id))
        .returning();
      return row;
    },
    async remove(companyId: string, id: string, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .delete(waSessions)
        .where(and(eq(waSessions.companyId, companyId), eq(waSessions.id, id)))
        .returning({ id: waSessions.id });
      return rows.length > 0;
    },
    /** The health counters' store (sessions/health.ts). */
    health: {
      async save(id: string, errors: { bad_mac: number[]; bad_decrypt: number[] } | null): Promise<void> {
        await db.update(waSessions).set({ decryptErrors: errors }).where(eq(waSessions.id, id));
      },
      async loadAll() {
        const rows = await db.select({ id: waSessions.id, errors: waSessions.decryptErrors }).from(waSessions).where(isNotNull(waSessions.decryptErrors));
        return rows.flatMap((r) => (r.errors ? [{ sessionId: r.id, errors: r.errors }] : []));
      },
    },
    /** Sessions to bring back after a restart. */
    async listActive(): Promise<SessionRow[]> {
      return db.select().from(waSessions).where(eq(waSessions.isActive, true)).orderBy(asc(waSessions.createdAt));
    },
    async listAll(companyId: string): Promise<SessionRow[]> {
      return db.select().from(waSessions).where(eq(waSessions.companyId, companyId)).orderBy(asc(waSessions.createdAt), asc(waSessions.id));
    },
    /**
     * One page of sessions with their admin. `onlyIds` restricts a manager to the sessions granted
     * to it. The chat and message counters live on the session row (maintained by the ingest).
     */
    async listPage(
      companyId: string,
      page: number,
      limit: number,
      onlyIds?: string[],
    ): Promise<{ rows: SessionListRow[]; total: number }> {
      if (onlyIds && onlyIds.length === 0) return { rows: [], total: 0 };
      const where = and(eq(waSessions.companyId, companyId), onlyIds ? inArray(waSessions.id, onlyIds) : undefined);
      const [rows, [totalRow]] = await Promise.all([
        db
          .select({ session: waSessions, adminFirstName: users.firstName, adminLastName: users.lastName, adminEmail: users.email })
          .from(waSessions)
          .leftJoin(users, eq(users.id, waSessions.adminId))
          .where(where)
          .orderBy(asc(waSessions.createdAt), asc(waSessions.id))
          .limit(limit)
          .offset((page - 1) * limit),
        db.select({ n: count() }).from(waSessions).where(where),
      ]);
      return {
        total: totalRow?.n ?? 0,
        rows: rows.map((r) => ({
          ...r.session,
          admin: r.adminEmail ? { firstName: r.adminFirstName ?? '', lastName: r.adminLastName ?? '', email: r.adminEmail } : null,
        })),
      };
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
