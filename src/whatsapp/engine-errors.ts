/**
 * The one place engine failures become HTTP errors, so a send, a typing state, a pairing code and
 * the simulator answer the same failure with the same status and code.
 */
import { AppError, ValidationError } from '../shared/errors.js';
import { EngineSendError } from './engine.js';
import { InvalidJidError } from './jid.js';
import { whatsappErrors } from './whatsapp.errors.js';

export type EngineAction = 'send' | 'presence' | 'pairing' | 'simulator';
export type EngineErrorKind = EngineSendError['kind'];

/** WhatsApp does not say how long its rate limit lasts. */
const WHATSAPP_RETRY_AFTER_SEC = 60;

/** An `unknown` failure means something else for each action (the simulator refuses a step out of order). */
const UNKNOWN = {
  send: whatsappErrors.whatsapp_error,
  presence: whatsappErrors.whatsapp_error,
  pairing: whatsappErrors.pairing_failed,
  simulator: whatsappErrors.simulator_refused,
} satisfies Record<EngineAction, (message?: string) => AppError>;

export const engineErrorKind = (err: unknown): EngineErrorKind => (err instanceof EngineSendError ? err.kind : 'unknown');

export function toHttpError(err: unknown, action: EngineAction): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof InvalidJidError) return ValidationError.field('whatsappId', err.message);
  const message = err instanceof Error && err.message ? err.message : undefined;
  switch (engineErrorKind(err)) {
    case 'not_connected':
      return whatsappErrors.session_not_connected(message);
    case 'rate_limit':
      return whatsappErrors.whatsapp_rate_limit({ retryAfterSec: WHATSAPP_RETRY_AFTER_SEC, message });
    case 'not_on_whatsapp':
      return whatsappErrors.not_on_whatsapp(message);
    case 'network':
      return whatsappErrors.whatsapp_error(message);
    case 'unknown':
      return UNKNOWN[action](message);
  }
}
