/**
 * Contact cards as WhatsApp carries them (vCard 3.0 text): built for the cards we send, read for
 * the numbers on the cards we receive. WhatsApp marks a number's WhatsApp id with `waid=`.
 */
export function buildVcard(card: { name: string; phones: string[] }): string {
  const escape = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
  const tels = card.phones.map((p) => {
    const digits = p.replace(/\D/g, '');
    return `TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`;
  });
  return ['BEGIN:VCARD', 'VERSION:3.0', `FN:${escape(card.name)}`, ...tels, 'END:VCARD'].join('\n');
}

/** A card as stored and sent: numbers as `+digits`, with its vCard. */
export function contactCard(card: { name: string; phones: string[] }): { name: string; phones: string[]; vcard: string } {
  const phones = card.phones.map((p) => `+${p.replace(/\D/g, '')}`);
  return { name: card.name, phones, vcard: buildVcard({ name: card.name, phones }) };
}

/** The numbers on a card: the `waid` when there is one, else the digits of each TEL line. */
export function phonesOfVcard(vcard: string): string[] {
  const phones: string[] = [];
  for (const line of vcard.split(/\r?\n/)) {
    if (!/^(item\d+\.)?TEL/i.test(line)) continue;
    const waid = /waid=(\d+)/i.exec(line)?.[1];
    const digits = waid ?? line.slice(line.lastIndexOf(':') + 1).replace(/\D/g, '');
    if (digits) phones.push(`+${digits}`);
  }
  return [...new Set(phones)];
}
