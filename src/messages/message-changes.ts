/**
 * Later changes to a stored message, as WhatsApp delivers them: a reaction (one per sender, a newer
 * one replaces, an empty one removes), an edit by its author, a deletion for everyone by its author
 * (the row stays as a tombstone; its text and file go, and the file leaves the disk once nothing
 * refers to it). Each is one transaction with its `message.updated` event.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { chats, mediaDownloads, messages, waSessions, type MessageReaction } from '../db/schema/index.js';
import type { EventOutbox } from '../events/outbox.js';
import type { MediaCollector } from '../media/media-gc.js';
import type { StoredMedia } from '../media/media-view.js';
import type { MessageUpdatedEvent } from '../realtime/socket-events.js';
import type { Clock } from '../shared/clock.js';
import { storable } from '../shared/storable-text.js';
import type { ConversationEvent } from '../whatsapp/engine-dispatcher.js';
import type { SessionRef } from '../whatsapp/registry.js';

export type MessageChangeEvent = Extract<ConversationEvent, { type: 'message-change' }>;

export const DELETED_PREVIEW = '🚫 This message was deleted';

export function createMessageChanges(deps: { outbox: EventOutbox; collector: Pick<MediaCollector, 'collect'>; clock: Clock; logger: Logger }) {
  return async (session: SessionRef, change: MessageChangeEvent): Promise<void> => {
    // The target's id and the sender come from a contact's message: as unstorable as any text it sends.
    const e = { ...change, messageId: storable(change.messageId), senderJid: storable(change.senderJid) };
    const dropped = await deps.outbox.transaction(async (tx, emit) => {
      const [row] = await tx
        .select()
        .from(messages)
        .where(and(eq(messages.sessionId, session.id), eq(messages.waMessageId, e.messageId)))
        .for('update');
      if (!row || row.deletedAt) {
        deps.logger.info({ sessionId: session.id, messageId: e.messageId, change: e.change.kind }, 'a change for a message not stored (or deleted) was ignored');
        return [];
      }
      const at = e.timestamp.toISOString();
      let changes: MessageUpdatedEvent['changes'];
      const byAuthor = e.fromMe ? row.fromMe : !row.fromMe && row.fromNumber === e.senderJid;
      /** When the message is its chat's last one, the chat list shows the change too. */
      const preview = async (text: string) => {
        const [chat] = await tx
          .update(chats)
          .set({ lastMessageText: text, updatedAt: new Date() })
          .where(and(eq(chats.id, row.chatId), eq(chats.lastMessageAt, row.timestamp)))
          .returning();
        if (chat) {
          emit('chat.updated', session.companyId, {
            sessionId: session.id,
            chatId: chat.id,
            lastMessageAt: chat.lastMessageAt?.toISOString() ?? null,
            lastMessageText: chat.lastMessageText,
            unreadCount: chat.unreadCount,
          });
        }
      };
      let dropped: string[] = [];
      switch (e.change.kind) {
        case 'reaction': {
          const others = (row.reactions ?? []).filter((r) => r.from !== e.senderJid);
          const emoji = storable(e.change.emoji);
          const reactions: MessageReaction[] = emoji ? [...others, { emoji, from: e.senderJid, fromMe: e.fromMe, timestamp: at }] : others;
          await tx.update(messages).set({ reactions, updatedAt: new Date() }).where(eq(messages.id, row.id));
          changes = { reactions };
          break;
        }
        case 'edit': {
          if (!byAuthor) return [];
          const body = storable(e.change.body);
          const media = row.media as StoredMedia | null;
          await tx
            .update(messages)
            .set({ body, editedAt: e.timestamp, ...(media && { media: { ...media, caption: body } }), updatedAt: new Date() })
            .where(eq(messages.id, row.id));
          await preview(body);
          changes = { body, isEdited: true, editedAt: at };
          break;
        }
        case 'revoke': {
          if (!byAuthor) return [];
          const media = row.media as StoredMedia | null;
          await tx
            .update(messages)
            .set({ body: null, media: null, location: null, contacts: null, reactions: null, deletedAt: e.timestamp, updatedAt: new Date() })
            .where(eq(messages.id, row.id));
          await tx.delete(mediaDownloads).where(eq(mediaDownloads.messageId, row.id));
          // The session's bytes count stored files only.
          if (media?.state === 'stored' && media.sizeBytes) {
            await tx.update(waSessions).set({ mediaBytes: sql`greatest(${waSessions.mediaBytes} - ${media.sizeBytes}, 0)` }).where(eq(waSessions.id, session.id));
          }
          dropped = [media?.sha256, media?.thumbnailSha256].filter((h): h is string => !!h);
          await preview(DELETED_PREVIEW);
          changes = { isDeleted: true, deletedAt: at, body: null, media: null };
          break;
        }
      }
      emit('message.updated', session.companyId, { sessionId: session.id, chatId: row.chatId, messageId: row.waMessageId, changes, timestamp: deps.clock.now().toISOString() });
      return dropped;
    });
    if (dropped.length) await deps.collector.collect(dropped).catch((err: unknown) => deps.logger.warn({ err }, 'files of a deleted message were not removed'));
  };
}

export type MessageChanges = ReturnType<typeof createMessageChanges>;
