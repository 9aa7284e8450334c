import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chats, messages } from '../db/schema/index.js';
import type { MessageRow } from './ingest.repository.js';

export function createMessagesRepository(db: Db) {
  return {
    async listByChat(chatId: string, page: number, limit: number): Promise<{ rows: MessageRow[]; total: number }> {
      const [rows, [totalRow]] = await Promise.all([
        db
          .select()
          .from(messages)
          .where(eq(messages.chatId, chatId))
          .orderBy(desc(messages.timestamp), desc(messages.id))
          .limit(limit)
          .offset((page - 1) * limit),
        // The chat's counter is maintained on write: no count(*) over its messages.
        db.select({ n: chats.messageCount }).from(chats).where(eq(chats.id, chatId)),
      ]);
      return { rows, total: totalRow?.n ?? 0 };
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

    async countByChat(chatId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(messages).where(eq(messages.chatId, chatId));
      return row?.n ?? 0;
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
