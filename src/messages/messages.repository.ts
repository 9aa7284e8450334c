import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chats, messages } from '../db/schema/index.js';
import type { MessageRow } from './ingest.repository.js';

export function createMessagesRepository(db: Db) {
  return {
    /** One page, newest first, read in the order of messages_chat_ts_idx. */
    async listByChat(chatId: string, page: number, limit: number): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(eq(messages.chatId, chatId))
        .orderBy(sql`${messages.timestamp} desc nulls last`, sql`${messages.id} desc nulls last`)
        .limit(limit)
        .offset((page - 1) * limit);
    },

    async findByWaId(sessionId: string, waMessageId: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)))
        .limit(1);
      return row;
    },

    /** Marks the chat's unread incoming messages read and zeroes its counter, in one transaction. */
    async markChatRead(chatId: string) {
      return db.transaction(async (tx) => {
        const read = await tx
          .update(messages)
          .set({ isRead: true, updatedAt: new Date() })
          .where(and(eq(messages.chatId, chatId), eq(messages.isRead, false), eq(messages.fromMe, false)))
          .returning({ waMessageId: messages.waMessageId, fromNumber: messages.fromNumber });
        const [chat] = await tx.update(chats).set({ unreadCount: 0, updatedAt: new Date() }).where(eq(chats.id, chatId)).returning();
        return { read, chat };
      });
    },

    async setError(sessionId: string, waMessageId: string, errorMessage: string): Promise<void> {
      await db
        .update(messages)
        .set({ errorMessage, updatedAt: new Date() })
        .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)));
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
