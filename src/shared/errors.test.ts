import { describe, expect, it } from 'vitest';
import { AppError, defineErrors } from './errors.js';

const errors = defineErrors({
  thing_taken: { status: 409, message: 'The thing is taken' },
  too_fast: { status: 429, message: 'Slow down' },
});

describe('defineErrors', () => {
  it('makes AppErrors with the declared code, status and default message', () => {
    const err = errors.thing_taken();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ statusCode: 409, code: 'thing_taken', message: 'The thing is taken' });
    expect(errors.thing_taken('That name is taken').message).toBe('That name is taken');
  });

  it('exposes each code and status so callers can recognise the error', () => {
    expect(errors.thing_taken.code).toBe('thing_taken');
    expect(errors.too_fast.status).toBe(429);
  });

  it('gives a 429 its Retry-After', () => {
    expect(errors.too_fast({ retryAfterSec: 7 })).toMatchObject({ statusCode: 429, code: 'too_fast', message: 'Slow down', retryAfterSec: 7 });
    expect(errors.too_fast({ retryAfterSec: 1, message: 'Later' }).message).toBe('Later');
    // @ts-expect-error a 429 cannot be raised without its Retry-After
    expect(() => errors.too_fast()).toThrow(TypeError);
  });
});
