/**
 * The logger handed to Baileys: the session's pino logger, plus a tap on Baileys' own
 * "failed to decrypt message" error line. That line carries the device-qualified sender (the
 * CIPHERTEXT stub loses the device) and is also logged for failures whose stub Baileys never
 * emits (e.g. a NACKed "Key used already"), so it is the second decrypt-failure signal.
 * Baileys also logs every `<stream:error>` as an error, the 515 restart after pairing included;
 * that one is routine and goes out at info.
 */
import type { SocketConfig, WAMessageKey } from 'baileys';
import type { Logger } from 'pino';
import { errorText } from './decrypt-errors.js';
import { isRestartStreamError } from './reconnect.js';

export type BaileysLogger = SocketConfig['logger'];

export interface DecryptLogSignal {
  detail: string;
  key?: WAMessageKey;
  /** Device-qualified author jid (`5511...:3@s.whatsapp.net`, `...@lid`), when Baileys logs it. */
  author?: string;
}

export const DECRYPT_FAILURE_LOG = 'failed to decrypt message';
export const STREAM_ERROR_LOG = 'stream errored out';

function isRestartRequest(obj: unknown): boolean {
  return obj !== null && typeof obj === 'object' && 'fullErrorNode' in obj && isRestartStreamError(obj.fullErrorNode);
}

function parseSignal(obj: unknown): DecryptLogSignal {
  const o = (obj && typeof obj === 'object' ? obj : {}) as { err?: unknown; key?: WAMessageKey; author?: unknown };
  return {
    detail: errorText(o.err),
    ...(o.key && typeof o.key === 'object' && { key: o.key }),
    ...(typeof o.author === 'string' && { author: o.author }),
  };
}

export function createHookedLogger(base: Logger, onDecryptFailure: (signal: DecryptLogSignal) => void): BaileysLogger {
  const wrap = (target: Logger): BaileysLogger => ({
    get level() {
      return target.level;
    },
    set level(value: string) {
      target.level = value;
    },
    child: (bindings: Record<string, unknown>) => wrap(target.child(bindings)),
    trace: (obj: unknown, msg?: string) => target.trace(obj, msg),
    debug: (obj: unknown, msg?: string) => target.debug(obj, msg),
    info: (obj: unknown, msg?: string) => target.info(obj, msg),
    warn: (obj: unknown, msg?: string) => target.warn(obj, msg),
    error: (obj: unknown, msg?: string) => {
      if (msg === STREAM_ERROR_LOG && isRestartRequest(obj)) {
        target.info('WhatsApp asked for a restart (stream error 515, routine after pairing)');
        return;
      }
      if (msg === DECRYPT_FAILURE_LOG) {
        // A bug in our hook must never break Baileys' receive path.
        try {
          onDecryptFailure(parseSignal(obj));
        } catch (err) {
          target.warn({ err }, 'decrypt failure hook failed');
        }
      }
      target.error(obj, msg);
    },
  });
  return wrap(base);
}
