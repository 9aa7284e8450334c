import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError } from '../api/client';
import { fileSize } from '../components/format';
import { AttachIcon, AudioIcon, CloseIcon, FileIcon, ImageIcon, SendIcon, VideoIcon } from '../components/Icons';
import { chatsApi, type OutgoingFile } from './api';
import type { Outgoing, SendOutcome } from './useMessages';

/** The server's default MEDIA_MAX_BYTES: a larger file is refused before it is read and uploaded. */
const MAX_BYTES = 16 * 1024 * 1024;
const TOO_LARGE = 'That file is larger than 16 MB and cannot be sent through WhatsApp.';
const KIND_ICON = { image: ImageIcon, video: VideoIcon, audio: AudioIcon, document: FileIcon };

/** What WhatsApp shows the file as, from its MIME type (anything else goes as a document). */
export function kindOf(mime: string): OutgoingFile['type'] {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result ?? '');
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('Cannot read the file'));
    r.readAsDataURL(file);
  });
}

export function Composer({
  sessionId,
  chatId,
  onSend,
  onForbidden,
  disabled,
}: {
  sessionId: string;
  chatId: string;
  /** Resolves once the server answered (a file is awaited: the composer shows it sending). */
  onSend: (o: Outgoing) => Promise<SendOutcome>;
  onForbidden: () => void;
  disabled?: boolean;
}) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [sending, setSending] = useState(false);
  const [fileError, setFileError] = useState<string | null>(null);
  const chatKey = useRef('');
  chatKey.current = `${sessionId}/${chatId}`;
  const fileInput = useRef<HTMLInputElement>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const typing = useRef<{ on: boolean; last: number; timer?: ReturnType<typeof setTimeout>; off: boolean }>({ on: false, last: 0, off: false });

  const setTyping = (isTyping: boolean) => {
    const t = typing.current;
    if (t.off) return;
    t.on = isTyping;
    t.last = Date.now();
    chatsApi.typing(sessionId, chatId, isTyping).catch((err: unknown) => {
      t.off = true; // not available (read-only access, number not connected): stop trying
      // The first keystroke tells a read-only manager, before they write a whole reply for nothing.
      if (err instanceof ApiError && err.status === 403) onForbidden();
    });
  };

  useEffect(() => {
    setText('');
    setFile(null);
    setSending(false);
    setFileError(null);
    const t = typing.current;
    return () => {
      clearTimeout(t.timer);
      if (t.on && !t.off) void chatsApi.typing(sessionId, chatId, false).catch(() => undefined);
      t.on = false;
      t.off = false;
    };
  }, [sessionId, chatId]);

  const onInput = (v: string) => {
    setText(v);
    const t = typing.current;
    if (v && (!t.on || Date.now() - t.last > 8000)) setTyping(true);
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      if (typing.current.on) setTyping(false);
    }, 4000);
  };

  const pick = (f: File | null) => {
    setFileError(null);
    if (f && f.size > MAX_BYTES) setFileError(TOO_LARGE);
    else if (f && f.size === 0) setFileError(`${f.name} is empty: there is nothing to send.`);
    else setFile(f);
  };

  const stopTyping = () => {
    clearTimeout(typing.current.timer);
    if (typing.current.on) setTyping(false);
  };

  const sendFile = async (f: File, caption: string) => {
    const here = chatKey.current;
    setSending(true);
    setFileError(null);
    let base64: string;
    try {
      base64 = await readBase64(f);
    } catch {
      setSending(false);
      setFileError('Could not read that file.');
      return;
    }
    const mimetype = f.type.split(';')[0]?.trim() || 'application/octet-stream';
    // The caption goes with the file into its bubble; it comes back if the server refuses the file.
    setText('');
    stopTyping();
    const outcome = await onSend({ kind: 'file', caption, file: { type: kindOf(mimetype), base64, mimetype, fileName: f.name } });
    if (chatKey.current !== here) return;
    setSending(false);
    if (!outcome.ok && outcome.refused) {
      setFileError(outcome.error);
      setText((cur) => cur || caption);
    } else setFile(null);
    textArea.current?.focus();
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (disabled || sending) return;
    const body = text.trim();
    if (file) {
      void sendFile(file, body);
      return;
    }
    if (!body) return;
    void onSend({ kind: 'text', text: body });
    setText('');
    stopTyping();
    textArea.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const FileKind = file ? KIND_ICON[kindOf(file.type)] : FileIcon;
  return (
    <form className="composer" onSubmit={submit} aria-label="Reply" aria-busy={sending}>
      {file && !disabled && (
        <div className={`file-chip${sending ? ' is-sending' : ''}`}>
          <FileKind />
          <span className="file-name">{file.name}</span>
          <span className="muted small" aria-live="polite">
            {sending ? (
              <>
                <span className="spinner" />
                Sending…
              </>
            ) : (
              fileSize(file.size)
            )}
          </span>
          <button type="button" className="icon-btn" aria-label={`Remove attachment ${file.name}`} disabled={sending} onClick={() => pick(null)}>
            <CloseIcon />
          </button>
        </div>
      )}
      {fileError && !disabled && (
        <p className="composer-error" role="alert">
          {fileError}
        </p>
      )}
      <div className="composer-row">
        {/* Read-only access: nothing to attach. */}
        {!disabled && (
          <>
            <input
              ref={fileInput}
              type="file"
              className="visually-hidden"
              aria-label="Choose a file to send"
              tabIndex={-1}
              onChange={(e) => {
                pick(e.target.files?.[0] ?? null);
                e.target.value = '';
              }}
            />
            <button type="button" className="icon-btn" aria-label="Attach a file" disabled={sending} onClick={() => fileInput.current?.click()}>
              <AttachIcon />
            </button>
          </>
        )}
        <label className="visually-hidden" htmlFor="composer-text">
          {file && !disabled ? 'Caption' : 'Message'}
        </label>
        <textarea
          id="composer-text"
          ref={textArea}
          rows={1}
          value={text}
          placeholder={disabled ? 'You can read this number but not reply' : sending ? 'Sending the file…' : file ? 'Add a caption (optional)' : 'Type a message'}
          onChange={(e) => onInput(e.target.value)}
          onKeyDown={onKey}
          disabled={disabled || sending}
          maxLength={65536}
        />
        <button type="submit" className="icon-btn send-btn" aria-label="Send message" disabled={disabled || sending || (!text.trim() && !file)}>
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
