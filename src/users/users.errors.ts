import { defineErrors } from '../shared/errors.js';

export const userErrors = defineErrors({
  email_taken: { status: 409, message: 'A user with this email already exists' },
  last_admin: { status: 409, message: 'A company must keep at least one admin' },
});
