/**
 * What to do when Baileys reports `connection: 'close'`, from `lastDisconnect.error`
 * (a Boom whose `output.statusCode` is one of Baileys' DisconnectReason codes).
 */
import { DisconnectReason as Code, getErrorCodeFromStreamError, type BinaryNode } from 'baileys';
import type { DisconnectReason } from '../../engine.js';

export type CloseDecision =
  /** Terminal: report and stay down. */
  | { action: 'stop'; reason: DisconnectReason; code?: number; message: string; wipeCreds: boolean }
  /** 515 after pairing: open a new socket with the same credentials right away; not an error. */
  | { action: 'restart'; code: number; message: string }
  /** Transient: reconnect with backoff (405: with a freshly resolved version). */
  | { action: 'retry'; code?: number; message: string; refreshVersion: boolean };

interface BoomLike {
  message?: string;
  output?: { statusCode?: number };
}

export function closeCodeOf(error: unknown): number | undefined {
  const code = (error as BoomLike | undefined)?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function decideOnClose(error: Error | undefined): CloseDecision {
  const code = closeCodeOf(error);
  const message = error?.message || 'Connection closed';
  // Errors of the WebSocket itself (refused upgrade, DNS, reset) carry an HTTP or errno code, not a
  // WhatsApp verdict: an HTTP 403 from a proxy is not a ban, so those are always transient.
  if (message.startsWith('WebSocket Error')) return { action: 'retry', code, message, refreshVersion: false };
  switch (code) {
    case Code.loggedOut:
      return { action: 'stop', reason: 'logged_out', code, message, wipeCreds: true };
    case Code.forbidden:
    case 402:
    case 406:
      return { action: 'stop', reason: 'forbidden', code, message, wipeCreds: false };
    case Code.connectionReplaced:
      return { action: 'stop', reason: 'replaced', code, message, wipeCreds: false };
    case Code.restartRequired:
      return { action: 'restart', code, message };
    case Code.timedOut:
      if (/QR refs attempts ended/i.test(message)) return { action: 'stop', reason: 'qr_expired', code, message, wipeCreds: false };
      return { action: 'retry', code, message, refreshVersion: false };
    case 405:
      return { action: 'retry', code, message, refreshVersion: true };
    default:
      return { action: 'retry', code, message, refreshVersion: false };
  }
}

/**
 * Whether a `<stream:error>` node is WhatsApp's request to reconnect (515): sent after every
 * pairing, answered by `decideOnClose`'s 'restart', so it is routine rather than a failure.
 */
export function isRestartStreamError(node: unknown): boolean {
  if (!node || typeof node !== 'object' || !('attrs' in node) || !node.attrs || typeof node.attrs !== 'object') return false;
  return getErrorCodeFromStreamError(node as BinaryNode).statusCode === Code.restartRequired;
}
