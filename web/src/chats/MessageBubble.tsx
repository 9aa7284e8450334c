import { useEffect, useRef, useState } from 'react';
import type { DeliveryStatus } from '../api/types';
import { CloseIcon, DeletedIcon, FileIcon } from '../components/Icons';
import { phoneOf, timeOf } from '../components/format';
import { Ticks } from '../components/Ticks';
import { ConfirmDelete, EditBox, MessageActions } from './MessageActions';
import { ContactCards, LocationCard } from './MessageCards';
import { MessageMedia, mediaLabel } from './MessageMedia';
import { canAct, type OwnChange } from './ownChanges';
import { Reactions } from './Reactions';
import type { UiMessage } from './useMessages';

const MEDIA_KINDS = new Set(['image', 'video', 'audio', 'document', 'sticker']);
/** Kinds shown as a chip when their card's data is missing (an old row), and files whose media is gone. */
const CHIP_LABEL: Record<string, string> = { location: 'Location', contact: 'Contact card' };

interface BubbleProps {
  m: UiMessage;
  showSender: boolean;
  retried: boolean;
  onRetry: (m: UiMessage) => void;
  /** A file's signed link stopped working: fresh links are needed. */
  onStaleMedia: (m: UiMessage) => void;
  /** Who a WhatsApp id is, in words (for who reacted). */
  nameOf: (waId: string) => string;
  /**
   * Our reaction, edit or deletion; resolves to why it failed, in words, or null. Absent with
   * read-only access: no actions are offered then.
   */
  onChange?: (m: UiMessage, change: OwnChange) => Promise<string | null>;
  /** Opens the chat with a shared contact's number (digits only, `77015550011`). */
  onStartChat?: (digits: string) => void;
}

export function MessageBubble(props: BubbleProps) {
  // Deleted for everyone: the row stays, as a tombstone without its text, file or reactions.
  if (props.m.isDeleted) return <Tombstone m={props.m} showSender={props.showSender} />;
  return <LiveBubble {...props} />;
}

function Tombstone({ m, showSender }: { m: UiMessage; showSender: boolean }) {
  return (
    <li className={`msg ${m.fromMe ? 'msg-out' : 'msg-in'} msg-deleted`}>
      <div className="bubble bubble-deleted">
        {showSender && !m.fromMe && m.fromName && <div className="sender">{m.fromName}</div>}
        <p className="tombstone">
          <DeletedIcon />
          <span>This message was deleted</span>
        </p>
        <div className="meta">
          <time dateTime={m.timestamp}>{timeOf(m.timestamp)}</time>
        </div>
      </div>
    </li>
  );
}

/** What the bubble shows besides itself: nothing, our text being edited, or the step before deleting. */
type Mode = 'idle' | 'editing' | 'confirm-delete';

function LiveBubble({ m, showSender, retried, onRetry, onStaleMedia, nameOf, onChange, onStartChat }: BubbleProps) {
  const [mode, setMode] = useState<Mode>('idle');
  /** Why our last reaction or deletion did not go through. */
  const [actionError, setActionError] = useState<string | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  /** Back to the actions button once the editor or the confirm step closes. */
  const refocus = useRef(false);
  useEffect(() => {
    if (mode === 'idle' && refocus.current) {
      refocus.current = false;
      trigger.current?.focus();
    }
  }, [mode]);
  const done = () => {
    refocus.current = true;
    setMode('idle');
  };
  const act = async (change: OwnChange): Promise<string | null> => {
    if (!onChange) return null;
    setActionError(null);
    return onChange(m, change);
  };

  const status = (m.status ?? null) as DeliveryStatus | null;
  const failed = m.fromMe && status === 'failed';
  const media = m.media;
  const location = m.messageType === 'location' ? m.location : null;
  const contacts = m.messageType === 'contact' && m.contacts?.length ? m.contacts : null;
  // A file without its media (an old row) still says what it was.
  const chip = media || location || contacts ? undefined : (CHIP_LABEL[m.messageType] ?? (MEDIA_KINDS.has(m.messageType) ? mediaLabel(m.messageType, null) : undefined));
  const sticker = m.messageType === 'sticker' && !!media?.url;
  const error = m.local?.error ?? m.errorMessage;
  const who = m.fromMe ? 'you sent' : `from ${m.fromName || phoneOf(m.fromNumber) || 'the contact'}`;
  return (
    <li
      className={`msg ${m.fromMe ? 'msg-out' : 'msg-in'}${failed ? ' msg-failed' : ''}${mode === 'editing' ? ' msg-editing' : ''}`}
      data-status={m.fromMe ? (status ?? 'sent') : undefined}
    >
      <div className="bubble-row">
        <div className={`bubble${media ? ' bubble-media' : ''}${sticker ? ' bubble-sticker' : ''}`}>
          {showSender && !m.fromMe && m.fromName && <div className="sender">{m.fromName}</div>}
          {media && (
            <MessageMedia
              kind={m.messageType}
              media={media}
              who={who}
              own={m.local && (status === 'pending' ? 'sending' : status === 'failed' ? 'failed' : 'sent')}
              preview={m.local?.preview}
              onStale={() => onStaleMedia(m)}
            />
          )}
          {location && <LocationCard location={location} who={who} />}
          {contacts && <ContactCards contacts={contacts} onStartChat={onStartChat} />}
          {chip && (
            <div className="attachment">
              <FileIcon />
              <span>{chip}</span>
            </div>
          )}
          {m.isPlaceholder && !m.body && <p className="muted small">This message could not be decrypted yet.</p>}
          {mode === 'editing' && onChange && m.body ? (
            <EditBox
              initial={m.body}
              onCancel={done}
              onSave={async (text) => {
                const why = await act({ kind: 'edit', text });
                if (!why) done();
                return why;
              }}
            />
          ) : (
            m.body && <p className="body">{m.body}</p>
          )}
          <div className="meta">
            {m.isEdited && (
              <span className="edited" title={m.editedAt ? `Edited at ${timeOf(m.editedAt)}` : undefined}>
                edited
              </span>
            )}
            <time dateTime={m.timestamp}>{timeOf(m.timestamp)}</time>
            {m.fromMe && <Ticks status={status} />}
          </div>
        </div>
        {onChange && mode === 'idle' && canAct(m) && (
          <MessageActions
            m={m}
            triggerRef={trigger}
            onReact={(emoji) => {
              void act({ kind: 'reaction', emoji }).then(setActionError);
            }}
            onEdit={() => setMode('editing')}
            onDelete={() => setMode('confirm-delete')}
          />
        )}
      </div>
      {m.reactions.length > 0 && <Reactions reactions={m.reactions} nameOf={nameOf} />}
      {mode === 'confirm-delete' && onChange && (
        <ConfirmDelete
          onCancel={done}
          onConfirm={async () => {
            const why = await act({ kind: 'revoke' });
            // Deleted: this bubble gives way to the tombstone.
            if (why) {
              setActionError(why);
              done();
            }
          }}
        />
      )}
      {actionError && (
        <div className="action-error" role="alert">
          <span>{actionError}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setActionError(null)}>
            <CloseIcon />
          </button>
        </div>
      )}
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
