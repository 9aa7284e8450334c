import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { chats, messages } from '../db/schema/index.js';
import type { MessageRow } from './ingest.repository.js';

export function createMessagesRepository(db: Db) {
  const page = db
    .select()
    .from(messages)
    .where(eq(messages.chatId, sql.placeholder('chatId')))
    .orderBy(sql`${messages.timestamp} desc nulls last`, sql`${messages.id} desc nulls last`)
    .limit(sql.placeholder('limit'))
    .offset(sql.placeholder('offset'))
    .prepare('messages_page');
  return {
    /** One page, newest first, read in the order of messages_chat_ts_idx. */
    async listByChat(chatId: string, pageNo: number, limit: number): Promise<MessageRow[]> {
      return page.execute({ chatId, limit, offset: (pageNo - 1) * limit });
    },

    /**
     * A message of a session or of one chat, named by our row id or (with `waIdToo`) its WhatsApp id,
     * as the routes accept both.
     */
    async findIn(scope: { sessionId: string } | { chatId: string }, messageId: string, waIdToo = true): Promise<MessageRow | undefined> {
      const inScope = 'chatId' in scope ? eq(messages.chatId, scope.chatId) : eq(messages.sessionId, scope.sessionId);
      const named = waIdToo ? or(eq(messages.id, messageId), eq(messages.waMessageId, messageId)) : eq(messages.id, messageId);
      const [row] = await db.select().from(messages).where(and(inScope, named)).limit(1);
      return row;
    },

    async findByWaId(sessionId: string, waMessageId: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)))
        .limit(1);
      return row;
    },

    /**
     * Marks the chat's unread incoming messages read and takes exactly those off its counter: a
     * message that arrives meanwhile (committed after this statement began) stays unread and
     * counted, so the counter can never fall below what is stored.
     */
    async markChatRead(tx: Tx, chatId: string) {
      const read = await tx
        .update(messages)
        .set({ isRead: true, updatedAt: new Date() })
        .where(and(eq(messages.chatId, chatId), eq(messages.isRead, false), eq(messages.fromMe, false)))
        .returning({ waMessageId: messages.waMessageId, fromNumber: messages.fromNumber });
      const [chat] = await tx
        .update(chats)
        .set({ unreadCount: sql`greatest(${chats.unreadCount} - ${read.length}, 0)`, updatedAt: new Date() })
        .where(eq(chats.id, chatId))
        .returning();
      return { read, chat };
    },
    /**
     * Our sends that were still waiting for WhatsApp when the process stopped (created before
     * `before`): failed now, with the reason, so nothing stays pending forever.
     */
    async failInterruptedSends(tx: Tx, before: Date, errorMessage: string): Promise<MessageRow[]> {
      return tx
        .update(messages)
        .set({ status: 'failed', errorMessage, updatedAt: new Date() })
        .where(and(eq(messages.status, 'pending'), eq(messages.fromMe, true), lt(messages.createdAt, before)))
        .returning();
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
