/**
 * The test double's control surface, per linked device: what a phone or a contact would do
 * (scan, write or send files, type, deliver and read, send undecryptable messages) and what the
 * network or WhatsApp would do (drop, replace, log out, refuse sends, forget a file). It mirrors
 * the simulator control API of docs/api.md, so the gateway drives either engine through the same
 * routes.
 */
import { proto } from 'baileys';
import type { SimInbound, SimSentRecord } from '../../src/whatsapp/simulator-control.js';
import { buildVcard } from '../../src/whatsapp/vcard.js';
import { lidFor } from './directory.js';
import type { MediaKind } from './media-crypto.js';
import { contactMediaMessage, MEDIA_KINDS } from './media-phone.js';
import { deviceKey, type Chat, type SendFault } from './messenger.js';
import { node, phoneMessageId, unixNow } from './nodes.js';
import type { WaTestServer } from './server.js';

const ProtocolType = proto.Message.ProtocolMessage.Type;

const digits = (s: string): string => s.split('@')[0]!.split(':')[0]!.replace(/\D/g, '');

class ControlError extends Error {}

/** A location or contact cards, as a phone sends them; undefined for other kinds. */
function structuredMessage(msg: SimInbound): proto.IMessage | undefined {
  if (msg.type === 'location') {
    if (!msg.location) throw new ControlError('A location message needs "location"');
    const { latitude, longitude, name, address } = msg.location;
    return { locationMessage: { degreesLatitude: latitude, degreesLongitude: longitude, ...(name && { name }), ...(address && { address }) } };
  }
  if (msg.type === 'contact') {
    if (!msg.contacts?.length) throw new ControlError('A contact message needs "contacts"');
    const cards = msg.contacts.map((c) => ({ displayName: c.name, vcard: buildVcard(c) }));
    return cards.length === 1 ? { contactMessage: cards[0] } : { contactsArrayMessage: { displayName: `${cards.length} contacts`, contacts: cards } };
  }
  return undefined;
}

export class DeviceControl {
  constructor(
    private readonly server: WaTestServer,
    /** The linked device: `<phone>:<device>@s.whatsapp.net`. */
    private readonly deviceJid: string,
  ) {}

  private get linked() {
    try {
      return this.server.linkedDevice(this.deviceJid);
    } catch (err) {
      throw new ControlError((err as Error).message);
    }
  }

  async inbound(msg: SimInbound): Promise<{ messageId: string }> {
    const { account } = this.linked;
    const contact = this.server.dir.ensureContact(digits(msg.from), msg.fromName);
    let chat: Chat = { kind: 'individual' };
    if (msg.status) chat = { kind: 'status' };
    else if (msg.groupId) {
      const jid = `${digits(msg.groupId)}@g.us`;
      this.server.dir.ensureGroup(jid, msg.groupName, [contact.phone, account.phone]);
      chat = { kind: 'group', jid };
    }
    const structured = structuredMessage(msg);
    if (structured) {
      const messageId = await this.server.messenger.contactWrites(account, contact, structured, { chat, ...(msg.messageId && { id: msg.messageId }), ...(msg.timestamp && { timestamp: msg.timestamp }) });
      return { messageId };
    }
    const kind = msg.type === undefined || msg.type === 'text' || msg.type === 'location' || msg.type === 'contact' ? undefined : msg.type;
    if (kind !== undefined && !MEDIA_KINDS.includes(kind)) throw new ControlError(`Unknown message type "${String(kind)}"`);
    if (kind && !msg.media) throw new ControlError(`A ${kind} message needs "media"`);
    if (!kind && msg.media) throw new ControlError(`"media" needs a "type": ${MEDIA_KINDS.join(', ')}`);
    const id = msg.messageId ?? phoneMessageId();
    const message: proto.IMessage = kind ? await this.mediaMessage(account.phone, id, kind, msg) : { conversation: msg.body };
    const messageId = await this.server.messenger.contactWrites(account, contact, message, {
      chat,
      id,
      ...(msg.timestamp && { timestamp: msg.timestamp }),
    });
    return { messageId };
  }

  private async mediaMessage(account: string, id: string, kind: MediaKind, msg: SimInbound): Promise<proto.IMessage> {
    try {
      return await contactMediaMessage(this.server.media, account, id, kind, msg.media!);
    } catch (err) {
      throw new ControlError((err as Error).message);
    }
  }

  /**
   * A contact's reaction, edit or deletion, as its phone sends them: a reaction message, or a
   * protocol message (MESSAGE_EDIT with the new content, REVOKE), naming the target by its key.
   */
  private async change(messageId: string, from: string, content: (key: proto.IMessageKey) => proto.IMessage): Promise<void> {
    const { account } = this.linked;
    const contact = this.server.dir.ensureContact(digits(from));
    const known = this.server.messenger.chatOf(messageId);
    if (!known) throw new ControlError(`No message ${messageId} is known in this account's chats`);
    const remoteJid = known.chat.kind === 'group' ? known.chat.jid : known.chat.kind === 'status' ? 'status@broadcast' : `${account.phone}@s.whatsapp.net`;
    const key: proto.IMessageKey = { remoteJid, fromMe: known.fromContact, id: messageId, ...(known.chat.kind !== 'individual' && !known.fromContact && { participant: `${account.phone}@s.whatsapp.net` }) };
    await this.server.messenger.contactWrites(account, contact, content(key), { chat: known.chat });
  }

  async reaction(args: { messageId: string; from: string; emoji: string }): Promise<void> {
    await this.change(args.messageId, args.from, (key) => ({ reactionMessage: { key, text: args.emoji, senderTimestampMs: Date.now() } }));
  }

  async edit(args: { messageId: string; from: string; body: string }): Promise<void> {
    await this.change(args.messageId, args.from, (key) => ({
      protocolMessage: { key, type: ProtocolType.MESSAGE_EDIT, editedMessage: { conversation: args.body }, timestampMs: Date.now() },
    }));
  }

  async revoke(args: { messageId: string; from: string }): Promise<void> {
    await this.change(args.messageId, args.from, (key) => ({ protocolMessage: { key, type: ProtocolType.REVOKE } }));
  }

  /** The media host forgets the file of a contact's message; with `reupload` the phone keeps its copy. */
  async expireMedia(args: { messageId: string; reupload: boolean }): Promise<void> {
    const { account } = this.linked;
    if (!(await this.server.media.expireSent(account.phone, args.messageId, args.reupload))) {
      throw new ControlError(`No contact sent a file in message ${args.messageId} to this account`);
    }
  }

  async mediaOutage(args: { down: boolean }): Promise<void> {
    this.server.media.outage = args.down;
  }

  async typing(args: { chatId: string; isTyping: boolean; participantId?: string }): Promise<void> {
    const { conn } = this.linked;
    if (!conn) throw new ControlError('The device is not connected');
    const isGroup = args.chatId.endsWith('@g.us');
    const author = digits(args.participantId ?? args.chatId);
    // WhatsApp only tells a device about contacts it subscribed to on this connection.
    if (!isGroup && !conn.presenceSubscriptions.has(author) && !conn.presenceSubscriptions.has(lidFor(author))) {
      throw new ControlError(`The device has not subscribed to the presence of ${author}`);
    }
    const state = node(args.isTyping ? 'composing' : 'paused');
    conn.send(
      isGroup
        ? node('chatstate', { from: `${digits(args.chatId)}@g.us`, participant: `${author}@s.whatsapp.net` }, [state])
        : node('chatstate', { from: `${author}@s.whatsapp.net` }, [state]),
    );
  }

  async receipt(args: { messageId: string; status: 'delivered' | 'read' }): Promise<void> {
    const { account, device } = this.linked;
    const sent = this.server.messenger.sentMessage(args.messageId);
    if (!sent || sent.deviceKey !== deviceKey(account.phone, device.id)) throw new ControlError(`No message ${args.messageId} was sent by this session`);
    const type = args.status === 'read' ? 'read' : undefined;
    for (const phone of sent.contacts) {
      const attrs = sent.chat.endsWith('@s.whatsapp.net')
        ? { from: sent.chat, id: args.messageId, t: unixNow(), type }
        : { from: sent.chat, participant: `${phone}@s.whatsapp.net`, id: args.messageId, t: unixNow(), type };
      this.server.messenger.deliver(account, device, node('receipt', attrs), false);
    }
  }

  /** `bad_mac`: 1:1 messages whose MAC fails; `bad_decrypt`: status posts whose sender-key ciphertext fails. */
  async decryptErrors(args: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count: number }): Promise<void> {
    const { account } = this.linked;
    const contact = this.server.dir.ensureContact(digits(args.from));
    for (let i = 0; i < args.count; i++) {
      await this.server.messenger.contactWrites(account, contact, { conversation: `undecryptable message ${i + 1}` }, {
        chat: args.kind === 'bad_mac' ? { kind: 'individual' } : { kind: 'status' },
        fault: args.kind,
      });
    }
  }

  async connectionLoss(reason: 'connection_lost' | 'logged_out' | 'replaced'): Promise<void> {
    const { account, device, conn } = this.linked;
    if (reason === 'logged_out') {
      // Removed from the phone's linked devices: the live stream ends with 401, later logins fail.
      this.server.unlink(account, device);
      conn?.end(node('stream:error', { code: '401' }, [node('conflict', { type: 'device_removed' })]));
      return;
    }
    if (!conn) throw new ControlError('The device is not connected');
    if (reason === 'replaced') conn.end(node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
    else conn.terminate();
  }

  async sendFailures(args: { errorType: SendFault; count: number }): Promise<void> {
    const { account, device } = this.linked;
    this.server.messenger.queueFaults(deviceKey(account.phone, device.id), args.errorType, args.count);
  }

  async sent(): Promise<SimSentRecord[]> {
    const { account, device } = this.linked;
    return this.server.messenger.sent(deviceKey(account.phone, device.id));
  }
}
