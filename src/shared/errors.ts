/**
 * The one error hierarchy. The HTTP error handler renders these into the API envelope. Each
 * feature declares its codes once (`<feature>.errors.ts`, through `defineErrors`), so no code is a
 * string typed at a throw site; the generic classes below keep their fixed codes.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
    /** Sent as `Retry-After` (429, and 503 overloaded). */
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: FieldProblem[]) {
    super(400, 'validation_error', message, details);
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError(`${field}: ${message}`, [{ field, message }]);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super(404, 'not_found', `${what} not found`);
  }
}

export interface ErrorSpec {
  readonly status: number;
  /** The default message; a throw site may give a more precise one. */
  readonly message: string;
  /** Raised only with a `Retry-After` (always so for 429). */
  readonly retryAfter?: true;
}

/** A 429 (or a code declared with `retryAfter`) cannot be raised without saying when to come back. */
type Raise<S extends ErrorSpec> = S extends { status: 429 } | { retryAfter: true }
  ? (opts: { retryAfterSec: number; message?: string }) => AppError
  : (message?: string) => AppError;

export type ErrorFactory<Code extends string, S extends ErrorSpec> = Raise<S> & { readonly code: Code; readonly status: S['status'] };

export type ErrorFactories<T extends Record<string, ErrorSpec>> = { readonly [C in keyof T & string]: ErrorFactory<C, T[C]> };

/**
 * Declares a feature's error codes, each with its HTTP status and default message, and returns
 * one factory per code (`sessionErrors.already_connected()`), which also carries its `code` so
 * callers can recognise the error.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): ErrorFactories<T> {
  const entries = Object.entries(specs).map(([code, { status, message, retryAfter }]) => {
    const raise =
      status === 429 || retryAfter
        ? (opts: { retryAfterSec: number; message?: string }) => new AppError(status, code, opts.message ?? message, undefined, opts.retryAfterSec)
        : (text?: string) => new AppError(status, code, text ?? message);
    return [code, Object.assign(raise, { code, status })];
  });
  // Object.fromEntries loses the per-key types the mapped type above restores.
  return Object.fromEntries(entries) as ErrorFactories<T>;
}

/** Codes any feature may raise. */
export const commonErrors = defineErrors({
  rate_limited: { status: 429, message: 'Too many requests; try again later' },
  internal_error: { status: 500, message: 'Internal server error' },
  overloaded: { status: 503, message: 'The server is overloaded; retry later', retryAfter: true },
});
