import { defineErrors } from '../shared/errors.js';

export const messageErrors = defineErrors({
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was used for another request' },
  idempotency_in_progress: { status: 409, message: 'A request with this Idempotency-Key is still in progress' },
  message_deleted: { status: 409, message: 'This message was deleted for everyone' },
  not_our_message: { status: 409, message: 'Only our own messages can be edited or deleted for everyone' },
  not_editable: { status: 409, message: 'Only text messages can be edited' },
  edit_window_passed: { status: 409, message: 'WhatsApp allows edits within 15 minutes of sending' },
});
