/**
 * Classifies the error text Baileys puts in a CIPHERTEXT stub's `messageStubParameters[0]` (or in
 * the `err` of its 'failed to decrypt message' log line). libsignal reports a Bad MAC on a `msg`
 * as "No matching sessions found for message" after trying every stored session.
 */
export type DecryptErrorKind = 'bad_mac' | 'bad_decrypt' | 'ignore';

const BAD_MAC = [/bad mac/i, /no matching sessions found for message/i];

/**
 * Not a failure to count: the stanza had nothing to decrypt (ads, view-once, bots), or it is a
 * copy of a message whose ratchet step was already taken — a redelivery after a crash between
 * decryption and receipt. Such a message is in the inbound journal or already stored, and the
 * retry request Baileys sends makes the sender resend it anyway.
 */
const IGNORE = [/message absent from node/i, /key used already or never filled/i];

export function classifyDecryptError(detail: string | undefined | null): DecryptErrorKind {
  const text = (detail ?? '').trim();
  if (IGNORE.some((re) => re.test(text))) return 'ignore';
  if (BAD_MAC.some((re) => re.test(text))) return 'bad_mac';
  // InvalidMessageException, bad decrypt / ERR_OSSL_BAD_DECRYPT, No SenderKeyRecord, Invalid PreKey ID,
  // No session record, Over 2000 messages into the future, unknown texts...
  return 'bad_decrypt';
}

/** The error text of an `err` object from Baileys' log context (Error, Boom or anything). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}
