/** Our OutgoingContent ↔ Baileys' content shapes, and send failures → EngineSendError. */
import { generateMessageIDV2, toNumber, type AnyMessageContent, type BinaryNode, type ConnectionState, type proto, type WAMessage, type WAMessageKey } from 'baileys';
import { EngineSendError, type ChangeTarget, type EngineContext, type MessageChange, type OutgoingContent, type ReadKey, type SendOptions, type SentMessage } from '../../engine.js';
import { toBaileysJid, toCanonical } from './jids.js';
import { buildVcard } from '../../vcard.js';
import { closeCodeOf } from './reconnect.js';
import type { BaileysSocket } from './socket.js';

function toAnyMessageContent(content: OutgoingContent): AnyMessageContent {
  switch (content.type) {
    case 'text':
      return { text: content.text };
    case 'image':
      return { image: content.data, mimetype: content.mimetype, ...(content.caption && { caption: content.caption }) };
    case 'video':
      return { video: content.data, mimetype: content.mimetype, ...(content.caption && { caption: content.caption }) };
    case 'audio':
      return { audio: content.data, mimetype: content.mimetype, ...(content.isVoiceNote && { ptt: true }) };
    case 'sticker':
      return { sticker: content.data, mimetype: content.mimetype };
    case 'location':
      return {
        location: {
          degreesLatitude: content.latitude,
          degreesLongitude: content.longitude,
          ...(content.name && { name: content.name }),
          ...(content.address && { address: content.address }),
        },
      };
    case 'contact':
      return {
        contacts: {
          displayName: content.contacts.length === 1 ? content.contacts[0]!.name : `${content.contacts.length} contacts`,
          contacts: content.contacts.map((c) => ({ displayName: c.name, vcard: buildVcard(c) })),
        },
      };
    case 'document':
      return {
        document: content.data,
        mimetype: content.mimetype,
        fileName: content.fileName ?? 'file',
        ...(content.caption && { caption: content.caption }),
      };
  }
}

/**
 * What Baileys re-encrypts for a retry receipt. Media cannot be rebuilt without the upload's keys
 * (we do not keep them), so only text (and a media caption as text would mislead) is returned.
 */
function toProtoMessage(content: OutgoingContent): proto.IMessage | undefined {
  return content.type === 'text' ? { conversation: content.text } : undefined;
}

/** The quote preview only needs a key and some content; without our copy an empty text stands in. */
function buildQuoted(remoteJid: string, messageId: string, stored: OutgoingContent | null): WAMessage {
  const message: proto.IMessage = stored
    ? stored.type === 'text'
      ? { conversation: stored.text }
      : { conversation: ('caption' in stored && stored.caption) || ('fileName' in stored && stored.fileName) || `[${stored.type}]` }
    : { conversation: '' };
  // getStoredMessage knows only what we sent: a hit is our own message.
  return { key: { remoteJid, id: messageId, fromMe: stored !== null }, message };
}

export function toSendError(err: unknown): EngineSendError {
  if (err instanceof EngineSendError) return err;
  const code = closeCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 429 || /rate.?over.?limit|rate limit/i.test(message)) return new EngineSendError('rate_limit', message);
  if (code === 428 || /connection closed|not connected/i.test(message)) return new EngineSendError('not_connected', message);
  if (code === 408 || /timed? ?out|ECONN|ENOTFOUND|EAI_AGAIN|socket hang up|network/i.test(message)) {
    return new EngineSendError('network', message);
  }
  if (/not.on.whatsapp|no devices|not-authorized|item-not-found/i.test(message)) return new EngineSendError('not_on_whatsapp', message);
  return new EngineSendError('unknown', message);
}

/** Error codes of a refusing server `<ack>` that say more than "failed". */
const ACK_ERRORS: Record<string, EngineSendError['kind']> = { '429': 'rate_limit', '404': 'not_on_whatsapp' };

type AckOutcome = { kind: 'ack'; node: BinaryNode } | { kind: 'closed' } | { kind: 'timeout' };

/**
 * Baileys resolves `sendMessage` once the stanza is written, before WhatsApp accepted it. Waiting
 * for the server's `<ack>` lets a refusal (rate limit, unknown recipient, restricted account) fail
 * the send instead of surfacing later as a silent ERROR status; a connection that closes first
 * fails it as a network error. No ack in time is not proof of failure: the send then stands.
 */
function awaitServerAck(sock: Pick<BaileysSocket, 'ws' | 'ev'>, messageId: string, timeoutMs: number): { outcome: Promise<AckOutcome>; cancel(): void } {
  let finish: (o: AckOutcome) => void = () => undefined;
  const outcome = new Promise<AckOutcome>((resolve) => (finish = resolve));
  const onFrame = (node: BinaryNode): void => {
    if (node.tag === 'ack' && node.attrs.class === 'message') done({ kind: 'ack', node });
  };
  // However the socket ends (our end(), a stream error, the keep-alive), Baileys reports it here.
  const onUpdate = (u: Partial<ConnectionState>): void => {
    if (u.connection === 'close') done({ kind: 'closed' });
  };
  const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
  timer.unref();
  function done(o: AckOutcome): void {
    clearTimeout(timer);
    sock.ws.off(`TAG:${messageId}`, onFrame);
    sock.ev.off('connection.update', onUpdate);
    finish(o);
  }
  sock.ws.on(`TAG:${messageId}`, onFrame);
  sock.ev.on('connection.update', onUpdate);
  return { outcome, cancel: () => done({ kind: 'timeout' }) };
}

export async function sendOutgoing(
  sock: Pick<BaileysSocket, 'sendMessage' | 'ws' | 'ev' | 'user'>,
  ctx: Pick<EngineContext, 'getStoredMessage'>,
  chatJid: string,
  content: OutgoingContent,
  opts: SendOptions = {},
  ackTimeoutMs = 15_000,
): Promise<SentMessage> {
  const jid = toBaileysJid(chatJid);
  // Our own id, known before sending, so the server's ack can be matched to it.
  const messageId = opts.messageId ?? generateMessageIDV2(sock.user?.id);
  const ack = awaitServerAck(sock, messageId, ackTimeoutMs);
  try {
    const quoted = opts.quotedMessageId
      ? buildQuoted(jid, opts.quotedMessageId, await ctx.getStoredMessage(chatJid, opts.quotedMessageId).catch(() => null))
      : undefined;
    const sent = await sock.sendMessage(jid, toAnyMessageContent(content), { ...(quoted && { quoted }), messageId });
    const outcome = await ack.outcome;
    if (outcome.kind === 'closed') throw new EngineSendError('network', 'The connection to WhatsApp closed before the message was acknowledged');
    const code = outcome.kind === 'ack' ? outcome.node.attrs.error : undefined;
    if (code) throw new EngineSendError(ACK_ERRORS[code] ?? 'unknown', `WhatsApp refused the message (error ${code})`);
    const seconds = sent?.messageTimestamp ? toNumber(sent.messageTimestamp) : 0;
    return { messageId: sent?.key.id ?? messageId, timestamp: seconds > 0 ? new Date(seconds * 1000) : new Date() };
  } catch (err) {
    throw toSendError(err);
  } finally {
    ack.cancel();
  }
}

/** A reaction, an edit or a deletion for everyone, as Baileys sends them (a reaction message, a protocol message). */
export async function sendChange(sock: Pick<BaileysSocket, 'sendMessage'>, chatJid: string, target: ChangeTarget, change: MessageChange): Promise<void> {
  const remoteJid = toBaileysJid(chatJid);
  const key: WAMessageKey = { remoteJid, id: target.messageId, fromMe: target.fromMe, ...(target.participantJid && { participant: toBaileysJid(target.participantJid) }) };
  const content: AnyMessageContent =
    change.kind === 'reaction' ? { react: { text: change.emoji, key } } : change.kind === 'edit' ? { text: change.body, edit: key } : { delete: key };
  try {
    await sock.sendMessage(remoteJid, content);
  } catch (err) {
    throw toSendError(err);
  }
}

export function toReadKeys(chatJid: string, keys: ReadKey[]): WAMessageKey[] {
  const remoteJid = toBaileysJid(chatJid);
  return keys.map((k) => ({
    remoteJid,
    id: k.messageId,
    fromMe: false,
    ...(k.participantJid && { participant: toBaileysJid(k.participantJid) }),
  }));
}

/** Baileys' getMessage: our stored copy, so a retry receipt can be answered with the same content. */
export async function lookupOwnMessage(ctx: Pick<EngineContext, 'getStoredMessage' | 'logger'>, key: WAMessageKey): Promise<proto.IMessage | undefined> {
  if (!key.id) return undefined;
  for (const jid of [key.remoteJid, key.remoteJidAlt]) {
    const chat = toCanonical(jid);
    if (!chat) continue;
    try {
      const stored = await ctx.getStoredMessage(chat, key.id);
      if (stored) return toProtoMessage(stored);
    } catch (err) {
      ctx.logger.warn({ err, messageId: key.id }, 'getMessage lookup failed');
    }
  }
  return undefined;
}
