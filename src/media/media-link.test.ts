import { describe, expect, it } from 'vitest';
import { createMediaLinks } from './media-link.js';

const target = { sessionId: 's1', messageRowId: 'm1', thumbnail: false };
const parse = (url: string) => {
  const q = new URL(url, 'http://x').searchParams;
  return { exp: Number(q.get('exp')), sig: q.get('sig')! };
};

describe('signed media links', () => {
  let now = Date.parse('2026-12-02T10:00:00Z');
  const links = createMediaLinks({ secret: 'a secret of the gateway, long enough', ttlSec: 600, now: () => now });

  it('opens exactly the file it was made for, until it expires', () => {
    const url = links.url(target);
    expect(url.startsWith('/api/whatsapp/sessions/s1/messages/m1/media?exp=')).toBe(true);
    const { exp, sig } = parse(url);
    expect(links.verify(target, exp, sig)).toBe(true);
    expect(links.verify({ ...target, messageRowId: 'm2' }, exp, sig)).toBe(false);
    expect(links.verify({ ...target, sessionId: 's2' }, exp, sig)).toBe(false);
    expect(links.verify({ ...target, thumbnail: true }, exp, sig)).toBe(false);
    expect(links.verify(target, exp + 60, sig)).toBe(false);
    expect(links.verify(target, exp, `${sig.slice(0, -2)}AA`)).toBe(false);
    expect(links.verify(target, exp, '')).toBe(false);
    now += 11 * 60_000;
    expect(links.verify(target, exp, sig)).toBe(false);
  });

  it('is worthless under another secret', () => {
    const { exp, sig } = parse(links.url(target));
    const other = createMediaLinks({ secret: 'another gateway, another secret!!', ttlSec: 600, now: () => now });
    expect(other.verify(target, exp, sig)).toBe(false);
  });
});
