/** The one place errors become HTTP responses, in the API envelope. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { describeValidation } from './validation.js';

interface ErrorBody {
  success: false;
  error: string;
  code: string;
  details?: { field: string; message: string }[];
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
    if (err instanceof AppError) {
      if (err.retryAfterSec !== undefined) void reply.header('retry-after', String(err.retryAfterSec));
      const body: ErrorBody = { success: false, error: err.message, code: err.code };
      if (err.details) body.details = err.details;
      if (err.statusCode >= 500) request.log.error({ err }, err.message);
      return reply.status(err.statusCode).send(body);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const location = PART_NAMES[fe.validationContext ?? 'body'] ?? 'body';
      const details = describeValidation(fe.validation, location);
      const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
      return reply
        .status(400)
        .send({ success: false, error: `Invalid ${location}: ${summary}`, code: 'validation_error', details });
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'payload_too_large'
          : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'unsupported_media_type'
            : status === 429
              ? 'rate_limited'
              : 'bad_request';
      const message = err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? `Malformed JSON body: ${err.message}` : err.message;
      return reply.status(status).send({ success: false, error: message, code });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ success: false, error: 'Internal server error', code: 'internal_error' });
  });

}

const NOT_WEB = /^\/(api|docs|socket\.io|health|ready)(\/|$)/;

/**
 * JSON 404s for unknown routes; with the dashboard built, other GETs without a file extension
 * get its index.html so client-side routes survive a reload.
 */
export function registerNotFound(app: FastifyInstance, spaFallback: boolean): void {
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (spaFallback && request.method === 'GET' && !NOT_WEB.test(url) && !/\.[a-z0-9]+$/i.test(url)) {
      return reply.sendFile('index.html');
    }
    return reply.status(404).send({ success: false, error: `Route ${request.method} ${url} not found`, code: 'not_found' });
  });
}

/**
 * Errors the router raises before any route or error handler runs (a malformed percent-encoding in
 * the URL, a path parameter over `maxParamLength`). Passed to Fastify as `frameworkErrors` so these
 * answers use the envelope and echo the request id too.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .status(tooLong ? 414 : 400)
    .header('x-request-id', request.id)
    .send({ success: false, error: tooLong ? 'URL path parameter is too long' : 'Malformed URL', code: tooLong ? 'uri_too_long' : 'bad_request' });
}
