import { defineErrors } from '../shared/errors.js';

/** The session's engine cannot serve a request, or WhatsApp itself failed (docs/api.md: 502/503). */
export const whatsappErrors = defineErrors({
  session_not_running: { status: 503, message: 'The session is not running; start it first' },
  session_not_connected: { status: 503, message: 'The session is not connected to WhatsApp' },
  whatsapp_rate_limit: { status: 429, message: 'WhatsApp is limiting messages from this number; try again later' },
  not_on_whatsapp: { status: 502, message: 'The recipient is not on WhatsApp' },
  whatsapp_error: { status: 502, message: 'WhatsApp could not be reached or refused the request' },
  pairing_failed: { status: 502, message: 'Could not get a pairing code' },
  simulator_refused: { status: 409, message: "The simulator cannot do that in the session's current state" },
});
