/**
 * Baileys' ids ↔ the API's canonical ids. Baileys speaks `@s.whatsapp.net` (and 7.x `@lid`, with
 * the other form in `key.remoteJidAlt` / `participantAlt`); the API speaks `@c.us`. A contact is
 * one chat: we prefer the phone-number form and keep the `@lid` form as the alternate id.
 */
import { jidDecode, type WAMessageKey } from 'baileys';

/** `7707...@c.us`, `...@g.us`, `status@broadcast`, `...@lid`, `...@newsletter`; device suffixes stripped. */
export function toCanonical(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const decoded = jidDecode(jid);
  if (!decoded?.user) return null;
  const user = decoded.user;
  switch (decoded.server) {
    case 's.whatsapp.net':
    case 'c.us':
    case 'hosted':
      return `${user}@c.us`;
    case 'lid':
    case 'hosted.lid':
      return `${user}@lid`;
    case 'g.us':
      return `${user}@g.us`;
    case 'broadcast':
      return `${user}@broadcast`;
    default:
      return `${user}@${decoded.server}`;
  }
}

/** The id Baileys expects for a canonical id. */
export function toBaileysJid(canonical: string): string {
  return canonical.endsWith('@c.us') ? `${canonical.slice(0, -'@c.us'.length)}@s.whatsapp.net` : canonical;
}

const isLid = (jid: string | null | undefined): boolean => !!jid && jid.endsWith('@lid');
const isPhoneJid = (jid: string | null | undefined): boolean => !!jid && jid.endsWith('@c.us');
/** Looks up the phone-number form of a `@lid` id we already know (lid-mapping), canonical in and out. */
export type PnForLid = (lid: string) => string | undefined;

/** Prefers the phone-number form of two ids of the same person; the other one becomes the alt id. */
function preferPhone(primary: string | null, alt: string | null, pnForLid?: PnForLid): { jid: string | null; alt?: string } {
  if (primary && isLid(primary)) {
    const pn = alt && isPhoneJid(alt) ? alt : pnForLid?.(primary);
    if (pn) return { jid: pn, alt: primary };
  }
  if (primary && isPhoneJid(primary) && alt && isLid(alt)) return { jid: primary, alt };
  return { jid: primary };
}

export interface ResolvedChat {
  chatJid: string;
  chatAltJid?: string;
}

export function resolveChat(key: WAMessageKey, pnForLid?: PnForLid): ResolvedChat | null {
  const r = preferPhone(toCanonical(key.remoteJid), toCanonical(key.remoteJidAlt), pnForLid);
  if (!r.jid) return null;
  return r.alt ? { chatJid: r.jid, chatAltJid: r.alt } : { chatJid: r.jid };
}

/** The author of a message: us, the group/status participant, or the contact of a 1:1 chat. */
export function resolveSender(key: WAMessageKey, chat: ResolvedChat, ownJid: string | undefined, pnForLid?: PnForLid): string {
  if (key.fromMe) return ownJid ?? chat.chatJid;
  if (key.participant) {
    const r = preferPhone(toCanonical(key.participant), toCanonical(key.participantAlt), pnForLid);
    if (r.jid) return r.jid;
  }
  return chat.chatJid;
}

/** Every `@lid` id in a key, so their phone-number forms can be looked up before mapping. */
export function lidsOf(key: WAMessageKey): string[] {
  return [key.remoteJid, key.remoteJidAlt, key.participant, key.participantAlt]
    .map((j) => toCanonical(j))
    .filter((j): j is string => isLid(j));
}
