/**
 * Our reactions, edits and deletions for everyone (docs/api.md "Reactions, edits, deletions ...
 * (sending)"): checked against WhatsApp's rules (only our own messages are edited or deleted, text
 * only within 15 minutes), sent through the engine, then applied like a contact's change.
 */
import type { AccessClaims } from '../auth/tokens.js';
import type { ChatsService } from '../chats/chats.service.js';
import type { MediaLinks } from '../media/media-link.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import type { MessageChange } from '../whatsapp/engine.js';
import { toHttpError } from '../whatsapp/engine-errors.js';
import type { SessionRegistry } from '../whatsapp/registry.js';
import { whatsappErrors } from '../whatsapp/whatsapp.errors.js';
import type { MessageChanges } from './message-changes.js';
import { toMessageView } from './message-view.js';
import type { MessagesRepository } from './messages.repository.js';
import { messageErrors } from './messages.errors.js';

/** WhatsApp lets a sender edit a message for 15 minutes. */
export const EDIT_WINDOW_MS = 15 * 60_000;

export function createOwnChangesService(deps: { messages: Pick<MessagesRepository, 'findIn'>; chats: ChatsService; registry: SessionRegistry; changes: MessageChanges; links: MediaLinks; clock: Clock }) {
  const find = (chatId: string, messageId: string) => deps.messages.findIn({ chatId }, messageId);

  return {
    /** `messageId`: our row id or the WhatsApp id, within the chat. */
    async apply(caller: AccessClaims, sessionId: string, chatId: string, messageId: string, change: MessageChange) {
      const { session, chat, jid } = await deps.chats.resolve(caller, sessionId, chatId, 'write');
      const row = chat && (await find(chat.id, messageId));
      if (!row) throw new NotFoundError('Message');
      if (row.deletedAt) throw messageErrors.message_deleted();
      if (change.kind !== 'reaction' && !row.fromMe) throw messageErrors.not_our_message();
      if (change.kind === 'edit') {
        if (row.messageType !== 'text') throw messageErrors.not_editable();
        if (deps.clock.now().getTime() - row.timestamp.getTime() > EDIT_WINDOW_MS) throw messageErrors.edit_window_passed();
      }
      const engine = deps.registry.get(session.id);
      if (!engine) throw whatsappErrors.session_not_connected();
      const participantJid = chat.chatType !== 'individual' && !row.fromMe ? row.fromNumber : undefined;
      try {
        await engine.sendChange(jid, { messageId: row.waMessageId, fromMe: row.fromMe, ...(participantJid && { participantJid }) }, change);
      } catch (err) {
        throw toHttpError(err, 'send');
      }
      await deps.changes(session, {
        type: 'message-change',
        chatJid: jid,
        messageId: row.waMessageId,
        senderJid: session.phoneJid ?? session.phoneNumber ?? '',
        fromMe: true,
        timestamp: deps.clock.now(),
        change,
      });
      return toMessageView((await find(chat.id, row.id))!, deps.links);
    },
  };
}

export type OwnChangesService = ReturnType<typeof createOwnChangesService>;
