/** Seed 004 error notifications to ERROR_WEBHOOK_URL, delivered through the outbox (with retries). */
import type { Clock } from '../shared/clock.js';
import type { ErrorNotifier } from '../sessions/decrypt-errors.js';
import type { WebhookOutbox } from './outbox.js';

export interface SessionErrorWarning {
  type: 'session_error_warning';
  phoneId: string;
  errorType: 'Bad MAC' | 'Bad Decrypt';
  currentCount: number;
  maxAllowed: number;
  severity: 'critical' | 'warning';
  timestamp: string;
}

export function createErrorNotifier(url: string | undefined, outbox: WebhookOutbox, clock: Clock): ErrorNotifier {
  return {
    async notify({ sessionId, companyId, errorType, currentCount, maxAllowed }) {
      if (!url) return;
      const payload: SessionErrorWarning = {
        type: 'session_error_warning',
        phoneId: sessionId,
        errorType,
        currentCount,
        maxAllowed,
        severity: currentCount >= maxAllowed - 1 ? 'critical' : 'warning',
        timestamp: clock.now().toISOString(),
      };
      await outbox.enqueue({ companyId, url, event: payload.type, payload });
    },
  };
}
