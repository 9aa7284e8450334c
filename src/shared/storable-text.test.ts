import { describe, expect, it } from 'vitest';
import { storable, storableJsonText } from './storable-text.js';

describe('storable text', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps everything else, pairs included', () => {
    expect(storable('a\u0000b\uD800c👍d\uDC00')).toBe('a\uFFFDb\uFFFDc👍d\uFFFD');
    expect(storable('Привет 👨‍👩‍👧')).toBe('Привет 👨‍👩‍👧');
  });

  it('writes jsonb text PostgreSQL accepts: no \\u0000 or lone-surrogate escapes', () => {
    const text = storableJsonText({ body: 'x\u0000\uD800', list: ['\uDFFF'], ok: '👍' });
    expect(text).not.toMatch(/\\u(0000|d[89a-f])/i);
    expect(JSON.parse(text)).toEqual({ body: 'x\uFFFD\uFFFD', list: ['\uFFFD'], ok: '👍' });
    expect(storableJsonText({ a: 'plain' })).toBe('{"a":"plain"}');
  });
});
