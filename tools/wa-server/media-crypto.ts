/**
 * WhatsApp's end-to-end media encryption, as the phones the server plays do it: the sender's
 * encryption is Baileys' own (`encryptedStream`: a fresh 32-byte media key, HKDF keys per media
 * type, AES-256-CBC, a 10-byte HMAC-SHA256 over iv‖ciphertext appended); the receiver checks
 * everything the message announced before it trusts a byte; the media retry (a device asking the
 * phone to upload an expired file again) is sealed with AES-GCM under the retry key.
 */
import { createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { aesDecryptGCM, aesEncryptGCM, encryptedStream, getMediaKeys, hkdf, proto } from 'baileys';

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MAC_LENGTH = 10;

export interface EncryptedMedia {
  mediaKey: Buffer;
  /** A temporary file with ciphertext‖mac; the caller moves it to the media host. */
  encFilePath: string;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
  fileLength: number;
}

/** A phone encrypts a file for sending. */
export async function encryptMedia(data: Buffer, kind: MediaKind): Promise<EncryptedMedia> {
  const out = await encryptedStream(data, kind);
  return { mediaKey: out.mediaKey, encFilePath: out.encFilePath, fileSha256: out.fileSha256, fileEncSha256: out.fileEncSha256, fileLength: out.fileLength };
}

export interface MediaExpectation {
  mediaKey: Uint8Array;
  fileEncSha256: Uint8Array;
  fileSha256: Uint8Array;
  /** The plaintext length the message announced, when it did. */
  fileLength?: number;
}

/**
 * A receiving phone's download: the encrypted bytes as they stream in are hashed, MAC-checked and
 * decrypted; any difference from what the message announced throws. Returns the plaintext's hex
 * sha256 and size (the plaintext itself is not kept: the contact only has to prove it got it).
 */
export async function decryptMedia(encrypted: AsyncIterable<Buffer>, kind: MediaKind, expected: MediaExpectation): Promise<{ sha256: string; size: number }> {
  const { cipherKey, iv, macKey } = await getMediaKeys(expected.mediaKey, kind);
  if (!macKey) throw new Error(`no MAC key for ${kind} media`);
  const encHash = createHash('sha256');
  const hmac = createHmac('sha256', macKey).update(iv);
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
  const plainHash = createHash('sha256');
  let size = 0;
  const take = (plain: Buffer): void => {
    plainHash.update(plain);
    size += plain.length;
  };
  // The MAC is the last 10 bytes of the stream: hold them back until the stream ends.
  let tail = Buffer.alloc(0);
  for await (const chunk of encrypted) {
    encHash.update(chunk);
    const data = Buffer.concat([tail, chunk]);
    const body = data.subarray(0, Math.max(0, data.length - MAC_LENGTH));
    tail = data.subarray(body.length);
    hmac.update(body);
    take(decipher.update(body));
  }
  if (tail.length !== MAC_LENGTH) throw new Error('the encrypted file is shorter than its MAC');
  if (!encHash.digest().equals(Buffer.from(expected.fileEncSha256))) throw new Error('fileEncSha256 does not match the downloaded file');
  if (!timingSafeEqual(hmac.digest().subarray(0, MAC_LENGTH), tail)) throw new Error('the media MAC does not match');
  take(decipher.final());
  const sha256 = plainHash.digest();
  if (!sha256.equals(Buffer.from(expected.fileSha256))) throw new Error('fileSha256 does not match the decrypted file');
  if (expected.fileLength !== undefined && expected.fileLength !== size) throw new Error(`fileLength says ${expected.fileLength} bytes, the file has ${size}`);
  return { sha256: sha256.toString('hex'), size };
}

const retryKey = (mediaKey: Uint8Array): Uint8Array => hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' });

/** The phone opens a device's re-upload request (`<encrypt><enc_p/><enc_iv/>`); throws when it does not decrypt. */
export function openMediaRetryRequest(encP: Uint8Array, encIv: Uint8Array, mediaKey: Uint8Array, messageId: string): proto.ServerErrorReceipt {
  return proto.ServerErrorReceipt.decode(aesDecryptGCM(encP, retryKey(mediaKey), encIv, Buffer.from(messageId)));
}

/** The phone's answer to a re-upload request, sealed for the device that asked. */
export function sealMediaRetryNotification(notification: proto.IMediaRetryNotification, mediaKey: Uint8Array, messageId: string): { ciphertext: Buffer; iv: Buffer } {
  const iv = randomBytes(12);
  const plaintext = proto.MediaRetryNotification.encode(notification).finish();
  return { ciphertext: aesEncryptGCM(plaintext, retryKey(mediaKey), iv, Buffer.from(messageId)), iv };
}
