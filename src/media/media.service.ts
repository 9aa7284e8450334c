/**
 * Serving a message's file: who may (a reader of the session, or a signed link to exactly this
 * file), which bytes (the file or WhatsApp's thumbnail), and what to call it.
 */
import type { Logger } from 'pino';
import type { MessagesRepository } from '../messages/messages.repository.js';
import type { AccessClaims } from '../auth/tokens.js';
import type { AccessPolicy } from '../managers/access-policy.js';
import { mediaErrors } from './media.errors.js';
import type { MediaLinks } from './media-link.js';
import type { MediaStorage } from './media-storage.js';
import type { StoredMedia } from './media-view.js';

export interface MediaFile {
  sha256: string;
  sizeBytes: number;
  mimetype: string;
  fileName: string | undefined;
  open(range?: { start: number; end: number }): ReturnType<MediaStorage['get']>;
}

export type MediaRequester = { caller: AccessClaims } | { link: { exp: number; sig: string } };

const EXTENSION: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
};

export function createMediaService(deps: { messages: Pick<MessagesRepository, 'findIn'>; policy: AccessPolicy; storage: MediaStorage; links: MediaLinks; logger: Logger }) {
  return {
    /** `messageId` is our row id or the WhatsApp id (a signed link always names the row). */
    async open(who: MediaRequester, sessionId: string, messageId: string, thumbnail: boolean): Promise<MediaFile> {
      let scopedSessionId = sessionId;
      if ('caller' in who) {
        scopedSessionId = (await deps.policy.scope(who.caller, sessionId, 'read')).id;
      } else if (!deps.links.verify({ sessionId, messageRowId: messageId, thumbnail }, who.link.exp, who.link.sig)) {
        throw mediaErrors.media_link_invalid();
      }
      const row = await deps.messages.findIn({ sessionId: scopedSessionId }, messageId, 'caller' in who);
      const media = row?.media as StoredMedia | null | undefined;
      const sha256 = thumbnail ? media?.thumbnailSha256 : media?.state === 'stored' ? media.sha256 : undefined;
      if (!row || !media || !sha256) throw mediaErrors.media_not_found();
      const stat = await deps.storage.stat(sha256);
      if (!stat) {
        deps.logger.error({ sessionId, messageId: row.id, sha256 }, 'a stored file is missing from media storage');
        throw mediaErrors.media_not_found();
      }
      const mimetype = thumbnail ? 'image/jpeg' : (media.mimetype?.split(';')[0]?.trim() ?? 'application/octet-stream');
      const ext = EXTENSION[mimetype];
      const fileName = thumbnail ? `${row.waMessageId}-thumbnail.jpg` : (media.fileName ?? (ext ? `${row.messageType}-${row.waMessageId}.${ext}` : undefined));
      return { sha256, sizeBytes: stat.sizeBytes, mimetype, fileName, open: (range) => deps.storage.get(sha256, range) };
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
