import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { chats } from '../db/schema/index.js';
import type { ChatKind } from '../whatsapp/engine.js';

export type ChatRow = typeof chats.$inferSelect;

export interface ChatFilter {
  types: ChatKind[];
}

export function createChatsRepository(db: Db) {
  // Prepared once per set of chat kinds (a constant list, so the planner reads the matching
  // activity index in order): a page is asked for constantly, and building its SQL cost more than running it.
  const pages = new Map<string, ReturnType<typeof preparePage>>();
  const preparePage = (types: ChatKind[]) =>
    db
      .select()
      .from(chats)
      .where(and(eq(chats.companyId, sql.placeholder('companyId')), eq(chats.sessionId, sql.placeholder('sessionId')), inArray(chats.chatType, types)))
      .orderBy(sql`${chats.lastMessageAt} desc nulls last`, sql`${chats.id} desc nulls last`)
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(`chats_page_${types.join('_')}`);
  const pageOf = (types: ChatKind[]) => {
    const key = [...types].sort().join('_');
    let page = pages.get(key);
    if (!page) pages.set(key, (page = preparePage(key.split('_') as ChatKind[])));
    return page;
  };
  return {
    /** One page, newest activity first, read in the order of chats_session(_type)_activity_idx. */
    async list(companyId: string, sessionId: string, filter: ChatFilter, pageNo: number, limit: number): Promise<ChatRow[]> {
      return pageOf(filter.types).execute({ companyId, sessionId, limit, offset: (pageNo - 1) * limit });
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
