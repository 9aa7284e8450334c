/**
 * Messages between the linked devices and the parties the server plays. Towards a device: every
 * stanza is encrypted for that device, kept until the device acknowledges it, and re-sent as
 * offline at its next login. From a device: each `<to>` is decrypted by the party it names, a file
 * is downloaded and checked by the contact (media-phone.ts), what a contact received is recorded,
 * and the stanza is acknowledged (or refused, when a fault says so).
 */
import { deflateSync } from 'node:zlib';
import { jidDecode, normalizeMessageContent, proto, type BinaryNode } from 'baileys';
import type { Logger } from 'pino';
import type { MessageType } from '../../src/whatsapp/engine.js';
import type { SimSentRecord } from '../../src/whatsapp/simulator-control.js';
import { phonesOfVcard } from '../../src/whatsapp/vcard.js';
import type { Connection } from './connection.js';
import type { AccountRecord, ContactRecord, DeviceRecord, Directory } from './directory.js';
import { resolveUser } from './iq.js';
import type { MediaHost } from './media-host.js';
import { answerMediaRetry, contactReceivesMedia } from './media-phone.js';
import { bytes, child, children, node, phoneMessageId, unixNow } from './nodes.js';
import type { Encrypted, Party } from './party.js';

export type SendFault = 'rate_limit' | 'network' | 'not_on_whatsapp';
export type Chat = { kind: 'individual' } | { kind: 'group'; jid: string } | { kind: 'status' };

export interface Hub {
  readonly dir: Directory;
  readonly logger: Logger;
  readonly media: MediaHost;
  live(deviceKey: string): Connection | undefined;
}

export const deviceKey = (phone: string, device: number): string => `${phone}:${device}`;
const peerOf = (phone: string, device: number): string => `${phone}.${device}`;
const pnJid = (phone: string): string => `${phone}@s.whatsapp.net`;

/** Error codes of the refusing `<ack>`: what WhatsApp answers a throttled or undeliverable message with. */
const FAULT_ACK_ERROR: Record<Exclude<SendFault, 'network'>, string> = { rate_limit: '429', not_on_whatsapp: '404' };

function messageTypeOf(content: proto.IMessage): { body: string | null; type: MessageType } {
  const m = normalizeMessageContent(content) ?? content;
  if (m.conversation != null) return { body: m.conversation, type: 'text' };
  if (m.extendedTextMessage) return { body: m.extendedTextMessage.text ?? null, type: 'text' };
  if (m.imageMessage) return { body: m.imageMessage.caption ?? null, type: 'image' };
  if (m.videoMessage) return { body: m.videoMessage.caption ?? null, type: 'video' };
  if (m.audioMessage) return { body: null, type: 'audio' };
  if (m.documentMessage) return { body: m.documentMessage.caption ?? null, type: 'document' };
  if (m.stickerMessage) return { body: null, type: 'sticker' };
  if (m.locationMessage) return { body: null, type: 'location' };
  if (m.contactMessage || m.contactsArrayMessage) return { body: null, type: 'contact' };
  return { body: null, type: 'unknown' };
}

/** A location or contact cards as the receiving phone shows them. */
function structuredOf(m: proto.IMessage): Pick<Extract<SimSentRecord, { kind: 'message' }>, 'location' | 'contacts'> {
  const content = normalizeMessageContent(m);
  const loc = content?.locationMessage;
  if (loc) return { location: { latitude: loc.degreesLatitude ?? 0, longitude: loc.degreesLongitude ?? 0, ...(loc.name && { name: loc.name }), ...(loc.address && { address: loc.address }) } };
  const cards = content?.contactMessage ? [content.contactMessage] : content?.contactsArrayMessage?.contacts;
  if (cards) return { contacts: cards.map((c) => ({ name: c.displayName ?? '', phones: phonesOfVcard(c.vcard ?? '') })) };
  return {};
}

/** A reaction, an edit or a deletion for everyone, as the receiving phone applies it; undefined for a message. */
function changeOf(m: proto.IMessage): { kind: 'reaction' | 'edit' | 'revoke'; messageId: string; emoji?: string; body?: string } | undefined {
  const content = normalizeMessageContent(m);
  const reaction = content?.reactionMessage;
  if (reaction?.key?.id) return { kind: 'reaction', messageId: reaction.key.id, emoji: reaction.text ?? '' };
  const protocol = content?.protocolMessage;
  if (!protocol?.key?.id) return undefined;
  if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) return { kind: 'revoke', messageId: protocol.key.id };
  if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
    const edited = protocol.editedMessage;
    return { kind: 'edit', messageId: protocol.key.id, body: edited?.conversation ?? edited?.extendedTextMessage?.text ?? '' };
  }
  return undefined;
}

/** A contact's message as its phone keeps it, to send again on a retry receipt. */
interface RecentMessage {
  account: string;
  contact: string;
  message: proto.IMessage;
  chat: Chat;
  t: string;
}

interface SentIndexEntry {
  deviceKey: string;
  /** The chat on the wire: the contact's PN jid, a group or status@broadcast. */
  chat: string;
  contacts: string[];
}

export class Messenger {
  private readonly records = new Map<string, SimSentRecord[]>();
  private readonly sentIndex = new Map<string, SentIndexEntry>();
  private readonly faults = new Map<string, SendFault[]>();
  private readonly recent = new Map<string, RecentMessage>();

  constructor(private readonly hub: Hub) {}

  sent(key: string): SimSentRecord[] {
    return [...(this.records.get(key) ?? [])];
  }

  private record(key: string, r: SimSentRecord): void {
    const list = this.records.get(key) ?? [];
    list.push(r);
    // A bounded log: a long demo must not grow memory without end.
    if (list.length > 5000) list.shift();
    this.records.set(key, list);
  }

  queueFaults(key: string, fault: SendFault, count: number): void {
    const q = this.faults.get(key) ?? [];
    for (let i = 0; i < count; i++) q.push(fault);
    this.faults.set(key, q);
  }

  sentMessage(messageId: string): SentIndexEntry | undefined {
    return this.sentIndex.get(messageId);
  }

  /** Queues a stanza for a device and sends it now if the device is online. */
  deliver(account: AccountRecord, device: DeviceRecord, stanza: BinaryNode, track = true): void {
    if (track) {
      device.pending.push(stanza);
      this.hub.dir.changed();
    }
    this.hub.live(deviceKey(account.phone, device.id))?.send(stanza);
  }

  /** Forgets stanzas the device acknowledged (by receipt, retry receipt or ack). */
  acknowledged(device: DeviceRecord, id: string | undefined): void {
    if (!id) return;
    const before = device.pending.length;
    device.pending = device.pending.filter((s) => s.attrs.id !== id);
    if (device.pending.length !== before) this.hub.dir.changed();
  }

  /**
   * A contact writes to an account: one stanza per linked device, encrypted for that device.
   * `fault` makes it one the device cannot decrypt (a real Bad MAC, or a real bad decrypt).
   */
  async contactWrites(
    account: AccountRecord,
    contact: ContactRecord,
    message: proto.IMessage,
    opts: { id?: string; timestamp?: Date; chat: Chat; fault?: 'bad_mac' | 'bad_decrypt' },
  ): Promise<string> {
    const id = opts.id ?? phoneMessageId();
    const t = String(Math.floor((opts.timestamp ?? new Date()).getTime() / 1000));
    if (!opts.fault) this.remember(id, { account: account.phone, contact: contact.phone, message, chat: opts.chat, t });
    for (const device of Object.values(account.devices)) {
      this.deliver(account, device, await this.stanzaFor(account, device, contact, message, { id, t, chat: opts.chat, ...(opts.fault && { fault: opts.fault }) }));
    }
    return id;
  }

  /** One contact's message, encrypted for one linked device as the contact's phone would. */
  private async stanzaFor(
    account: AccountRecord,
    device: DeviceRecord,
    contact: ContactRecord,
    message: proto.IMessage,
    opts: { id: string; t: string; chat: Chat; fault?: 'bad_mac' | 'bad_decrypt' },
  ): Promise<BinaryNode> {
    const party = this.hub.dir.party(contact.party);
    const peer = peerOf(account.phone, device.id);
    const bundle = () => this.hub.dir.deviceBundle(device);
    const { id, t } = opts;
    const notify = contact.name;
    if (opts.chat.kind === 'individual') {
      const enc = opts.fault === 'bad_mac' ? await party.badMac(peer, message, bundle()) : await party.encrypt(peer, message, bundle);
      return node('message', { from: pnJid(contact.phone), sender_lid: `${contact.lid}@lid`, id, t, type: 'text', notify }, [encNode(enc)]);
    }
    const chatJid = opts.chat.kind === 'group' ? opts.chat.jid : 'status@broadcast';
    const { skdm, skmsg } = await party.encryptGroup(chatJid, peerOf(contact.phone, 0), message, opts.fault === 'bad_decrypt');
    const holders = (contact.senderKeySentTo[chatJid] ??= []);
    const content: BinaryNode[] = [];
    if (!holders.includes(peer)) {
      const distribution = { senderKeyDistributionMessage: { groupId: chatJid, axolotlSenderKeyDistributionMessage: skdm } };
      content.push(encNode(await party.encrypt(peer, distribution, bundle)));
      holders.push(peer);
    }
    content.push(node('enc', { v: '2', type: 'skmsg' }, skmsg));
    return node(
      'message',
      { from: chatJid, participant: pnJid(contact.phone), participant_lid: `${contact.lid}@lid`, id, t, type: 'text', notify, addressing_mode: 'pn' },
      content,
    );
  }

  /**
   * The chat a message was in, as a contact's phone knows it: one a contact sent (`fromMe` from the
   * contact's side), or one this account's device sent.
   */
  chatOf(messageId: string): { chat: Chat; fromContact: boolean } | undefined {
    const recent = this.recent.get(messageId);
    if (recent) return { chat: recent.chat, fromContact: true };
    const sent = this.sentIndex.get(messageId);
    if (!sent) return undefined;
    const chat: Chat = sent.chat === 'status@broadcast' ? { kind: 'status' } : sent.chat.endsWith('@g.us') ? { kind: 'group', jid: sent.chat } : { kind: 'individual' };
    return { chat, fromContact: false };
  }

  private remember(id: string, sent: RecentMessage): void {
    this.recent.set(id, sent);
    // What a contact's phone keeps to answer retry receipts: recent messages only.
    if (this.recent.size > 20_000) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * A device could not decrypt a contact's message and asked for it again (a retry receipt): the
   * contact's phone encrypts it anew for that device (its session was just reset, so a fresh one
   * is built from the device's pre-keys) and sends it again under the same id, as WhatsApp does.
   */
  private async resend(account: AccountRecord, device: DeviceRecord, id: string): Promise<void> {
    const sent = this.recent.get(id);
    const contact = sent && sent.account === account.phone ? this.hub.dir.contact(sent.contact) : undefined;
    if (!sent || !contact) return;
    this.deliver(account, device, await this.stanzaFor(account, device, contact, sent.message, { id, t: sent.t, chat: sent.chat }));
  }

  /** After the first login of a new device, the phone sends the initial history (inline, empty). */
  async historyBootstrap(account: AccountRecord, device: DeviceRecord): Promise<void> {
    const payload = proto.HistorySync.encode({ syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, conversations: [], progress: 100 }).finish();
    const message: proto.IMessage = {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
        historySyncNotification: {
          syncType: proto.Message.HistorySyncType.INITIAL_BOOTSTRAP,
          initialHistBootstrapInlinePayload: deflateSync(payload),
          progress: 100,
        },
      },
    };
    const party = this.hub.dir.party(account.phoneParty);
    const enc = await party.encrypt(peerOf(account.phone, device.id), message, () => this.hub.dir.deviceBundle(device));
    this.deliver(account, device, node('message', { from: pnJid(account.phone), id: phoneMessageId(), t: unixNow(), type: 'text', category: 'peer' }, [encNode(enc)]));
  }

  /** A message stanza from a linked device. */
  async fromDevice(conn: Connection, stanza: BinaryNode): Promise<void> {
    const { account, device } = conn.linked!;
    const key = deviceKey(account.phone, device.id);
    const id = stanza.attrs.id!;
    const to = stanza.attrs.to ?? '';
    const toSelf = jidDecode(to)?.user === account.phone || jidDecode(to)?.user === account.lid;
    const fault = toSelf ? undefined : this.faults.get(key)?.shift();
    if (fault === 'network') {
      conn.terminate();
      return;
    }
    if (fault) {
      conn.send(node('ack', { class: 'message', id, from: to, t: unixNow(), error: FAULT_ACK_ERROR[fault] }));
      return;
    }
    const sender = peerOf(account.phone, device.id);
    const isGroup = to.endsWith('@g.us') || to === 'status@broadcast';
    const contacts: ContactRecord[] = [];
    let content: proto.Message | undefined;
    for (const target of children(child(stanza, 'participants'), 'to')) {
      const enc = child(target, 'enc');
      const who = resolveUser(this.hub.dir, target.attrs.jid ?? '');
      const ct = bytes(enc);
      if (!who || !enc || !ct || (jidDecode(target.attrs.jid ?? '')?.device ?? 0) !== 0) continue;
      const contact = who.kind === 'contact' ? this.hub.dir.contact(who.phone) : undefined;
      const party: Party = contact ? this.hub.dir.party(contact.party) : this.hub.dir.party(this.hub.dir.account(who.phone)!.phoneParty);
      try {
        const plain = await party.decrypt(sender, enc.attrs.type ?? 'msg', ct);
        if (plain.senderKeyDistributionMessage?.axolotlSenderKeyDistributionMessage) {
          await party.receiveSenderKey(to, sender, plain.senderKeyDistributionMessage.axolotlSenderKeyDistributionMessage);
        }
        if (contact) {
          contacts.push(contact);
          if (!isGroup) content = plain;
        }
      } catch (err) {
        this.hub.logger.warn({ err, to: target.attrs.jid, id }, 'a party could not decrypt what the device sent');
      }
    }
    const skmsg = children(stanza, 'enc').find((e) => e.attrs.type === 'skmsg');
    if (isGroup && skmsg) {
      const members = to === 'status@broadcast' ? contacts : (this.hub.dir.group(to)?.participants ?? []).map((p) => this.hub.dir.contact(p)).filter((c): c is ContactRecord => !!c);
      for (const c of members) {
        try {
          content = await this.hub.dir.party(c.party).decryptGroup(to, sender, bytes(skmsg)!);
          if (!contacts.includes(c)) contacts.push(c);
        } catch (err) {
          this.hub.logger.debug({ err, contact: c.phone }, 'group message not decryptable by this member');
        }
      }
    }
    const delivered = !toSelf && contacts.length > 0;
    // The contact fetches a file before the ack: a sender that waits for the ack finds the record complete.
    const media = delivered && content ? await contactReceivesMedia(this.hub.media, content, this.hub.logger) : undefined;
    conn.send(node('ack', { class: 'message', id, from: to, t: unixNow() }));
    if (!delivered) return;
    const chat = isGroup ? to : pnJid(jidDecode(to)!.user);
    const change = content ? changeOf(content) : undefined;
    if (change) {
      // A reaction, an edit or a deletion: what the contact's phone now shows for that message.
      this.record(key, { ...change, chatId: canonical(chat), at: new Date().toISOString() });
      return;
    }
    const { body, type } = content ? messageTypeOf(content) : { body: null, type: 'unknown' as MessageType };
    this.sentIndex.set(id, { deviceKey: key, chat, contacts: contacts.map((c) => c.phone) });
    // Receipts are played for recent messages; a long demo must not grow this without end.
    if (this.sentIndex.size > 50_000) this.sentIndex.delete(this.sentIndex.keys().next().value!);
    this.record(key, { kind: 'message', messageId: id, to: canonical(chat), body, messageType: type, ...(media && { media }), ...(content && structuredOf(content)), at: new Date().toISOString() });
  }

  /**
   * A receipt stanza from a linked device: read receipts are recorded, retries reset the sender,
   * a media retry (`server-error`) is answered by the phone.
   */
  fromDeviceReceipt(conn: Connection, stanza: BinaryNode): void {
    const { account, device } = conn.linked!;
    const ids = [stanza.attrs.id!, ...children(child(stanza, 'list'), 'item').map((i) => i.attrs.id!)];
    for (const id of ids) this.acknowledged(device, id);
    const type = stanza.attrs.type;
    const chat = stanza.attrs.to ?? '';
    if (type === 'read' || type === 'read-self') {
      this.record(deviceKey(account.phone, device.id), { kind: 'read-receipt', chatId: canonical(chat), messageIds: ids, at: new Date().toISOString() });
    }
    if (type === 'retry') {
      // The device could not decrypt: the sender starts over with a fresh session next time.
      const author = jidDecode(stanza.attrs.participant ?? chat);
      const contact = author?.user ? (this.hub.dir.contact(author.user) ?? this.hub.dir.contactByLid(author.user)) : undefined;
      if (contact) {
        const peer = peerOf(account.phone, device.id);
        this.hub.dir.party(contact.party).forgetSession(peer);
        for (const holders of Object.values(contact.senderKeySentTo)) {
          const at = holders.indexOf(peer);
          if (at >= 0) holders.splice(at, 1);
        }
        this.resend(account, device, stanza.attrs.id!).catch((err: unknown) => this.hub.logger.warn({ err, id: stanza.attrs.id }, 'could not resend after a retry receipt'));
      }
    }
    if (type === 'server-error') {
      answerMediaRetry(this.hub.media, account.phone, stanza).then(
        (notification) => notification && this.deliver(account, device, notification),
        (err: unknown) => this.hub.logger.warn({ err, id: stanza.attrs.id }, 'the phone could not answer a media retry'),
      );
    }
    conn.send(node('ack', { class: 'receipt', id: stanza.attrs.id, from: chat, ...(type && { type }) }));
  }

  recordPresence(conn: Connection, stanza: BinaryNode): void {
    const { account, device } = conn.linked!;
    const state = children(stanza)[0]?.tag;
    if (state !== 'composing' && state !== 'paused') return;
    this.record(deviceKey(account.phone, device.id), { kind: 'presence', chatId: canonical(stanza.attrs.to ?? ''), state, at: new Date().toISOString() });
  }
}

const encNode = (e: Encrypted): BinaryNode => node('enc', { v: '2', type: e.type }, e.ciphertext);

/** The API's canonical chat id: `<digits>@c.us`, groups and status as they are. */
function canonical(jid: string): string {
  const d = jidDecode(jid);
  if (!d?.user) return jid;
  return d.server === 's.whatsapp.net' ? `${d.user}@c.us` : `${d.user}@${d.server}`;
}
