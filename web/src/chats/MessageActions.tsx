/**
 * What can be done to a message after it was sent, from its bubble: a small button beside it
 * (shown on hover and focus, always in the tab order, and always shown, faded, on touch screens)
 * opens a menu with quick reactions and, for our own messages, "Edit" (text, within WhatsApp's
 * 15 minutes) and "Delete for everyone". The inline editor and the confirm step live here too.
 * Read-only users get none of this: the bubble does not render it.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import { EditIcon, MessageActionsIcon, TrashIcon } from '../components/Icons';
import { canEdit, ourReaction, QUICK_REACTIONS } from './ownChanges';
import type { UiMessage } from './useMessages';

const ITEMS = '[role="menuitem"], [role="menuitemradio"]';

export function MessageActions({
  m,
  triggerRef,
  onReact,
  onEdit,
  onDelete,
}: {
  m: UiMessage;
  triggerRef: Ref<HTMLButtonElement>;
  /** `""` removes our reaction. */
  onReact: (emoji: string) => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  /** When the menu was opened (whether "Edit" is still offered is decided then), or null when closed. */
  const [openedAt, setOpenedAt] = useState<number | null>(null);
  const [above, setAbove] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const open = openedAt !== null;
  const mine = ourReaction(m);

  const close = (refocus: boolean) => {
    setOpenedAt(null);
    if (refocus) wrap.current?.querySelector<HTMLButtonElement>('.msg-actions-btn')?.focus();
  };

  // Below the bubble when there is room in the list, above it otherwise; then in view.
  useLayoutEffect(() => {
    const el = menu.current;
    if (!open || !el) return;
    const row = (el.offsetParent ?? el.parentElement) as HTMLElement | null;
    const box = el.closest('.messages')?.getBoundingClientRect() ?? { top: 0, bottom: window.innerHeight };
    if (row) {
      const r = row.getBoundingClientRect();
      const need = el.offsetHeight + 8;
      const below = box.bottom - r.bottom;
      const up = r.top - box.top;
      setAbove(below < need && up > below);
    }
  }, [open]);

  useEffect(() => {
    const el = menu.current;
    if (!open || !el) return;
    el.scrollIntoView?.({ block: 'nearest' });
    const first = el.querySelector<HTMLElement>('[aria-checked="true"]') ?? el.querySelector<HTMLElement>(ITEMS);
    first?.focus();
    // A press anywhere else closes the menu (focus stays where the press put it).
    const outside = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpenedAt(null);
    };
    document.addEventListener('pointerdown', outside, true);
    return () => document.removeEventListener('pointerdown', outside, true);
  }, [open]);

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>(ITEMS) ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => items[(i + items.length) % items.length]?.focus();
    if (e.key === 'Escape') close(true);
    else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(-1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const editable = openedAt !== null && canEdit(m, openedAt);
  return (
    <div
      className="msg-actions"
      ref={wrap}
      // Focus leaving for another element (Tab, a click elsewhere) closes the menu.
      onBlur={(e) => {
        if (open && e.relatedTarget && !wrap.current?.contains(e.relatedTarget as Node)) setOpenedAt(null);
      }}
    >
      <button
        ref={triggerRef}
        type="button"
        className="icon-btn msg-actions-btn"
        aria-label="Message actions"
        title={m.fromMe ? 'React, edit or delete' : 'React'}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? close(false) : setOpenedAt(Date.now()))}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpenedAt(Date.now());
          }
        }}
      >
        <MessageActionsIcon />
      </button>
      {open && (
        <div id={menuId} ref={menu} className={`msg-menu${above ? ' msg-menu-above' : ''}`} role="menu" aria-label="Message actions" onKeyDown={onMenuKey}>
          <div className="msg-menu-reactions" role="group" aria-label="React">
            {QUICK_REACTIONS.map((emoji) => (
              <button
                key={emoji}
                type="button"
                role="menuitemradio"
                aria-checked={mine === emoji}
                aria-label={`React with ${emoji}`}
                title={mine === emoji ? 'Remove your reaction' : undefined}
                tabIndex={-1}
                className="msg-menu-emoji"
                onClick={() => {
                  close(true);
                  onReact(mine === emoji ? '' : emoji);
                }}
              >
                {emoji}
              </button>
            ))}
          </div>
          {m.fromMe && (
            <>
              <div role="separator" className="msg-menu-sep" />
              {editable && (
                <button
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  className="msg-menu-item"
                  onClick={() => {
                    setOpenedAt(null);
                    onEdit();
                  }}
                >
                  <EditIcon />
                  Edit
                </button>
              )}
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                className="msg-menu-item danger-text"
                onClick={() => {
                  setOpenedAt(null);
                  onDelete();
                }}
              >
                <TrashIcon />
                Delete for everyone
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** Our text, in place of the bubble's body: Enter saves, Shift+Enter a new line, Esc cancels. */
export function EditBox({ initial, onSave, onCancel }: { initial: string; onSave: (text: string) => Promise<string | null>; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const errorId = useId();

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = async () => {
    if (saving) return;
    const body = text.trim();
    if (!body) {
      setError('A message cannot be empty. To remove it, delete it for everyone instead.');
      return;
    }
    if (body === initial.trim()) {
      onCancel();
      return;
    }
    setSaving(true);
    setError(null);
    const failed = await onSave(body);
    if (!failed) return; // the bubble closes the editor
    setSaving(false);
    setError(failed);
    area.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      if (!saving) onCancel();
    }
  };

  return (
    <form
      className="edit-box"
      aria-label="Edit message"
      aria-busy={saving}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        ref={area}
        aria-label="Edited message"
        aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        aria-invalid={error ? true : undefined}
        rows={1}
        value={text}
        maxLength={65536}
        readOnly={saving}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        onKeyDown={onKey}
      />
      {error && (
        <p id={errorId} className="edit-error" role="alert">
          {error}
        </p>
      )}
      <div className="edit-actions">
        <span id={hintId} className="edit-hint">
          Enter to save · Esc to cancel
        </span>
        <button type="button" className="btn btn-sm btn-ghost" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={saving || !text.trim()}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/** The step before deleting for everyone: the safe choice has the focus. */
export function ConfirmDelete({ onConfirm, onCancel }: { onConfirm: () => Promise<void>; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const textId = useId();
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      className="confirm-row"
      role="group"
      aria-labelledby={textId}
      aria-busy={busy}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) {
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <span id={textId}>Delete this message for everyone?</span>
      <span className="confirm-buttons">
        <button ref={cancel} type="button" className="btn btn-sm" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-sm btn-danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onConfirm().finally(() => setBusy(false));
          }}
        >
          {busy ? 'Deleting…' : 'Delete'}
        </button>
      </span>
    </div>
  );
}
