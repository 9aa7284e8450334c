import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The configured JWT secret, or one generated once and kept in the data directory so tokens
 * survive restarts. A generated secret is fine for one node; a cluster must configure one.
 */
export async function resolveJwtSecret(configured: string | undefined, dataDir: string, logger: Logger): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(48).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  logger.warn({ file }, 'JWT_SECRET is not set: generated a random one and stored it in the data directory');
  return secret;
}
