import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { getMediaKeys } from 'baileys';
import { describe, expect, it } from 'vitest';
import { MediaDownloadError } from '../../engine.js';
import { decryptor, mediaUrl } from './media-download.js';

/** A file encrypted as a WhatsApp client uploads it: AES-256-CBC, then the first 10 bytes of HMAC-SHA256(iv ‖ ciphertext). */
async function encrypted(plain: Buffer) {
  const { iv, cipherKey, macKey } = await getMediaKeys(randomBytes(32), 'image');
  const c = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([c.update(plain), c.final()]);
  const mac = createHmac('sha256', macKey!).update(iv).update(ciphertext).digest().subarray(0, 10);
  const file = Buffer.concat([ciphertext, mac]);
  return {
    keys: { iv, cipherKey, macKey: macKey! },
    file,
    expect: { fileSha256: createHash('sha256').update(plain).digest(), fileEncSha256: createHash('sha256').update(file).digest() },
  };
}

/** The file in chunks of odd sizes, as the network gives it. */
const chunked = (file: Buffer) => Readable.from(Array.from({ length: Math.ceil(file.length / 777) }, (_, i) => file.subarray(i * 777, (i + 1) * 777)));
const decrypt = (file: Buffer, e: Awaited<ReturnType<typeof encrypted>>, maxBytes = 1 << 20) => buffer(chunked(file).pipe(decryptor(e.keys, e.expect, maxBytes)));

describe('media decryption on the Baileys engine', () => {
  it('gives back the plain file from any chunking', async () => {
    const plain = randomBytes(10_000);
    const e = await encrypted(plain);
    expect((await decrypt(e.file, e)).equals(plain)).toBe(true);
  });

  it('fails as integrity on a flipped byte, a wrong MAC or a cut file', async () => {
    const e = await encrypted(randomBytes(5_000));
    const flipped = Buffer.from(e.file);
    flipped[100]! ^= 1;
    const badMac = Buffer.from(e.file);
    badMac[badMac.length - 1]! ^= 1;
    for (const broken of [flipped, badMac, e.file.subarray(0, e.file.length - 32)]) {
      const err = await decrypt(broken, e).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(MediaDownloadError);
      expect((err as MediaDownloadError).kind).toBe('integrity');
    }
  });

  it('stops as too_large once more than the limit has come', async () => {
    const e = await encrypted(randomBytes(50_000));
    const err = await decrypt(e.file, e, 20_000).catch((x: unknown) => x);
    expect((err as MediaDownloadError).kind).toBe('too_large');
  });
});

describe('where a received file is fetched from', () => {
  const host = 'mmg.whatsapp.net';
  it("is always WhatsApp's media host, whatever the contact's message says", () => {
    expect(mediaUrl(host, '/v/t62.7118-24/1_2_3_n.enc?ccb=11-4&oh=x&oe=y', undefined)).toBe('https://mmg.whatsapp.net/v/t62.7118-24/1_2_3_n.enc?ccb=11-4&oh=x&oe=y');
    expect(mediaUrl('127.0.0.1:4443', '/v/x.enc', undefined)).toBe('https://127.0.0.1:4443/v/x.enc');
    for (const path of ['@127.0.0.1:8080/x', '.evil.example/x', '//evil.example/x', 'x', ':1/x']) expect(mediaUrl(host, path, undefined)).toBeUndefined();
    expect(mediaUrl(host, '/@127.0.0.1:8080/x', undefined)).toBe('https://mmg.whatsapp.net/@127.0.0.1:8080/x');
  });

  it('follows a full URL only to WhatsApp', () => {
    expect(mediaUrl(host, undefined, 'https://mmg.whatsapp.net/d/f/abc.enc')).toBe('https://mmg.whatsapp.net/d/f/abc.enc');
    expect(mediaUrl(host, undefined, 'https://media-hel3-1.cdn.whatsapp.net/v/x')).toBe('https://media-hel3-1.cdn.whatsapp.net/v/x');
    for (const url of ['http://mmg.whatsapp.net/x', 'https://169.254.169.254/latest', 'https://whatsapp.net.evil.example/x', 'https://u:p@mmg.whatsapp.net/x', 'not a url']) {
      expect(mediaUrl(host, undefined, url)).toBeUndefined();
    }
  });
});
