/**
 * A message's file as rows keep it (metadata and content hashes, never bytes) and as views show
 * it (docs/api.md "Message kinds and fields": `media`), with signed links once it is stored.
 */
import { Type, type Static } from 'typebox';
import type { MediaInfo } from '../whatsapp/engine.js';
import type { MediaLinks } from './media-link.js';

export type MediaState = 'pending' | 'stored' | 'failed' | 'expired';

/** Why a file is not there: too big for MEDIA_MAX_BYTES, not what WhatsApp announced, or not fetched. */
export type MediaError = 'too_large' | 'integrity' | 'download_failed' | 'no_source' | 'not_stored';

/** The `messages.media` column: what the message announced, and where its file stands. */
export interface StoredMedia extends Omit<MediaInfo, 'thumbnail' | 'locator'> {
  /** Older rows (before files were kept) have none: they read as failed, `not_stored`. */
  state?: MediaState;
  error?: MediaError;
  thumbnailSha256?: string;
}

export const MediaViewSchema = Type.Object({
  mimetype: Type.Optional(Type.String()),
  fileName: Type.Optional(Type.String()),
  caption: Type.Optional(Type.String()),
  sizeBytes: Type.Optional(Type.Integer()),
  sha256: Type.Optional(Type.String()),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  durationSec: Type.Optional(Type.Number()),
  isVoiceNote: Type.Optional(Type.Boolean()),
  state: Type.Union([Type.Literal('pending'), Type.Literal('stored'), Type.Literal('failed'), Type.Literal('expired')]),
  error: Type.Optional(Type.String()),
  url: Type.Optional(Type.String({ description: 'The file: the media path with a short-lived signature (works without a header)' })),
  thumbnailUrl: Type.Optional(Type.String({ description: 'The JPEG preview WhatsApp sent, signed likewise' })),
});
export type MediaView = Static<typeof MediaViewSchema>;

/** What a received message announces, as the row keeps it until the file is fetched. */
export function announcedMedia(info: MediaInfo, state: MediaState, error?: MediaError): StoredMedia {
  const { thumbnail: _thumbnail, locator: _locator, ...meta } = info;
  return { ...meta, state, ...(error && { error }) };
}

/**
 * The view of a row's media; `links` adds the signed URLs (message views), without them it is the
 * metadata events carry.
 */
export function mediaView(row: { id: string; sessionId: string; media: unknown }, links?: MediaLinks): MediaView | null {
  const media = row.media as StoredMedia | null;
  if (!media) return null;
  const { thumbnailSha256, state, error, ...meta } = media;
  // A row from before files were kept has no state: its file was never stored.
  const why = error ?? (state ? undefined : 'not_stored');
  const view: MediaView = { ...meta, state: state ?? 'failed', ...(why && { error: why }) };
  if (links && view.state === 'stored') view.url = links.url({ sessionId: row.sessionId, messageRowId: row.id, thumbnail: false });
  if (links && thumbnailSha256) view.thumbnailUrl = links.url({ sessionId: row.sessionId, messageRowId: row.id, thumbnail: true });
  return view;
}
