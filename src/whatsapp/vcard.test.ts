import { describe, expect, it } from 'vitest';
import { buildVcard, phonesOfVcard } from './vcard.js';

describe('contact cards', () => {
  it('builds a card WhatsApp shows with its WhatsApp ids, and reads the numbers back', () => {
    const vcard = buildVcard({ name: 'Айгуль; Sales, Almaty', phones: ['+7 701 222 33 44', '77015550000'] });
    expect(vcard).toContain('FN:Айгуль\\; Sales\\, Almaty');
    expect(phonesOfVcard(vcard)).toEqual(['+77012223344', '+77015550000']);
  });

  it('reads numbers from cards phones make (item-prefixed lines, no waid)', () => {
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nN:;Bob;;;\nitem1.TEL;waid=4915112345678:+49 151 12345678\nitem1.X-ABLabel:Mobile\nTEL;TYPE=HOME:+1 (555) 010-9999\nEND:VCARD';
    expect(phonesOfVcard(vcard)).toEqual(['+4915112345678', '+15550109999']);
  });
});
