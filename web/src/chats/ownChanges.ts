/**
 * What we may do to a message after it was sent (react; edit and delete our own), by WhatsApp's
 * rules as the server applies them, and why the server refused, in words.
 */
import { ApiError, errorText } from '../api/client';
import type { UiMessage } from './useMessages';

/** The quick reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** WhatsApp lets a sender edit a text message for 15 minutes after sending it. */
export const EDIT_WINDOW_MS = 15 * 60_000;

/** Our own reaction to the message, if we gave one. */
export const ourReaction = (m: UiMessage): string | undefined => m.reactions.find((r) => r.fromMe && r.emoji)?.emoji;

/** Sent, not deleted, not failed: something WhatsApp knows and that can still be acted on. */
export const canAct = (m: UiMessage): boolean => !!m.messageId && !m.isDeleted && m.status !== 'failed' && m.status !== 'pending';

/** Our own text message within WhatsApp's edit window (at `now`). */
export const canEdit = (m: UiMessage, now: number): boolean =>
  canAct(m) && m.fromMe && m.messageType === 'text' && !!m.body && now - Date.parse(m.timestamp) < EDIT_WINDOW_MS;

export type OwnChange = { kind: 'reaction'; emoji: string } | { kind: 'edit'; text: string } | { kind: 'revoke' };

const VERB: Record<OwnChange['kind'], string> = { reaction: 'The reaction was not sent', edit: 'The edit was not saved', revoke: 'The message was not deleted' };

/** Why a reaction, an edit or a deletion did not go through, in words a user can act on. */
export function changeErrorText(err: unknown, kind: OwnChange['kind']): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'edit_window_passed':
        return 'It is too late to edit this message: WhatsApp allows edits only within 15 minutes of sending.';
      case 'not_editable':
        return 'Only text messages can be edited.';
      case 'not_our_message':
        return 'Only messages sent from this number can be edited or deleted for everyone.';
      case 'message_deleted':
        return 'This message was deleted for everyone: it can no longer be changed.';
    }
    if (err.status === 403) return 'You have read-only access to this number.';
    if (err.status === 404) return `${VERB[kind]}: this message is no longer available.`;
    if (err.status === 0) return `No connection — ${VERB[kind].toLowerCase()}.`;
    if (err.status === 503) return `${VERB[kind]}: the number is not connected to WhatsApp right now.`;
  }
  return `${VERB[kind]}: ${errorText(err)}`;
}
