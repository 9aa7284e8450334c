/**
 * Short-lived links to one message's file, for `<img>`, `<audio>` and `<video>`, which cannot send
 * an Authorization header. The signature binds the session, the message row, the variant (file or
 * thumbnail) and the expiry; its key is derived from the token secret, so it rotates with it.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface MediaLinkTarget {
  sessionId: string;
  messageRowId: string;
  thumbnail: boolean;
}

export interface MediaLinks {
  /** The API path with `exp` and `sig`. */
  url(target: MediaLinkTarget): string;
  /** True when the signature is ours, for this target, and not expired. */
  verify(target: MediaLinkTarget, exp: number, sig: string): boolean;
}

export const mediaPath = (sessionId: string, messageRowId: string): string =>
  `/api/whatsapp/sessions/${encodeURIComponent(sessionId)}/messages/${encodeURIComponent(messageRowId)}/media`;

export function createMediaLinks(opts: { secret: string; ttlSec: number; now: () => number }): MediaLinks {
  const key = Buffer.from(hkdfSync('sha256', opts.secret, 'wa-inbox', 'media-link-v1', 32));
  const sign = (t: MediaLinkTarget, exp: number): Buffer =>
    createHmac('sha256', key).update(`${t.sessionId}\n${t.messageRowId}\n${t.thumbnail ? 'thumbnail' : 'file'}\n${exp}`).digest();

  return {
    url(target) {
      // Rounded up to the minute: views of one message within a minute share a URL, so browsers cache it.
      const exp = Math.ceil((opts.now() / 1000 + opts.ttlSec) / 60) * 60;
      const sig = sign(target, exp).toString('base64url');
      return `${mediaPath(target.sessionId, target.messageRowId)}?${target.thumbnail ? 'thumbnail=true&' : ''}exp=${exp}&sig=${sig}`;
    },
    verify(target, exp, sig) {
      if (!Number.isSafeInteger(exp) || exp * 1000 < opts.now()) return false;
      const given = Buffer.from(sig, 'base64url');
      const expected = sign(target, exp);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
