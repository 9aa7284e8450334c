import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { managerAccess } from '../db/schema/index.js';

export type AccessRow = typeof managerAccess.$inferSelect;

export function createAccessRepository(db: DbOrTx) {
  return {
    async find(companyId: string, sessionId: string, managerId: string): Promise<AccessRow | undefined> {
      const [row] = await db
        .select()
        .from(managerAccess)
        .where(and(eq(managerAccess.companyId, companyId), eq(managerAccess.sessionId, sessionId), eq(managerAccess.managerId, managerId)))
        .limit(1);
      return row;
    },
    /** A manager's grants, by session id. */
    async grantsOf(companyId: string, managerId: string): Promise<Map<string, { canRead: boolean; canWrite: boolean }>> {
      const rows = await db
        .select({ sessionId: managerAccess.sessionId, canRead: managerAccess.canRead, canWrite: managerAccess.canWrite })
        .from(managerAccess)
        .where(and(eq(managerAccess.companyId, companyId), eq(managerAccess.managerId, managerId)));
      return new Map(rows.map((r) => [r.sessionId, { canRead: r.canRead, canWrite: r.canWrite }]));
    },
    async readableSessionIds(companyId: string, managerId: string): Promise<string[]> {
      const rows = await db
        .select({ sessionId: managerAccess.sessionId })
        .from(managerAccess)
        .where(and(eq(managerAccess.companyId, companyId), eq(managerAccess.managerId, managerId), eq(managerAccess.canRead, true)));
      return rows.map((r) => r.sessionId);
    },
  };
}

export type AccessRepository = ReturnType<typeof createAccessRepository>;
