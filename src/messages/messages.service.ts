/** Reading a conversation: history, mark-as-read with receipts to WhatsApp, our typing presence. */
import type { Logger } from 'pino';
import type { AccessClaims } from '../auth/tokens.js';
import type { ChatsService } from '../chats/chats.service.js';
import type { EventOutbox } from '../events/outbox.js';
import { NotFoundError } from '../shared/errors.js';
import { toHttpError } from '../whatsapp/engine-errors.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { whatsappErrors } from '../whatsapp/whatsapp.errors.js';
import { toMessageView } from './message-view.js';
import type { MessagesRepository } from './messages.repository.js';
import type { MediaLinks } from '../media/media-link.js';

export function createMessagesService(deps: {
  chats: ChatsService;
  repo: MessagesRepository;
  registry: SessionRegistry;
  outbox: EventOutbox;
  links: MediaLinks;
  logger: Logger;
}) {
  const { chats, repo, registry, outbox, logger } = deps;

  return {
    async list(caller: AccessClaims, sessionId: string, chatId: string, page: number, limit: number) {
      const { chat } = await chats.resolve(caller, sessionId, chatId, 'read');
      if (!chat) throw new NotFoundError('Chat');
      // The chat's counter is maintained on write: no count(*) over its messages.
      const rows = await repo.listByChat(chat.id, page, limit);
      return { items: rows.map((row) => toMessageView(row, deps.links)), total: chat.messageCount };
    },

    /** Marks incoming messages read here and on WhatsApp (read receipts), and zeroes the counter. */
    async markRead(caller: AccessClaims, sessionId: string, chatId: string): Promise<number> {
      const { session, chat } = await chats.resolve(caller, sessionId, chatId, 'write');
      if (!chat) throw new NotFoundError('Chat');
      const { read } = await outbox.transaction(async (tx, emit) => {
        const result = await repo.markChatRead(tx, chat.id);
        const updated = result.chat;
        if (updated) {
          emit('chat.updated', session.companyId, {
            sessionId: session.id,
            chatId: updated.id,
            lastMessageAt: updated.lastMessageAt ? updated.lastMessageAt.toISOString() : null,
            lastMessageText: updated.lastMessageText,
            unreadCount: updated.unreadCount,
          });
        }
        return result;
      });
      const engine = registry.get(session.id);
      if (read.length > 0 && engine) {
        const isGroup = chat.chatType !== 'individual';
        await engine
          .markRead(
            chat.waChatId,
            read.map((m) => ({ messageId: m.waMessageId, ...(isGroup && { participantJid: m.fromNumber }) })),
          )
          .catch((err: unknown) => logger.warn({ err, sessionId: session.id, companyId: session.companyId }, 'read receipts were not sent'));
      }
      return read.length;
    },

    /** Tells the contact we are typing (or stopped). */
    async typing(caller: AccessClaims, sessionId: string, chatId: string, isTyping: boolean): Promise<void> {
      const { session, jid } = await chats.resolve(caller, sessionId, chatId, 'write');
      const engine = registry.get(session.id);
      if (!engine) throw whatsappErrors.session_not_connected();
      try {
        await engine.sendPresence(jid, isTyping ? 'composing' : 'paused');
      } catch (err) {
        throw toHttpError(err, 'presence');
      }
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
