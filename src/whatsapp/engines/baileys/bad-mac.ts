/**
 * Bad MAC cleanup: drop every Signal session we hold for the sender, so their next message (or
 * Baileys' retry receipt) builds a fresh one. Deletes go through the socket's key store, which
 * also nulls Baileys' cache; a delete straight in the database would be resurrected from it.
 */
import { jidDecode, type WASocket } from 'baileys';
import type { AuthStateStore } from '../../engine.js';

type KeySocket = Pick<WASocket, 'authState' | 'signalRepository'>;

/** Signal users (phone number and LID) behind the given Baileys jids, via the stored lid-mapping. */
async function usersOf(sock: KeySocket, jids: string[]): Promise<Set<string>> {
  const users = new Set<string>();
  const pnUsers: string[] = [];
  const lidUsers: string[] = [];
  for (const jid of jids) {
    const decoded = jidDecode(jid);
    if (!decoded?.user) continue;
    users.add(decoded.user);
    if (decoded.server === 'lid' || decoded.server === 'hosted.lid') lidUsers.push(decoded.user);
    else pnUsers.push(decoded.user);
  }
  const ids = [...pnUsers, ...lidUsers.map((u) => `${u}_reverse`)];
  if (ids.length) {
    // lid-mapping: `<pnUser>` → lid user, `<lidUser>_reverse` → pn user.
    const mapped = await sock.authState.keys.get('lid-mapping', ids);
    for (const value of Object.values(mapped)) if (typeof value === 'string' && value) users.add(value);
  }
  return users;
}

export async function removeSenderSessions(sock: KeySocket, auth: AuthStateStore, jids: string[]): Promise<number> {
  const known = jids.filter(Boolean);
  if (!known.length) return 0;
  const existing = new Set<string>();
  for (const user of await usersOf(sock, known)) {
    // `<user>.<device>` for phone numbers, `<user>_<domain>.<device>` for LID / hosted ids.
    for (const prefix of [`${user}.`, `${user}_`]) for (const id of await auth.listKeyIds('session', prefix)) existing.add(id);
  }
  const toDelete = new Set(existing);
  for (const jid of known) {
    try {
      toDelete.add(sock.signalRepository.jidToSignalProtocolAddress(jid));
    } catch {
      // Not a Signal address (e.g. a group id): nothing to delete for it.
    }
  }
  if (toDelete.size) await sock.authState.keys.set({ session: Object.fromEntries([...toDelete].map((id) => [id, null])) });
  return existing.size;
}
