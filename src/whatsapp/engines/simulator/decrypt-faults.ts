import type { AuthStateStore } from '../../engine.js';
import type { EventHub } from '../../event-hub.js';
import { toCanonicalJid } from '../../jid.js';
import { newWaMessageId } from '../../message-id.js';

/**
 * Messages from a contact the device cannot decrypt, as the real engine reports them: a placeholder
 * per message, then the decrypt error; a Bad MAC first removes the contact's Signal session, as
 * the Baileys engine's cleanup does.
 */
export async function playDecryptFaults(
  deps: { auth: AuthStateStore; hub: EventHub; contactSessions: Set<string>; connected: () => boolean },
  args: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count: number },
): Promise<void> {
  const senderJid = toCanonicalJid(args.from);
  const user = senderJid.split('@')[0]!;
  for (let i = 0; i < args.count && deps.connected(); i++) {
    const messageId = newWaMessageId();
    let keysRemoved: number | undefined;
    if (args.kind === 'bad_mac') {
      deps.contactSessions.delete(user);
      const ids = await deps.auth.listKeyIds('session', `${user}.`);
      if (ids.length) await deps.auth.setKeys({ session: Object.fromEntries(ids.map((id) => [id, null])) });
      keysRemoved = ids.length;
    }
    const detail = args.kind === 'bad_mac' ? 'Bad MAC' : 'InvalidMessageException: bad decrypt';
    await deps.hub.deliver({
      type: 'message',
      message: {
        messageId,
        chatJid: senderJid,
        chatKind: 'individual',
        fromMe: false,
        senderJid,
        body: null,
        messageType: 'ciphertext',
        timestamp: new Date(),
        isPlaceholder: true,
        origin: 'live',
      },
    });
    await deps.hub.deliver({ type: 'decrypt-error', kind: args.kind, senderJid, messageId, detail, ...(keysRemoved !== undefined && { keysRemoved }) });
  }
}
