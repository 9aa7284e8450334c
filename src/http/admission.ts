/**
 * Admission control: when the server is behind (too many API requests in progress, its event loop
 * delayed, or the database with more queries waiting than it can answer soon), a new request is
 * refused at once with 503 and `Retry-After` instead of queueing behind the others — the requests
 * being served keep their latency, and a refused call was never acknowledged, so a client retrying
 * loses nothing. Health and readiness probes always answer.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { commonErrors } from '../shared/errors.js';

const PROBES = new Set(['/health', '/ready']);
const RETRY_AFTER_SEC = 1;

const overloaded = () => commonErrors.overloaded({ retryAfterSec: RETRY_AFTER_SEC, message: `The server is overloaded; retry in ${RETRY_AFTER_SEC} s` });

export async function registerAdmissionControl(
  app: FastifyInstance,
  opts: { maxInFlight: number; maxEventLoopDelayMs: number; maxDbWaiting: number; dbWaiting: () => number },
): Promise<void> {
  if (opts.maxInFlight > 0) {
    // Counted where the answer leaves (the socket's close), whatever ended the request.
    let inFlight = 0;
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/api/')) return;
      if (inFlight >= opts.maxInFlight) {
        request.log.warn({ pressure: 'inFlight', inFlight }, 'overloaded: request refused');
        throw overloaded();
      }
      inFlight += 1;
      reply.raw.once('close', () => (inFlight -= 1));
    });
  }
  if (opts.maxEventLoopDelayMs === 0 && opts.maxDbWaiting === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs,
    sampleInterval: 100,
    retryAfter: RETRY_AFTER_SEC,
    ...(opts.maxDbWaiting > 0 && {
      healthCheck: async () => opts.dbWaiting() <= opts.maxDbWaiting,
      healthCheckInterval: 100,
    }),
    // A rejection goes to the error handler: the usual envelope, with Retry-After.
    pressureHandler: async (request: FastifyRequest, _reply, type: string) => {
      if (PROBES.has(request.routeOptions.url ?? '')) return;
      request.log.warn({ pressure: type }, 'overloaded: request refused');
      throw overloaded();
    },
  });
}
