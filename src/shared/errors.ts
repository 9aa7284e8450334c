/** The one error hierarchy. The HTTP error handler renders these into the API envelope. */
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
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(401, code, message);
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

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSec: number,
    code = 'rate_limited',
  ) {
    super(429, code, message);
  }
}

/** WhatsApp itself failed (502) or the session cannot serve the request now (503). */
export class UpstreamError extends AppError {
  constructor(message: string, code = 'whatsapp_error', statusCode: 502 | 503 = 502) {
    super(statusCode, code, message);
  }
}
