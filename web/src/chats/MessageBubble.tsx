import type { DeliveryStatus } from '../api/types';
import { FileIcon } from '../components/Icons';
import { timeOf } from '../components/format';
import { Ticks } from '../components/Ticks';
import type { UiMessage } from './useMessages';

const MEDIA_LABEL: Record<string, string> = {
  image: 'Photo',
  video: 'Video',
  audio: 'Audio',
  document: 'Document',
  sticker: 'Sticker',
  location: 'Location',
  contact: 'Contact card',
};

export function MessageBubble({ m, showSender, retried, onRetry }: { m: UiMessage; showSender: boolean; retried: boolean; onRetry: (m: UiMessage) => void }) {
  const status = (m.status ?? null) as DeliveryStatus | null;
  const failed = m.fromMe && status === 'failed';
  const mediaLabel = MEDIA_LABEL[m.messageType];
  const fileName = m.media?.fileName;
  const error = m.local?.error ?? m.errorMessage;
  return (
    <li className={`msg ${m.fromMe ? 'msg-out' : 'msg-in'}${failed ? ' msg-failed' : ''}`} data-status={m.fromMe ? (status ?? 'sent') : undefined}>
      <div className="bubble">
        {showSender && !m.fromMe && m.fromName && <div className="sender">{m.fromName}</div>}
        {mediaLabel && (
          <div className="attachment">
            <FileIcon />
            <span>{fileName ?? mediaLabel}</span>
          </div>
        )}
        {m.isPlaceholder && !m.body && <p className="muted small">This message could not be decrypted yet.</p>}
        {m.body && <p className="body">{m.body}</p>}
        <div className="meta">
          <time dateTime={m.timestamp}>{timeOf(m.timestamp)}</time>
          {m.fromMe && <Ticks status={status} />}
        </div>
      </div>
      {failed && (
        <div className="failed-row" role={retried ? undefined : 'alert'}>
          <span>{retried ? 'Not sent — it was sent again below.' : (error ?? 'Not sent.')}</span>
          {/* A failed file of the history cannot be resent: its content is not kept in the browser. */}
          {!retried && (m.local || (m.body && m.messageType === 'text')) && (
            <button type="button" className="btn btn-sm btn-danger-outline" onClick={() => onRetry(m)}>
              Retry
            </button>
          )}
        </div>
      )}
    </li>
  );
}
