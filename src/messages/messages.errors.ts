import { defineErrors } from '../shared/errors.js';

export const messageErrors = defineErrors({
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was used for another request' },
  idempotency_in_progress: { status: 409, message: 'A request with this Idempotency-Key is still in progress' },
});
