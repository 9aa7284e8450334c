/**
 * Aggregates for the stats endpoint and the live stats event. Everything is answered from
 * indexes and per-chat counters: no query reads the messages of a company beyond today's range.
 * `onlyIds` restricts a manager to its sessions; an empty list means nothing is visible.
 */
import { and, count, countDistinct, eq, gte, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chats, managerAccess, messages, users, waSessions } from '../db/schema/index.js';

export interface SessionCounts {
  total: number;
  active: number;
  connected: number;
}

export interface ChatCounts {
  individual: number;
  groups: number;
  /** Conversations (individual and group) with unread messages. */
  unread: number;
  /** Every stored message, status posts included. */
  messages: number;
  sent: number;
  /** Bytes of the stored files of the messages. */
  mediaBytes: number;
}

export interface ManagerCounts {
  total: number;
  withAccess: number;
}

const num = (v: unknown): number => Number(v ?? 0);

export function createStatsRepository(db: Db) {
  const sessionScope = (column: typeof chats.sessionId | typeof messages.sessionId | typeof managerAccess.sessionId, onlyIds?: string[]): SQL | undefined =>
    onlyIds ? inArray(column, onlyIds) : undefined;

  return {
    async sessions(companyId: string, onlyIds?: string[]): Promise<SessionCounts> {
      if (onlyIds?.length === 0) return { total: 0, active: 0, connected: 0 };
      const [row] = await db
        .select({
          total: count(),
          active: sql<number>`count(*) filter (where ${waSessions.isActive})`.mapWith(Number),
          connected: sql<number>`count(*) filter (where ${waSessions.status} = 'connected')`.mapWith(Number),
        })
        .from(waSessions)
        .where(and(eq(waSessions.companyId, companyId), onlyIds ? inArray(waSessions.id, onlyIds) : undefined));
      return { total: num(row?.total), active: num(row?.active), connected: num(row?.connected) };
    },

    /**
     * Chat and message counts from the sessions' counters (maintained by the ingest); unread
     * conversations from the partial index of chats with unread messages, the only rows read.
     */
    async chats(companyId: string, onlyIds?: string[]): Promise<ChatCounts> {
      if (onlyIds?.length === 0) return { individual: 0, groups: 0, unread: 0, messages: 0, sent: 0, mediaBytes: 0 };
      const [[totals], [unread]] = await Promise.all([
        db
          .select({
            individual: sql<number>`coalesce(sum(${waSessions.individualChats}), 0)`.mapWith(Number),
            groups: sql<number>`coalesce(sum(${waSessions.groupChats}), 0)`.mapWith(Number),
            messages: sql<number>`coalesce(sum(${waSessions.messageCount}), 0)`.mapWith(Number),
            sent: sql<number>`coalesce(sum(${waSessions.sentCount}), 0)`.mapWith(Number),
            mediaBytes: sql<number>`coalesce(sum(${waSessions.mediaBytes}), 0)`.mapWith(Number),
          })
          .from(waSessions)
          .where(and(eq(waSessions.companyId, companyId), onlyIds ? inArray(waSessions.id, onlyIds) : undefined)),
        db
          .select({ n: count() })
          .from(chats)
          .where(and(eq(chats.companyId, companyId), sql`${chats.unreadCount} > 0`, ne(chats.chatType, 'status'), sessionScope(chats.sessionId, onlyIds))),
      ]);
      return {
        individual: num(totals?.individual),
        groups: num(totals?.groups),
        unread: num(unread?.n),
        messages: num(totals?.messages),
        sent: num(totals?.sent),
        mediaBytes: num(totals?.mediaBytes),
      };
    },

    /** Messages since `since`: a range scan of messages_company_ts_idx. */
    async messagesSince(companyId: string, since: Date, onlyIds?: string[]): Promise<number> {
      if (onlyIds?.length === 0) return 0;
      const [row] = await db
        .select({ n: count() })
        .from(messages)
        .where(and(eq(messages.companyId, companyId), gte(messages.timestamp, since), sessionScope(messages.sessionId, onlyIds)));
      return num(row?.n);
    },

    /**
     * Whole company: every manager, and those holding a read grant. Scoped to sessions: the
     * managers granted one of them (only readers are ever granted, so both numbers agree).
     * Grants of a user later promoted to admin stay in the table but no longer count.
     */
    async managers(companyId: string, onlyIds?: string[]): Promise<ManagerCounts> {
      if (onlyIds?.length === 0) return { total: 0, withAccess: 0 };
      const grants = and(eq(managerAccess.companyId, companyId), sessionScope(managerAccess.sessionId, onlyIds));
      const [row] = await db
        .select({
          total: countDistinct(managerAccess.managerId),
          withAccess: sql<number>`count(distinct ${managerAccess.managerId}) filter (where ${managerAccess.canRead})`.mapWith(Number),
        })
        .from(managerAccess)
        .innerJoin(users, and(eq(users.id, managerAccess.managerId), eq(users.role, 'manager')))
        .where(grants);
      if (onlyIds) return { total: num(row?.total), withAccess: num(row?.withAccess) };
      const [totalRow] = await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.role, 'manager')));
      return { total: num(totalRow?.n), withAccess: num(row?.withAccess) };
    },
  };
}

export type StatsRepository = ReturnType<typeof createStatsRepository>;
