import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a logged object. */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'auth.token',
];

/** Where the per-request line and the start-up banner put their fields. */
export const REQUEST_LOG_KEY = 'http';
export const BANNER_LOG_KEY = 'startup';

/**
 * On a terminal: one line per request and one start-up banner. Their fields are in the message
 * already (JSON output keeps them as fields), and the request id leads the message instead of
 * taking a line of its own under every request-scoped entry.
 */
const prettyOptions = {
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: ['hostname', 'reqId', REQUEST_LOG_KEY, BANNER_LOG_KEY].join(','),
  messageFormat: '{if reqId}[{reqId}] {end}{msg}',
};

export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY === true;
  return pino({
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: prettyOptions } } : {}),
  });
}
