/**
 * libsignal (under Baileys) writes session lifecycle lines with `console.info/warn/error`, and
 * several of them print whole SessionEntry objects: ratchet private keys and root keys, straight
 * into the server's stdout and log collectors. Those lines, recognised by libsignal's own fixed
 * texts, go to our logger at debug with the text only; everything else reaches the console as
 * before. Installed once per process.
 */
import type { Logger } from 'pino';

const LIBSIGNAL_TEXTS = [
  'Closing session:',
  'Opening session:',
  'Removing old closed session:',
  'Session already closed',
  'Session already open',
  'Migrating session to:',
  'Closing open session in favor of incoming prekey bundle',
  'Decrypted message with closed session.',
  'Failed to decrypt message with any known session...',
  'Session error:',
  'V1 session storage migration error',
];

let installed = false;

export function routeLibsignalConsole(logger: Logger): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ module: 'libsignal' });
  for (const level of ['info', 'warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && LIBSIGNAL_TEXTS.some((t) => first.startsWith(t))) {
        // "Session error:" carries the error text in the string itself; objects are never passed on.
        log.debug({ consoleLevel: level }, first.split('\n')[0]!.slice(0, 300));
        return;
      }
      original(...args);
    };
  }
}
