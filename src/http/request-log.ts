/**
 * One log line per request, written when the response is done: method, path, status, duration
 * and the request id (bound on the request's logger). Fastify's default is two entries per
 * request (incoming, completed) with whole req/res objects, which a terminal prints on many lines.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { REQUEST_LOG_KEY } from '../shared/logger.js';

class OneLineRequestLog extends LogController {
  override incomingRequest(): void {
    // Logged once, on completion, with the status and duration.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // The query string can carry tokens or personal data: only the path is logged.
    const path = request.url.split('?', 1)[0] ?? request.url;
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const fields = { [REQUEST_LOG_KEY]: { method: request.method, path, status: reply.statusCode, ms } };
    const line = `${request.method} ${path} ${reply.statusCode} ${ms}ms`;
    // An error here is the response stream failing (client gone, socket error), not a handler error.
    if (error) reply.log.warn({ ...fields, err: error }, `${line} (response failed)`);
    else reply.log.info(fields, line);
  }
}

/** Fastify's `logController` option: other internal lines (errors, 404s) keep their defaults. */
export function createRequestLogController(): LogController {
  return new OneLineRequestLog();
}
