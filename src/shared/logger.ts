import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a logged object. */
export const redactPaths = [
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

export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY === true;
  return pino({
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
