/** Password hashing with scrypt (memory-hard), from node:crypto; no native addon needed. */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Any stored hash verifies, whatever cost it was made with (the cost is part of the hash). */
  verify(password: string, stored: string): Promise<boolean>;
  /** A hash of a random password, verified against when the email is unknown so timing does not reveal it. */
  dummyHash(): Promise<string>;
}

/** scrypt's N in production: about 50 ms of one core per hash. */
const PRODUCTION_COST = 1 << 15;
const r = 8;
const p = 1;
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, { ...opts, maxmem: 256 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `cost` is scrypt's N; tests inject a small one so that they do not pay production hashing. */
export function createPasswordHasher(cost = PRODUCTION_COST): PasswordHasher {
  let dummy: Promise<string> | undefined;
  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16);
    const key = await derive(password, salt, { N: cost, r, p });
    return `scrypt$${cost}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  };
  return {
    hash,
    async verify(password, stored) {
      const parts = stored.split('$');
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
      const [, n, rr, pp, saltB64, keyB64] = parts as [string, string, string, string, string, string];
      const expected = Buffer.from(keyB64, 'base64');
      const key = await derive(password, Buffer.from(saltB64, 'base64'), { N: Number(n), r: Number(rr), p: Number(pp) });
      return key.length === expected.length && timingSafeEqual(key, expected);
    },
    dummyHash: () => (dummy ??= hash(randomBytes(16).toString('hex'))),
  };
}
