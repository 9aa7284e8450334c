import { describe, expect, it } from 'vitest';
import { fetchMedia, isPublicAddress } from './media-fetch.js';

describe('the media-fetch SSRF guard', () => {
  it.each([
    '0.0.0.0', '10.1.2.3', '100.64.0.1', '127.0.0.1', '169.254.169.254', '172.16.5.4', '192.0.0.8', '192.0.2.1', '192.168.1.1',
    '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '240.0.0.1', '255.255.255.255',
    '::', '::1', '::127.0.0.1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '64:ff9b:1::1', '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:db8::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fec0::1', 'ff02::1', '100::1',
    'not an address', '',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['1.1.1.1', '8.8.8.8', '157.240.1.35', '2a03:2880:f10c:83:face:b00c:0:25de', '2606:4700:4700::1111'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses a literal private address and a name that resolves to one, saying nothing about the address', async () => {
    for (const url of ['http://127.0.0.1:9/x.jpg', 'http://[::ffff:7f00:1]/x.jpg', 'http://localhost:9/x.jpg']) {
      const err = await fetchMedia(url, { maxBytes: 1024 }).catch((e: unknown) => e);
      expect(err, url).toMatchObject({ statusCode: 400, details: [{ field: 'media.url' }] });
      expect((err as Error).message, url).not.toMatch(/127\.0\.0\.1|::1|7f00/);
    }
  });

  it('refuses other schemes and credentials in the URL', async () => {
    await expect(fetchMedia('file:///etc/passwd', { maxBytes: 1024 })).rejects.toMatchObject({ statusCode: 400 });
    await expect(fetchMedia('https://user:pw@example.com/x', { maxBytes: 1024 })).rejects.toMatchObject({ statusCode: 400 });
  });
});
