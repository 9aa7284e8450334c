import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError } from '../api/client';
import { AttachIcon, CloseIcon, FileIcon, SendIcon } from '../components/Icons';
import { useToast } from '../components/Toasts';
import { chatsApi, type OutgoingFile } from './api';
import type { Outgoing } from './useMessages';

const MAX_BYTES = 16 * 1024 * 1024;

function kindOf(mime: string): OutgoingFile['type'] {
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
  onSend: (o: Outgoing) => void;
  onForbidden: () => void;
  disabled?: boolean;
}) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const toast = useToast();
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

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (file) {
      if (file.size > MAX_BYTES) {
        toast('That file is larger than 16 MB and cannot be sent through WhatsApp.', 'error');
        return;
      }
      try {
        const base64 = await readBase64(file);
        onSend({ kind: 'file', caption: body, file: { type: kindOf(file.type), base64, mimetype: file.type || 'application/octet-stream', fileName: file.name } });
      } catch {
        toast('Could not read that file.', 'error');
        return;
      }
    } else if (body) {
      onSend({ kind: 'text', text: body });
    } else return;
    setText('');
    setFile(null);
    clearTimeout(typing.current.timer);
    if (typing.current.on) setTyping(false);
    textArea.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-label="Reply">
      {file && (
        <div className="file-chip">
          <FileIcon />
          <span className="file-name">{file.name}</span>
          <span className="muted small">{(file.size / 1024).toFixed(0)} KB</span>
          <button type="button" className="icon-btn" aria-label={`Remove attachment ${file.name}`} onClick={() => setFile(null)}>
            <CloseIcon />
          </button>
        </div>
      )}
      <div className="composer-row">
        <input
          ref={fileInput}
          type="file"
          className="visually-hidden"
          aria-label="Choose a file to send"
          tabIndex={-1}
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            if (f && f.size > MAX_BYTES) toast('That file is larger than 16 MB and cannot be sent through WhatsApp.', 'error');
            else setFile(f);
            e.target.value = '';
          }}
        />
        <button type="button" className="icon-btn" aria-label="Attach a file" disabled={disabled} onClick={() => fileInput.current?.click()}>
          <AttachIcon />
        </button>
        <label className="visually-hidden" htmlFor="composer-text">
          {file ? 'Caption' : 'Message'}
        </label>
        <textarea
          id="composer-text"
          ref={textArea}
          rows={1}
          value={text}
          placeholder={disabled ? 'You can read this number but not reply' : file ? 'Add a caption (optional)' : 'Type a message'}
          onChange={(e) => onInput(e.target.value)}
          onKeyDown={onKey}
          disabled={disabled}
          maxLength={65536}
        />
        <button type="submit" className="icon-btn send-btn" aria-label="Send message" disabled={disabled || (!text.trim() && !file)}>
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
