/**
 * The inbound journal: nothing WhatsApp was told we received is ever lost.
 *
 * Baileys decrypts a message (committing the Signal ratchet), sends the delivery receipt, and only
 * then emits `messages.upsert` — possibly much later, from its event buffer. A crash in between
 * loses a message WhatsApp will never send again, and whose ratchet step cannot be replayed.
 *
 * So each decryption writes the decrypted stanza to the journal inside the same key-store
 * transaction as the ratchet change (one database transaction): the ratchet never advances
 * without the plaintext on record, and the receipt, which Baileys sends after decryption returns,
 * always follows the journal entry. An entry is removed once the message it carries has been
 * handled (stored); at the next start, what is left is decoded again through Baileys' own
 * `decryptMessageNode` with the plaintext in place of the ciphertext, and handled like an
 * offline message. Ingest is idempotent, so a message handled twice is stored once.
 */
import {
  addTransactionCapability,
  BufferJSON,
  cleanMessage,
  decryptMessageNode,
  DEFAULT_CONNECTION_CONFIG,
  unpadRandomMax16,
  type BinaryNode,
  type SignalKeyStore,
  type SignalRepositoryWithLIDStore,
  type SocketConfig,
  type WAMessage,
} from 'baileys';
import type { AuthStateStore } from '../../engine.js';
import type { BaileysLogger } from './logger-hook.js';

/** The key-store type the entries are kept under (wa_auth_keys), so they commit with the keys. */
export const JOURNAL_KEY_TYPE = 'inbound-journal';

type MakeSignalRepository = SocketConfig['makeSignalRepository'];

/** A stanza as journaled: its decrypted children carry the (still padded) plaintext. */
interface JournalEntry {
  attrs: BinaryNode['attrs'];
  content: BinaryNode[];
  /** Indexes of `content` holding plaintext that still has its random padding. */
  padded: number[];
}

interface Watched {
  entry: JournalEntry;
  index: number;
}

export interface InboundJournalOptions {
  store: AuthStateStore;
  logger: BaileysLogger;
  /** Most journaled messages not yet handled before decryption waits (back-pressure). */
  maxBacklog?: number;
}

export class InboundJournal {
  /** From a stanza's ciphertext to its journal draft: decryption only gets the ciphertext. */
  private readonly watched = new WeakMap<Uint8Array, Watched>();
  /** Ids journaled and not yet handled. */
  private readonly backlog = new Set<string>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly toRemove = new Set<string>();
  private removeTimer: NodeJS.Timeout | undefined;
  private removing: Promise<void> = Promise.resolve();
  private readonly maxBacklog: number;

  constructor(private readonly opts: InboundJournalOptions) {
    this.maxBacklog = opts.maxBacklog ?? 2000;
  }

  /** Whether a message is journaled and not yet handled (a later decrypt failure of it is no loss). */
  holds(messageId: string): boolean {
    return this.backlog.has(messageId);
  }

  /** Called for every incoming message stanza before Baileys decrypts it. */
  watch(stanza: BinaryNode): void {
    if (!stanza.attrs.id || !Array.isArray(stanza.content)) return;
    const entry: JournalEntry = { attrs: { ...stanza.attrs }, content: [...stanza.content], padded: [] };
    stanza.content.forEach((child, index) => {
      if (child.tag === 'enc' && child.content instanceof Uint8Array) this.watched.set(child.content, { entry, index });
    });
  }

  /** Baileys' signal repository, with every decryption journaled in its own key-store transaction. */
  wrap(make: MakeSignalRepository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository): MakeSignalRepository {
    return (auth, logger, pnToLid) => {
      const inner = make(auth, logger, pnToLid);
      const keys = auth.keys;
      // Baileys hands its transaction-capable store here; without one, nothing could be journaled atomically.
      if (!('transaction' in keys)) throw new Error('the signal key store has no transactions: the inbound journal cannot be kept');
      const journaled = async (ciphertext: Uint8Array, txKey: string, decrypt: () => Promise<Uint8Array>): Promise<Uint8Array> => {
        const watched = this.watched.get(ciphertext);
        if (!watched) return decrypt();
        await this.room();
        return keys.transaction(async () => {
          const plaintext = await decrypt();
          const { entry, index } = watched;
          const child = entry.content[index]!;
          entry.content[index] = { tag: 'plaintext', attrs: { ...child.attrs }, content: Buffer.from(plaintext) };
          if (!entry.padded.includes(index)) entry.padded.push(index);
          const id = entry.attrs.id!;
          // Not a Signal key type; the store keeps it beside them, in the same transaction.
          // A snapshot: the entry may grow with the stanza's next decryption. The store serializes it.
          await keys.set({ [JOURNAL_KEY_TYPE]: { [id]: { ...entry, content: [...entry.content], padded: [...entry.padded] } } } as never);
          this.backlog.add(id);
          return plaintext;
        }, txKey);
      };
      const repository: SignalRepositoryWithLIDStore = {
        ...inner,
        decryptMessage: (o) => journaled(o.ciphertext, o.jid, () => inner.decryptMessage(o)),
        decryptGroupMessage: (o) => journaled(o.msg, o.group, () => inner.decryptGroupMessage(o)),
      };
      return repository;
    };
  }

  /** The message is handled (stored, or deliberately not kept): its entry goes, in a batch with others. */
  handled(messageId: string | null | undefined): void {
    if (!messageId || !this.backlog.delete(messageId)) return;
    this.roomWaiters.shift()?.();
    this.toRemove.add(messageId);
    this.removeTimer ??= setTimeout(() => void this.flushRemovals(), 50);
  }

  /** Removes handled entries now; resolves when they are gone. */
  async flushRemovals(): Promise<void> {
    if (this.removeTimer) clearTimeout(this.removeTimer);
    this.removeTimer = undefined;
    const ids = [...this.toRemove];
    this.toRemove.clear();
    if (ids.length > 0) {
      this.removing = this.removing
        .then(() => this.opts.store.setKeys({ [JOURNAL_KEY_TYPE]: Object.fromEntries(ids.map((id) => [id, null])) }))
        .catch((err: unknown) => this.opts.logger.warn({ err, count: ids.length }, 'could not remove handled journal entries; they will be replayed once'));
    }
    await this.removing;
  }

  /**
   * The messages journaled before this start and never handled, decoded as Baileys decodes a
   * stanza (`me` ids from the credentials). An entry that no longer decodes is dropped with a log
   * line rather than replayed forever.
   */
  async pending(me: { id: string; lid?: string | null }, auth: { creds: Parameters<MakeSignalRepository>[0]['creds']; keys: SignalKeyStore }): Promise<WAMessage[]> {
    const ids = await this.opts.store.listKeyIds(JOURNAL_KEY_TYPE, '');
    if (ids.length === 0) return [];
    const keys = addTransactionCapability(auth.keys, this.opts.logger, DEFAULT_CONNECTION_CONFIG.transactionOpts);
    const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: auth.creds, keys }, this.opts.logger);
    // Plaintext is not decrypted again, and the sender keys the journaled distribution messages carried are already stored.
    const replaying: SignalRepositoryWithLIDStore = { ...repository, processSenderKeyDistributionMessage: async () => undefined };
    const out: WAMessage[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const rows = await this.opts.store.getKeys(JOURNAL_KEY_TYPE, ids.slice(i, i + 200));
      for (const [id, text] of Object.entries(rows)) {
        try {
          const entry = JSON.parse(text, BufferJSON.reviver) as JournalEntry;
          const content = entry.content.map((child, index) =>
            entry.padded.includes(index) ? { ...child, content: unpadRandomMax16(child.content as Uint8Array) } : child,
          );
          const { fullMessage, decrypt } = decryptMessageNode({ tag: 'message', attrs: entry.attrs, content }, me.id, me.lid ?? '', replaying, this.opts.logger);
          await decrypt();
          cleanMessage(fullMessage, me.id, me.lid ?? '');
          this.backlog.add(id);
          out.push(fullMessage);
        } catch (err) {
          this.opts.logger.error({ err, messageId: id }, 'a journaled message could not be decoded again; dropping it');
          this.toRemove.add(id);
        }
      }
    }
    await this.flushRemovals();
    return out;
  }

  /** Waits while too many journaled messages are not yet handled, so a slow database slows WhatsApp, not memory. */
  private async room(): Promise<void> {
    while (this.backlog.size >= this.maxBacklog) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Wakes anything waiting (the connection is going away). */
  release(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
