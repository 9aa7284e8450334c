/**
 * A message's file, by kind: a photo inline (enlarged on click), a sticker, an audio or voice note
 * player, a video player, a document to download. Until the file is stored it says where it stands:
 * downloading, sending, failed (and why), or gone from WhatsApp. Links are signed and short-lived:
 * when one stops working `onStale` asks for fresh ones.
 */
import { useState, type CSSProperties, type ReactNode } from 'react';
import type { MessageMedia as Media } from '../api/types';
import { duration, fileSize } from '../components/format';
import { AudioIcon, DownloadIcon, FileIcon, ImageIcon, MicIcon, VideoIcon } from '../components/Icons';
import { Lightbox } from './Lightbox';
import './media.css';

const KIND_LABEL: Record<string, string> = { image: 'Photo', video: 'Video', audio: 'Audio', document: 'Document', sticker: 'Sticker' };

/** `Photo`, `Voice note`, `Document`…: what the file is, in words. */
export function mediaLabel(kind: string, media: Media | null | undefined): string {
  if (kind === 'audio' && media?.isVoiceNote) return 'Voice note';
  return KIND_LABEL[kind] ?? 'File';
}

const FAILURE: Record<string, string> = {
  too_large: "File is larger than the server's limit",
  integrity: 'File did not match what WhatsApp announced',
  download_failed: 'Could not be downloaded',
  no_source: 'Could not be downloaded',
  not_stored: 'Not stored (received before files were kept)',
};

/** Why the file cannot be shown, in words; null when it can (or soon will). */
export function unavailableText(media: Media): string | null {
  if (media.state === 'expired') return 'No longer available on WhatsApp';
  if (media.state === 'failed') return FAILURE[media.error ?? ''] ?? 'Could not be downloaded';
  return null;
}

const KIND_ICON: Record<string, () => ReactNode> = { image: ImageIcon, sticker: ImageIcon, video: VideoIcon, audio: AudioIcon };
const iconOf = (kind: string, media: Media) => (kind === 'audio' && media.isVoiceNote ? MicIcon : (KIND_ICON[kind] ?? FileIcon));

/** A box of the photo's own proportions when WhatsApp announced them. */
function ratioOf(media: Media): CSSProperties | undefined {
  return media.width && media.height ? { aspectRatio: `${media.width} / ${media.height}` } : undefined;
}

/** `PDF · 120 KB` */
function docDetails(media: Media): string {
  const ext = media.fileName?.includes('.') ? media.fileName.split('.').pop() : media.mimetype?.split('/')[1]?.split(/[;+]/)[0];
  return [ext && ext.length <= 8 ? ext.toUpperCase() : '', fileSize(media.sizeBytes)].filter(Boolean).join(' · ');
}

export function MessageMedia({
  kind,
  media,
  who,
  own,
  preview,
  onStale,
}: {
  /** The message type (`image`, `audio`…). */
  kind: string;
  media: Media;
  /** `from Maria Lopez` or `you sent`, for text alternatives. */
  who: string;
  /** Our own file sent from this tab, before the server's copy is linked: on its way, refused, or accepted. */
  own?: 'sending' | 'failed' | 'sent';
  /** Our own photo as a data: URL, shown until the server's copy is linked. */
  preview?: string;
  onStale: () => void;
}) {
  const label = mediaLabel(kind, media);
  const name = `${label} ${who}`;
  if (media.url) {
    const url = media.url;
    // Keyed by the link: a fresh link (after onStale) starts over.
    if (kind === 'image') return <PhotoMedia key={url} url={url} media={media} alt={name} preview={preview} onStale={onStale} />;
    if (kind === 'sticker') return <img key={url} className="media-sticker" src={url} alt={name} loading="lazy" onError={onStale} />;
    if (kind === 'audio') return <AudioMedia key={url} url={url} media={media} name={name} onStale={onStale} />;
    if (kind === 'video')
      return <video key={url} className="media-video" controls preload="metadata" src={url} poster={media.thumbnailUrl} aria-label={name} style={ratioOf(media)} onError={onStale} />;
    return <DocumentMedia url={url} media={media} label={label} />;
  }

  const visual = kind === 'image' || kind === 'video' || kind === 'sticker';
  const problem = own === 'failed' ? 'Not sent' : own ? null : unavailableText(media);
  const status = own === 'sending' ? 'Sending…' : own === 'sent' ? null : (problem ?? (media.state === 'stored' ? 'Loading…' : 'Downloading…'));
  const busy = status !== null && !problem;
  const Icon = iconOf(kind, media);
  if (visual) {
    const picture = preview ?? media.thumbnailUrl;
    return (
      <div
        className={`media-placeholder${kind === 'sticker' ? ' is-sticker' : ''}${problem ? ' is-problem' : ''}${picture ? ' has-picture' : ''}${ratioOf(media) ? ' is-sized' : ''}`}
        style={ratioOf(media)}
        role="img"
        aria-label={status ? `${name}: ${status}` : name}
      >
        {picture && <img src={picture} alt="" className={preview ? undefined : 'blurred'} />}
        {status && (
          <span className="media-status" aria-hidden="true">
            {busy && <span className="spinner" />}
            {status}
          </span>
        )}
      </div>
    );
  }
  return (
    <div className={`media-file${problem ? ' is-problem' : ''}`} role="group" aria-label={status ? `${name}: ${status}` : name}>
      <span className="media-file-icon">
        <Icon />
      </span>
      <span className="media-file-text">
        <span className="media-file-name">{kind === 'audio' ? label : (media.fileName ?? label)}</span>
        <span className="small">
          {busy && <span className="spinner" />}
          {[status, problem ? '' : fileSize(media.sizeBytes)].filter(Boolean).join(' · ')}
        </span>
      </span>
    </div>
  );
}

function PhotoMedia({ url, media, alt, preview, onStale }: { url: string; media: Media; alt: string; preview?: string; onStale: () => void }) {
  const [loaded, setLoaded] = useState(false);
  const [broken, setBroken] = useState(false);
  const [open, setOpen] = useState(false);
  // Until the file loads: our own photo as it was sent, or WhatsApp's small preview, blurred.
  const thumb = loaded ? undefined : (preview ?? media.thumbnailUrl);
  const sized = ratioOf(media);
  if (broken) {
    return (
      <div className="media-placeholder is-problem" style={sized} role="img" aria-label={`${alt}: could not be shown`}>
        <span className="media-status">Could not show this photo</span>
      </div>
    );
  }
  return (
    <>
      <button
        type="button"
        className={`media-image${sized ? ' is-sized' : ''}${!loaded && !thumb && !sized ? ' is-empty' : ''}`}
        style={sized}
        aria-label={`Enlarge: ${alt}`}
        onClick={() => setOpen(true)}
      >
        {thumb && <img className={preview ? 'media-thumb' : 'media-thumb blurred'} src={thumb} alt="" aria-hidden="true" />}
        <img
          className={loaded ? 'media-full' : 'media-full is-loading'}
          src={url}
          alt={alt}
          onLoad={() => setLoaded(true)}
          onError={() => {
            setBroken(true);
            onStale();
          }}
        />
      </button>
      {open && <Lightbox src={url} alt={alt} onClose={() => setOpen(false)} />}
    </>
  );
}

function AudioMedia({ url, media, name, onStale }: { url: string; media: Media; name: string; onStale: () => void }) {
  const [seconds, setSeconds] = useState(media.durationSec);
  const Icon = media.isVoiceNote ? MicIcon : AudioIcon;
  const length = duration(seconds);
  return (
    <div className="media-audio">
      <div className="media-audio-head">
        <Icon />
        <span className="media-file-name">{media.isVoiceNote ? 'Voice note' : (media.fileName ?? 'Audio')}</span>
        {length && <span className="muted small">{length}</span>}
      </div>
      <audio
        controls
        preload="metadata"
        src={url}
        aria-label={length ? `${name}, ${length}` : name}
        onLoadedMetadata={(e) => {
          const d = e.currentTarget.duration;
          if (Number.isFinite(d) && d > 0) setSeconds(d);
        }}
        onError={onStale}
      />
    </div>
  );
}

function DocumentMedia({ url, media, label }: { url: string; media: Media; label: string }) {
  const fileName = media.fileName ?? label;
  const details = docDetails(media);
  return (
    <a className="media-file media-doc" href={url} download={media.fileName ?? ''} aria-label={`Download ${fileName}${details ? `, ${details}` : ''}`}>
      <span className="media-file-icon">
        <FileIcon />
      </span>
      <span className="media-file-text">
        <span className="media-file-name">{fileName}</span>
        {details && <span className="small">{details}</span>}
      </span>
      <DownloadIcon />
    </a>
  );
}
