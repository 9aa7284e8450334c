import { defineErrors } from '../shared/errors.js';

export const sessionErrors = defineErrors({
  session_exists: { status: 409, message: 'A session with this display name already exists' },
  already_connected: { status: 409, message: 'The session is already connected' },
  qr_not_ready: { status: 503, message: 'No QR code was produced in time; try again' },
});
