/**
 * Media as the phones the server plays handle it: a contact sends a file (encrypted, uploaded to
 * the media host, then announced in a media message), a contact receives one (downloaded by its
 * direct path and checked against everything the message announced), and the account's phone
 * answers a linked device's media retry (uploads the file again when it still has it).
 */
import { normalizeMessageContent, proto, toNumber, type BinaryNode } from 'baileys';
import type { Logger } from 'pino';
import type { SimMedia, SimSentMedia } from '../../src/whatsapp/simulator-control.js';
import { decryptMedia, encryptMedia, openMediaRetryRequest, sealMediaRetryNotification, type MediaKind } from './media-crypto.js';
import type { MediaHost } from './media-host.js';
import { bytes, child, node, unixNow } from './nodes.js';
import { SAMPLE_THUMBNAIL_JPEG as JPEG_THUMBNAIL } from '../../src/whatsapp/engines/simulator/sample-thumbnail.js';

export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'document', 'sticker'];

const FIELD_OF: Record<MediaKind, 'imageMessage' | 'videoMessage' | 'audioMessage' | 'documentMessage' | 'stickerMessage'> = {
  image: 'imageMessage',
  video: 'videoMessage',
  audio: 'audioMessage',
  document: 'documentMessage',
  sticker: 'stickerMessage',
};

/**
 * The message a contact's phone sends for a file: the file is encrypted under a fresh media key
 * and hosted first, and the phone remembers it (for expiry and media retries) under `messageId`.
 */
export async function contactMediaMessage(host: MediaHost, account: string, messageId: string, kind: MediaKind, media: SimMedia): Promise<proto.IMessage> {
  const data = Buffer.from(media.base64, 'base64');
  if (data.length === 0) throw new Error('media.base64 holds no bytes');
  if (!media.mimetype) throw new Error('media.mimetype is required');
  const enc = await encryptMedia(data, kind);
  // Stickers are uploaded as images, as WhatsApp's clients do (MEDIA_PATH_MAP).
  const directPath = await host.store(kind === 'sticker' ? 'image' : kind, enc.encFilePath, 'move');
  host.rememberSent(account, messageId, { kind, mediaKey: enc.mediaKey, directPath });
  const file = {
    url: host.urlOf(directPath),
    directPath,
    mediaKey: enc.mediaKey,
    mediaKeyTimestamp: Number(unixNow()),
    fileSha256: enc.fileSha256,
    fileEncSha256: enc.fileEncSha256,
    fileLength: enc.fileLength,
    mimetype: media.mimetype,
  };
  const caption = media.caption ? { caption: media.caption } : {};
  switch (kind) {
    case 'image':
      return { imageMessage: { ...file, ...caption, jpegThumbnail: JPEG_THUMBNAIL } };
    case 'video':
      return { videoMessage: { ...file, ...caption, jpegThumbnail: JPEG_THUMBNAIL } };
    case 'audio':
      return { audioMessage: { ...file, ptt: media.isVoiceNote === true } };
    case 'document': {
      const fileName = media.fileName ?? 'file';
      return { documentMessage: { ...file, ...caption, fileName, title: fileName } };
    }
    case 'sticker':
      return { stickerMessage: file };
  }
}

/**
 * A contact receives a media message from a linked device: it downloads the file by its direct
 * path and checks fileEncSha256, the MAC, fileSha256 and fileLength. Undefined (with a warning)
 * when the message is no media message or any of that fails.
 */
export async function contactReceivesMedia(host: MediaHost, content: proto.IMessage, logger: Logger): Promise<SimSentMedia | undefined> {
  const message = normalizeMessageContent(content);
  for (const kind of MEDIA_KINDS) {
    const media = message?.[FIELD_OF[kind]];
    if (!media) continue;
    try {
      if (!media.directPath || !media.mediaKey?.length || !media.fileEncSha256?.length || !media.fileSha256?.length) {
        throw new Error('the message does not name its file fully (directPath, mediaKey, fileEncSha256, fileSha256)');
      }
      const body = await host.download(media.directPath);
      const got = await decryptMedia(body, kind, {
        mediaKey: media.mediaKey,
        fileEncSha256: media.fileEncSha256,
        fileSha256: media.fileSha256,
        ...(media.fileLength != null && { fileLength: toNumber(media.fileLength) }),
      });
      return {
        sha256: got.sha256,
        sizeBytes: got.size,
        mimetype: media.mimetype ?? 'application/octet-stream',
        ...(kind === 'document' && message?.documentMessage?.fileName ? { fileName: message.documentMessage.fileName } : {}),
        ...(kind === 'audio' && message?.audioMessage?.ptt ? { isVoiceNote: true } : {}),
      };
    } catch (err) {
      logger.warn({ err, kind, directPath: media.directPath }, 'the contact could not download and decrypt the media a device sent');
      return undefined;
    }
  }
  return undefined;
}

/**
 * The account's phone answers a device's media retry (`<receipt type="server-error">` with its
 * encrypted ServerErrorReceipt and `<rmr>`): a `mediaretry` notification, under the message id,
 * whose MediaRetryNotification is sealed with the message's media key: SUCCESS with the new
 * direct path when it uploaded the file again, NOT_FOUND when it no longer has the file,
 * DECRYPTION_ERROR when the request does not open. A message it never sent a file for gets a
 * bare `<error>`, since without a media key there is nothing to seal.
 */
export async function answerMediaRetry(host: MediaHost, account: string, receipt: BinaryNode): Promise<BinaryNode | undefined> {
  const id = receipt.attrs.id;
  const rmr = child(receipt, 'rmr');
  if (!id || !rmr) return undefined;
  const attrs = { from: `${account}@s.whatsapp.net`, type: 'mediaretry', id, t: unixNow() };
  const rmrNode = node('rmr', { jid: rmr.attrs.jid, from_me: rmr.attrs.from_me, participant: rmr.attrs.participant });
  const Result = proto.MediaRetryNotification.ResultType;
  const sent = host.sent(account, id);
  if (!sent) return node('notification', attrs, [rmrNode, node('error', { code: String(Result.NOT_FOUND) })]);
  let result: proto.MediaRetryNotification.ResultType = Result.SUCCESS;
  const encrypt = child(receipt, 'encrypt');
  if (encrypt) {
    // Baileys notes the media comes back even without this node; when present it must open.
    try {
      const request = openMediaRetryRequest(bytes(child(encrypt, 'enc_p')) ?? Buffer.alloc(0), bytes(child(encrypt, 'enc_iv')) ?? Buffer.alloc(0), sent.mediaKey, id);
      if (request.stanzaId !== id) result = Result.DECRYPTION_ERROR;
    } catch {
      result = Result.DECRYPTION_ERROR;
    }
  }
  const directPath = result === Result.SUCCESS ? await host.reupload(account, id) : undefined;
  if (result === Result.SUCCESS && !directPath) result = Result.NOT_FOUND;
  const sealed = sealMediaRetryNotification({ stanzaId: id, result, ...(directPath && { directPath }) }, sent.mediaKey, id);
  return node('notification', attrs, [rmrNode, node('encrypt', {}, [node('enc_p', {}, sealed.ciphertext), node('enc_iv', {}, sealed.iv)])]);
}
