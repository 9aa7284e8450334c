/**
 * The webhook outbox: a delivery is stored before it is attempted, then sent with retries
 * (exponential backoff with jitter) that survive restarts. A 4xx other than 408/429 is final.
 * Requests are signed with HMAC-SHA256 over `<timestamp>.<body>` when the endpoint has a secret.
 */
import { createHmac } from 'node:crypto';
import { and, asc, eq, lte } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { webhookDeliveries } from '../db/schema/index.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { backoffDelay } from '../whatsapp/backoff.js';

export interface OutboxMessage {
  companyId: string | null;
  url: string;
  event: string;
  payload: unknown;
  endpointId?: string;
}

export interface WebhookOutbox {
  enqueue(message: OutboxMessage): Promise<string>;
  /** Attempts every due delivery once; returns how many were attempted. */
  deliverDue(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export interface OutboxOptions {
  db: Db;
  logger: Logger;
  clock: Clock;
  pollMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
  /**
   * The signing secret of a delivery, looked up at send time (so a retry after a restart is
   * signed too, and rotated secrets apply).
   */
  secretFor?: (delivery: { endpointId: string | null; url: string }) => Promise<string | undefined>;
}

function signPayload(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function createWebhookOutbox(opts: OutboxOptions): WebhookOutbox {
  const { db, logger, clock } = opts;
  const maxAttempts = opts.maxAttempts ?? 10;
  const policy = { baseMs: opts.retryBaseMs ?? 2000, maxMs: opts.retryMaxMs ?? 10 * 60_000, maxRetries: maxAttempts };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const attempt = async (row: typeof webhookDeliveries.$inferSelect): Promise<void> => {
    const body = JSON.stringify(row.payload);
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    const secret = await opts.secretFor?.({ endpointId: row.endpointId, url: row.url });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'wa-inbox-webhooks/1',
      'x-webhook-id': row.id,
      'x-webhook-event': row.event,
      'x-webhook-timestamp': timestamp,
    };
    if (secret) headers['x-webhook-signature'] = `sha256=${signPayload(secret, timestamp, body)}`;
    const attempts = row.attempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(row.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await db
          .update(webhookDeliveries)
          .set({ status: 'delivered', attempts, lastStatusCode: status, lastError: null, deliveredAt: clock.now() })
          .where(eq(webhookDeliveries.id, row.id));
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const permanent = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
    const delay = permanent ? null : backoffDelay(policy, attempts);
    await db
      .update(webhookDeliveries)
      .set({
        status: delay === null ? 'failed' : 'pending',
        attempts,
        lastStatusCode: status ?? null,
        lastError: error ?? null,
        nextAttemptAt: new Date(clock.now().getTime() + (delay ?? 0)),
      })
      .where(eq(webhookDeliveries.id, row.id));
    logger.warn({ deliveryId: row.id, url: row.url, event: row.event, attempts, error, final: delay === null }, 'webhook delivery failed');
  };

  const deliverDue = (): Promise<number> => {
    // One sweep at a time; a caller during a sweep shares its result.
    running ??= (async () => {
      try {
        const due = await db
          .select()
          .from(webhookDeliveries)
          .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, clock.now())))
          .orderBy(asc(webhookDeliveries.nextAttemptAt))
          .limit(50);
        await Promise.all(due.map((row) => attempt(row)));
        return due.length;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const kick = (): void => {
    if (stopped) return;
    deliverDue().catch((err: unknown) => logger.error({ err }, 'webhook outbox sweep failed'));
  };

  return {
    async enqueue(message) {
      const id = newId();
      await db.insert(webhookDeliveries).values({
        id,
        companyId: message.companyId,
        endpointId: message.endpointId ?? null,
        url: message.url,
        event: message.event,
        payload: message.payload,
        nextAttemptAt: clock.now(),
      });
      kick();
      return id;
    },
    deliverDue,
    start() {
      stopped = false;
      timer = setInterval(kick, opts.pollMs ?? 2000);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
