/**
 * Baileys' inbound events → EngineEvents: messages (incl. CIPHERTEXT placeholders and the
 * decrypt-error they signal), delivery statuses, typing and chat names.
 */
import { proto, toNumber, type BaileysEventMap, type WAMessageKey, type WASocket } from 'baileys';
import type { DeliveryStatus, EngineContext, EngineEvent } from '../../engine.js';
import { removeSenderSessions } from './bad-mac.js';
import { classifyDecryptError } from './decrypt-errors.js';
import { lidsOf, resolveChat, resolveSender, toBaileysJid, toCanonical, type PnForLid } from './jids.js';
import type { DecryptLogSignal } from './logger-hook.js';
import type { InboundJournal } from './inbound-journal.js';
import { isCiphertextStub, mapMessageChange, mapWAMessage } from './message-mapper.js';

export type InboundSocket = Pick<WASocket, 'authState' | 'signalRepository' | 'presenceSubscribe' | 'groupMetadata'>;

export interface InboundDeps {
  ctx: EngineContext;
  emit(event: EngineEvent): void;
  /** Delivers and settles once the event is durably handled. */
  deliver(event: EngineEvent): Promise<void>;
  /** Decrypted messages on record until handled (see inbound-journal.ts). */
  journal: Pick<InboundJournal, 'holds' | 'handled'>;
  ownJid(): string | undefined;
  /** Reports a failure of background work (never thrown into Baileys). */
  fail(errorType: string, err: unknown): void;
}

const S = proto.WebMessageInfo.Status;
const STATUS: Partial<Record<number, DeliveryStatus>> = {
  [S.ERROR]: 'failed',
  [S.SERVER_ACK]: 'sent',
  [S.DELIVERY_ACK]: 'delivered',
  [S.READ]: 'read',
  [S.PLAYED]: 'read',
};

/** Remembers recent ids (insertion-ordered, bounded) so two signals of one failure count once. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max = 5000) {}
  /** True the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

/** How long a group's first message waits for the group's subject before it is reported without. */
const GROUP_SUBJECT_WAIT_MS = 3000;

export class InboundTranslator {
  private readonly decryptReported = new RecentIds();
  /** Group subjects by chat id: learned once per engine, then kept current by groups.update. */
  private readonly groupSubjects = new Map<string, Promise<string | undefined>>();
  private presenceSubscribed = new Set<string>();

  constructor(private readonly deps: InboundDeps) {}

  /** Presence subscriptions live per connection. */
  resetConnection(): void {
    this.presenceSubscribed = new Set();
  }

  /** Phone-number forms of the `@lid` ids in these keys, from Baileys' local lid-mapping (no network). */
  private async pnLookup(sock: InboundSocket, keys: WAMessageKey[]): Promise<PnForLid> {
    const lids = [...new Set(keys.flatMap(lidsOf))];
    const found = new Map<string, string>();
    for (const lid of lids) {
      try {
        const pn = toCanonical(await sock.signalRepository.lidMapping.getPNForLID(lid));
        if (pn) found.set(lid, pn);
      } catch {
        // An unknown mapping just keeps the @lid id.
      }
    }
    return (lid) => found.get(lid);
  }

  /** The upserts still being translated: each waits for the one before it. */
  private upserts: Promise<void> = Promise.resolve();

  /**
   * Upserts are translated one after another: translating one may wait (a LID lookup, a group's
   * subject), and a later one must not reach the store first (a chat's order, its last message).
   */
  onUpsert(sock: InboundSocket, event: BaileysEventMap['messages.upsert']): Promise<void> {
    const run = this.upserts.then(() => this.translateUpsert(sock, event));
    this.upserts = run.catch(() => undefined);
    return run;
  }

  private async translateUpsert(sock: InboundSocket, { messages, type }: BaileysEventMap['messages.upsert']): Promise<void> {
    const pnForLid = await this.pnLookup(sock, messages.map((m) => m.key));
    const { journal } = this.deps;
    for (const msg of messages) {
      const id = msg.key.id;
      // A copy of a message we already journaled (redelivered after a crash before its receipt):
      // its ratchet step is taken, so it cannot be decrypted twice, and it is not lost. Not a
      // placeholder (and its error text is not counted either, see decrypt-errors.ts).
      if (isCiphertextStub(msg) && id && journal.holds(id) && classifyDecryptError(String(msg.messageStubParameters?.[0] ?? '')) === 'ignore') continue;
      const origin = msg.key.fromMe ? 'own' : type === 'notify' ? 'live' : 'offline';
      const mapped = mapWAMessage(msg, { origin, ownJid: this.deps.ownJid(), pnForLid });
      if (mapped?.chatKind === 'group') {
        // A new group chat should appear with its name, not be renamed a moment later.
        const subject = await this.groupSubject(sock, mapped.chatJid);
        if (subject) mapped.chatName = subject;
      }
      // A reaction, an edit or a deletion is kept like a message: journaled until it is applied.
      const event: EngineEvent | null = mapped ? { type: 'message', message: mapped } : mapMessageChange(msg, { ownJid: this.deps.ownJid(), pnForLid });
      if (event) {
        // The journal entry goes only once the message is stored; a failure leaves it for the next start.
        this.deps.deliver(event).then(
          () => journal.handled(id),
          (err: unknown) => this.deps.fail('message_store_failed', err),
        );
      } else {
        journal.handled(id);
      }
      // Baileys folds a receipt that arrives while our own send is still buffered into that
      // upsert instead of emitting messages.update: report the status it carries.
      const folded = mapped?.fromMe && typeof msg.status === 'number' ? STATUS[msg.status] : undefined;
      if (mapped && folded && folded !== 'sent') {
        this.deps.emit({ type: 'message-status', messageId: mapped.messageId, chatJid: mapped.chatJid, status: folded, timestamp: new Date() });
      }
      if (isCiphertextStub(msg)) {
        await this.reportDecryptFailure(sock, String(msg.messageStubParameters?.[0] ?? ''), msg.key, [], pnForLid);
        continue;
      }
      if (!mapped || mapped.fromMe) continue;
      if (mapped.chatKind === 'individual') this.subscribePresence(sock, mapped.chatJid);
    }
  }

  async onDecryptLog(sock: InboundSocket, signal: DecryptLogSignal): Promise<void> {
    if (!signal.key) return;
    await this.reportDecryptFailure(sock, signal.detail, signal.key, signal.author ? [signal.author] : []);
  }

  /** One decrypt-error per message id, whichever of the stub and the log line arrives first. */
  private async reportDecryptFailure(
    sock: InboundSocket,
    detail: string,
    key: WAMessageKey,
    deviceJids: string[],
    pnForLid?: PnForLid,
  ): Promise<void> {
    const kind = classifyDecryptError(detail);
    if (kind === 'ignore') return;
    if (key.id && !this.decryptReported.add(key.id)) return;
    const chat = resolveChat(key, pnForLid);
    const senderJid = chat ? resolveSender(key, chat, this.deps.ownJid(), pnForLid) : 'unknown';
    let keysRemoved: number | undefined;
    if (kind === 'bad_mac') {
      const raw = key.participant ? [key.participant, key.participantAlt] : [key.remoteJid, key.remoteJidAlt];
      const jids = [...deviceJids, ...raw, toBaileysJid(senderJid)].filter((j): j is string => !!j && j !== 'unknown');
      try {
        keysRemoved = await removeSenderSessions(sock, this.deps.ctx.auth, [...new Set(jids)]);
      } catch (err) {
        this.deps.fail('bad_mac_cleanup_failed', err);
      }
    }
    this.deps.emit({
      type: 'decrypt-error',
      kind,
      senderJid,
      ...(key.id && { messageId: key.id }),
      detail,
      ...(keysRemoved !== undefined && { keysRemoved }),
    });
  }

  onStatusUpdates(updates: BaileysEventMap['messages.update']): void {
    for (const { key, update } of updates) {
      if (update.status === undefined || update.status === null || !key.id) continue;
      const status = STATUS[update.status];
      const chat = resolveChat(key);
      if (!status || !chat) continue;
      this.deps.emit({ type: 'message-status', messageId: key.id, chatJid: chat.chatJid, status, timestamp: new Date() });
    }
  }

  onReceipts(receipts: BaileysEventMap['message-receipt.update']): void {
    for (const { key, receipt } of receipts) {
      const chat = resolveChat(key);
      if (!chat || !key.id) continue;
      const readAt = receipt.readTimestamp ?? receipt.playedTimestamp;
      const at = readAt ?? receipt.receiptTimestamp;
      if (!at) continue;
      const participantJid = toCanonical(receipt.userJid);
      this.deps.emit({
        type: 'message-status',
        messageId: key.id,
        chatJid: chat.chatJid,
        status: readAt ? 'read' : 'delivered',
        timestamp: new Date(toNumber(at) * 1000),
        ...(participantJid && { participantJid }),
      });
    }
  }

  async onPresence(sock: InboundSocket, { id, presences }: BaileysEventMap['presence.update']): Promise<void> {
    const pnForLid = await this.pnLookup(sock, [{ remoteJid: id, participant: Object.keys(presences)[0] }]);
    const chatJid = resolveChat({ remoteJid: id }, pnForLid)?.chatJid;
    if (!chatJid) return;
    for (const [participant, data] of Object.entries(presences)) {
      const participantJid = resolveSender({ remoteJid: id, participant }, { chatJid }, undefined, pnForLid);
      const isTyping = data.lastKnownPresence === 'composing' || data.lastKnownPresence === 'recording';
      this.deps.emit({ type: 'typing', chatJid, participantJid, isTyping, timestamp: new Date() });
    }
  }

  onGroups(groups: BaileysEventMap['groups.update']): void {
    for (const g of groups) {
      const chatJid = toCanonical(g.id);
      if (!chatJid || !g.subject) continue;
      this.groupSubjects.set(chatJid, Promise.resolve(g.subject));
      this.deps.emit({ type: 'chat-meta', chatJid, name: g.subject });
    }
  }

  /** Typing updates only arrive for contacts we subscribed to on this connection. */
  private subscribePresence(sock: InboundSocket, chatJid: string): void {
    if (this.presenceSubscribed.has(chatJid)) return;
    this.presenceSubscribed.add(chatJid);
    sock.presenceSubscribe(toBaileysJid(chatJid)).catch((err: unknown) => {
      this.presenceSubscribed.delete(chatJid);
      this.deps.ctx.logger.debug({ err, chatJid }, 'presence subscribe failed');
    });
  }

  /** One metadata query per group per engine (a failed one is retried with the next message). */
  private groupSubject(sock: InboundSocket, chatJid: string): Promise<string | undefined> {
    let subject = this.groupSubjects.get(chatJid);
    if (!subject) {
      subject = sock.groupMetadata(toBaileysJid(chatJid)).then(
        (meta) => meta?.subject || undefined,
        (err: unknown) => {
          this.groupSubjects.delete(chatJid);
          this.deps.ctx.logger.debug({ err, chatJid }, 'group metadata failed');
          return undefined;
        },
      );
      this.groupSubjects.set(chatJid, subject);
    }
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), GROUP_SUBJECT_WAIT_MS);
    });
    return Promise.race([subject, giveUp]).finally(() => clearTimeout(timer));
  }
}
