import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { EngineSendError } from './engine.js';
import { toHttpError, type EngineAction } from './engine-errors.js';
import { InvalidJidError } from './jid.js';

const ACTIONS: EngineAction[] = ['send', 'presence', 'pairing', 'simulator'];

describe('toHttpError', () => {
  it.each(ACTIONS)('a session that is not connected is 503 session_not_connected (%s)', (action) => {
    const err = toHttpError(new EngineSendError('not_connected', 'WhatsApp is not connected'), action);
    expect(err).toMatchObject({ statusCode: 503, code: 'session_not_connected', message: 'WhatsApp is not connected' });
  });

  it.each(ACTIONS)('the same failures answer the same way whatever the action (%s)', (action) => {
    expect(toHttpError(new EngineSendError('rate_limit', 'slow down'), action)).toMatchObject({ statusCode: 429, code: 'whatsapp_rate_limit', retryAfterSec: 60 });
    expect(toHttpError(new EngineSendError('not_on_whatsapp', 'nobody'), action)).toMatchObject({ statusCode: 502, code: 'not_on_whatsapp' });
    expect(toHttpError(new EngineSendError('network', 'socket hang up'), action)).toMatchObject({ statusCode: 502, code: 'whatsapp_error' });
    expect(toHttpError(new InvalidJidError('"x" is not a phone number'), action)).toMatchObject({ statusCode: 400, code: 'validation_error' });
  });

  it('an unknown failure means what it means for the action', () => {
    const unknown = () => new EngineSendError('unknown', 'refused');
    expect(toHttpError(unknown(), 'send')).toMatchObject({ statusCode: 502, code: 'whatsapp_error', message: 'refused' });
    expect(toHttpError(unknown(), 'presence')).toMatchObject({ statusCode: 502, code: 'whatsapp_error' });
    expect(toHttpError(unknown(), 'pairing')).toMatchObject({ statusCode: 502, code: 'pairing_failed' });
    expect(toHttpError(unknown(), 'simulator')).toMatchObject({ statusCode: 409, code: 'simulator_refused' });
  });

  it('treats anything thrown by an engine that is not an EngineSendError as unknown, keeping its message', () => {
    expect(toHttpError(new Error('stream errored'), 'send')).toMatchObject({ statusCode: 502, code: 'whatsapp_error', message: 'stream errored' });
    expect(toHttpError('not even an Error', 'pairing')).toMatchObject({ statusCode: 502, code: 'pairing_failed', message: 'Could not get a pairing code' });
  });

  it('passes our own errors through unchanged', () => {
    const own = new AppError(404, 'not_found', 'Chat not found');
    expect(toHttpError(own, 'send')).toBe(own);
  });
});
