import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { companies, refreshTokens, users } from '../db/schema/index.js';
import type { NewUserRow, UserRow } from '../users/users.repository.js';

export type CompanyRow = typeof companies.$inferSelect;

export function createAuthRepository(db: Db) {
  return {
    async createCompanyWithAdmin(company: { id: string; name: string }, admin: NewUserRow): Promise<{ company: CompanyRow; user: UserRow }> {
      return db.transaction(async (tx) => {
        const [c] = await tx.insert(companies).values(company).returning();
        const [u] = await tx.insert(users).values(admin).returning();
        return { company: c!, user: u! };
      });
    },
    async findCompany(id: string): Promise<CompanyRow | undefined> {
      const [row] = await db.select().from(companies).where(eq(companies.id, id)).limit(1);
      return row;
    },
    async insertRefreshToken(row: typeof refreshTokens.$inferInsert): Promise<void> {
      await db.insert(refreshTokens).values(row);
    },
    /**
     * Atomically revokes a live token and returns it; a second concurrent call gets nothing, so a
     * refresh token can be rotated exactly once.
     */
    async consumeRefreshToken(tokenHash: string, now: Date) {
      const [row] = await db
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
        .returning();
      return row;
    },
    async findRefreshToken(tokenHash: string) {
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
      return row;
    },
    async revokeAllForUser(userId: string, now: Date): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    },
    async findUserById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
