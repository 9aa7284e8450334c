import { and, count, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { chats } from '../db/schema/index.js';
import type { ChatKind } from '../whatsapp/engine.js';

export type ChatRow = typeof chats.$inferSelect;

export interface ChatFilter {
  types: ChatKind[];
}

export function createChatsRepository(db: Db) {
  return {
    async list(companyId: string, sessionId: string, filter: ChatFilter, page: number, limit: number) {
      const where = and(eq(chats.companyId, companyId), eq(chats.sessionId, sessionId), inArray(chats.chatType, filter.types));
      const [rows, [totalRow]] = await Promise.all([
        db
          .select()
          .from(chats)
          .where(where)
          .orderBy(sql`${chats.lastMessageAt} desc nulls last`, desc(chats.id))
          .limit(limit)
          .offset((page - 1) * limit),
        db.select({ n: count() }).from(chats).where(where),
      ]);
      return { rows, total: totalRow?.n ?? 0 };
    },

    /** By our row id or by WhatsApp id (canonical or its @lid alternative). */
    async find(companyId: string, sessionId: string, idOrJid: { id?: string; jid?: string }, tx: DbOrTx = db): Promise<ChatRow | undefined> {
      const match: SQL[] = [];
      if (idOrJid.id) match.push(eq(chats.id, idOrJid.id));
      if (idOrJid.jid) match.push(eq(chats.waChatId, idOrJid.jid), eq(chats.altWaChatId, idOrJid.jid));
      if (match.length === 0) return undefined;
      const [row] = await tx
        .select()
        .from(chats)
        .where(and(eq(chats.companyId, companyId), eq(chats.sessionId, sessionId), or(...match)))
        .limit(1);
      return row;
    },

    /** Names a chat (group subject, contact name) if it exists; a chat is not created for a name alone. */
    async rename(companyId: string, sessionId: string, waChatId: string, name: string): Promise<void> {
      await db
        .update(chats)
        .set({ chatName: name, updatedAt: new Date() })
        .where(and(eq(chats.companyId, companyId), eq(chats.sessionId, sessionId), eq(chats.waChatId, waChatId)));
    },

    async markAllRead(chatId: string, tx: DbOrTx = db): Promise<ChatRow | undefined> {
      const [row] = await tx.update(chats).set({ unreadCount: 0, updatedAt: new Date() }).where(eq(chats.id, chatId)).returning();
      return row;
    },
  };
}

export type ChatsRepository = ReturnType<typeof createChatsRepository>;
