import { ApiError, errorText } from '../api/client';
import { fileSize } from '../components/format';

/** Why a send failed, in words a user can act on. */
export function sendErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return 'You have read-only access to this number.';
    if (err.status === 0) return 'No connection — not sent.';
    if (err.status === 413) return 'The file is larger than the server accepts. Send a smaller file.';
    if (err.status === 400) {
      const limit = /larger than (\d+) bytes/.exec(err.message);
      if (limit) return `The file is larger than the server's limit of ${fileSize(Number(limit[1]))}. Send a smaller file.`;
      if (/media\.base64/.test(err.message)) return 'The file could not be sent: it is empty or could not be read.';
      if (/mimetype/.test(err.message)) return 'The server does not accept this kind of file.';
      return `The server refused this message: ${err.message}`;
    }
  }
  return errorText(err);
}

/** A refusal that sending the same file again would meet too (invalid or too large). */
export const isRefusal = (err: unknown): boolean => err instanceof ApiError && (err.status === 400 || err.status === 413);

/** The decoded size of a base64 string. */
export const base64Bytes = (b64: string): number => Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
