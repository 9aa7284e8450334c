import type { UiMessage } from './useMessages';

/**
 * Failed sends of the history that were sent again later. The server keeps the failed row (a
 * retry is a new message with a new idempotency key), so without this every reload would offer
 * to send the same text a second time.
 */
export function retriedFailures(messages: readonly UiMessage[]): Set<string> {
  const done = new Set<string>();
  const laterOk = new Set<string>();
  // Walk newest to oldest, remembering what was delivered after each point.
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as UiMessage;
    if (!m.fromMe) continue;
    const sig = `${m.messageType}\u0000${m.body ?? ''}\u0000${m.media?.fileName ?? ''}`;
    if (m.status === 'failed') {
      if (!m.local && laterOk.has(sig)) done.add(m.key);
    } else if (m.status !== 'pending') laterOk.add(sig);
  }
  return done;
}
