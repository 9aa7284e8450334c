import { defineErrors } from '../shared/errors.js';

export const authErrors = defineErrors({
  // One message for an unknown email and a wrong password: the answer must not reveal which.
  invalid_credentials: { status: 401, message: 'Invalid email or password' },
  invalid_refresh_token: { status: 401, message: 'Invalid or expired refresh token' },
  invalid_token: { status: 401, message: 'Invalid access token' },
  token_expired: { status: 401, message: 'Access token expired' },
});
