/**
 * WhatsApp ids in the API's canonical forms: individual `77079856339@c.us`, group `...@g.us`,
 * status broadcast `status@broadcast`. Input may also be `@s.whatsapp.net` or a phone number
 * written any usual way (`+7 707 985 63 39`).
 */
import type { ChatKind } from './engine.js';

/** The message never repeats the input: it may hold anything, control characters included. */
export class InvalidJidError extends Error {}

const PHONE = /^\+?[\d\s().-]{5,32}$/;

export function toCanonicalJid(input: string, hint?: 'group'): string {
  const raw = input.trim();
  if (raw === 'status@broadcast') return raw;
  const at = raw.indexOf('@');
  if (at === -1) {
    if (!PHONE.test(raw)) throw new InvalidJidError('is not a phone number or WhatsApp id');
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 5 || digits.length > 20) throw new InvalidJidError('is not a phone number');
    return hint === 'group' ? `${digits}@g.us` : `${digits}@c.us`;
  }
  const user = raw.slice(0, at).split(':')[0]!;
  const server = raw.slice(at + 1).toLowerCase();
  if (!/^[\w.-]{1,64}$/.test(user)) throw new InvalidJidError('is not a WhatsApp id');
  switch (server) {
    case 'c.us':
    case 's.whatsapp.net':
      if (!/^\d{5,20}$/.test(user)) throw new InvalidJidError('is not a WhatsApp id');
      return `${user}@c.us`;
    case 'g.us':
      return `${user}@g.us`;
    case 'lid':
      return `${user}@lid`;
    case 'broadcast':
      return `${user}@broadcast`;
    default:
      throw new InvalidJidError('is not a WhatsApp id');
  }
}

/** Like toCanonicalJid but returns null instead of throwing. */
export function tryCanonicalJid(input: string): string | null {
  try {
    return toCanonicalJid(input);
  } catch {
    return null;
  }
}

export function chatKindOf(jid: string): ChatKind {
  if (jid === 'status@broadcast') return 'status';
  if (jid.endsWith('@g.us')) return 'group';
  return 'individual';
}

