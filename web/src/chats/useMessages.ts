/**
 * The messages of one open chat: history pages (newest first from the server, shown oldest
 * first), live arrivals, delivery ticks, reactions, edits and deletions as they happen, our
 * own sends with optimistic bubbles and retry, and our own reactions, edits and deletions.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/client';
import type { Chat, DeliveryStatus, Message, MessageAfterwards, MessageMedia } from '../api/types';
import { useReconnect, useSocketEvent } from '../realtime/socket';
import { chatsApi, type OutgoingFile } from './api';
import { changeErrorText, type OwnChange } from './ownChanges';
import { base64Bytes, isRefusal, sendErrorText } from './sendErrors';
import { uid } from './uid';
import { useMediaRefresh } from './useMediaRefresh';

const PAGE = 30;
const RANK: Record<DeliveryStatus, number> = { failed: -1, pending: 0, sent: 1, delivered: 2, read: 3 };

export type Outgoing = { kind: 'text'; text: string } | { kind: 'file'; file: OutgoingFile; caption: string };

/** How a send ended: `refused` means the server will not take that file (too large, invalid); no bubble is left. */
export type SendOutcome = { ok: true } | { ok: false; error: string; refused: boolean };

export interface UiMessage extends Message {
  /** Stable React key; our optimistic bubbles have no server id until the send answers. */
  key: string;
  /** Our own send from this tab: what to send again, and our photo as a data: URL to show meanwhile. */
  local?: { outgoing: Outgoing; idempotencyKey: string; error?: string; preview?: string };
}

/** Statuses only move forward; `failed` only replaces `pending`. */
function advance(cur: DeliveryStatus | null, next: DeliveryStatus): DeliveryStatus | null {
  if (next === 'failed') return cur === 'pending' || cur === null ? 'failed' : cur;
  if (cur === null || cur === 'failed') return next;
  return RANK[next] > RANK[cur] ? next : cur;
}

/**
 * The newer of two views of one file. A page fetched before the file was stored may answer after
 * one fetched since (or after the socket said it is stored): it must not take the file back to
 * "downloading" nor drop its links.
 */
function newerMedia(old: MessageMedia | null, next: MessageMedia | null): MessageMedia | null {
  if (old && next && next.state === 'pending' && old.state !== 'pending') return old;
  if (old?.url && next?.state === 'stored' && !next.url) return { ...next, url: old.url, thumbnailUrl: next.thumbnailUrl ?? old.thumbnailUrl };
  return next;
}

/**
 * What a page fetched before an edit or a deletion (and answering after the event that told it)
 * must not undo: a deletion is final, and an older view does not bring back the earlier text.
 */
function newerContent(old: UiMessage, next: UiMessage): Partial<UiMessage> {
  if (old.isDeleted && !next.isDeleted) return { isDeleted: true, deletedAt: old.deletedAt, body: null, media: null, reactions: [] };
  if (old.isEdited && old.editedAt && !next.isDeleted && (!next.isEdited || (next.editedAt ?? '') < old.editedAt)) {
    return { body: old.body, isEdited: true, editedAt: old.editedAt };
  }
  return {};
}

/** A message nothing has happened to yet (our own sends, live arrivals). */
const UNTOUCHED: MessageAfterwards = { reactions: [], isEdited: false, editedAt: null, isDeleted: false, deletedAt: null };

const fromServer = (m: Message): UiMessage => ({ ...m, key: m.id });
const byTime = (a: UiMessage, b: UiMessage) => a.timestamp.localeCompare(b.timestamp);

export function useMessages(sessionId: string, chat: Chat | undefined, onForbidden: () => void) {
  const chatRowId = chat?.id;
  const [messages, setMessages] = useState<UiMessage[]>([]);
  const [page, setPage] = useState(0);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = `${sessionId}/${chatRowId ?? ''}`;
  const currentKey = useRef(key);
  currentKey.current = key;
  /** Receipts that arrived before we knew the WhatsApp id of our message. */
  const early = useRef(new Map<string, DeliveryStatus>());

  const merge = useCallback((incoming: UiMessage[]) => {
    setMessages((list) => {
      const byId = new Map(list.map((m) => [m.id, m]));
      const next = [...list];
      for (const m of incoming) {
        const old = byId.get(m.id);
        if (old) {
          const i = next.indexOf(old);
          next[i] = {
            ...old,
            ...m,
            key: old.key,
            status: m.status && old.status ? advance(old.status, m.status) : (m.status ?? old.status),
            media: newerMedia(old.media, m.media),
            ...newerContent(old, m),
          };
        } else next.push(m);
      }
      return next.sort(byTime);
    });
  }, []);

  const loadPage = useCallback(
    async (p: number) => {
      if (!chatRowId) return;
      const k = key;
      setLoading(true);
      try {
        const { items, pagination } = await chatsApi.messages(sessionId, chatRowId, p, PAGE);
        if (currentKey.current !== k) return;
        merge(items.map(fromServer));
        setPage(p);
        setHasMore(pagination ? p * PAGE < pagination.total : items.length === PAGE);
        setError(null);
      } catch (err) {
        if (currentKey.current === k) setError(errorText(err));
      } finally {
        if (currentKey.current === k) setLoading(false);
      }
    },
    [chatRowId, key, merge, sessionId],
  );

  useEffect(() => {
    setMessages([]);
    setPage(0);
    setHasMore(true);
    setError(null);
    early.current.clear();
    void loadPage(1);
  }, [key, loadPage]);

  useReconnect(() => void loadPage(1));

  const mergeServer = useCallback((items: Message[]) => merge(items.map(fromServer)), [merge]);
  const refreshMedia = useMediaRefresh({ sessionId, chatRowId, pageSize: PAGE, currentKey, messages, merge: mergeServer });
  /** A file's signed link stopped working (it expired): fetch fresh links for it. */
  const staleMedia = useCallback(
    (m: UiMessage) => {
      if (m.messageId) refreshMedia(m.messageId, 'stale');
    },
    [refreshMedia],
  );

  const loadOlder = useCallback(() => {
    if (!loading && hasMore) void loadPage(page + 1);
  }, [hasMore, loadPage, loading, page]);

  useSocketEvent('whatsapp:new-message', (e) => {
    if (e.sessionId !== sessionId || e.chat.id !== chatRowId) return;
    const m: UiMessage = {
      ...UNTOUCHED,
      ...e.message,
      key: e.message.id,
      isRead: e.message.fromMe,
      managerId: e.message.managerId ?? null,
      createdAt: e.message.timestamp,
      status: e.message.status ?? (e.message.fromMe ? 'sent' : null),
      media: e.message.media ?? null,
      location: e.message.location ?? null,
      contacts: e.message.contacts ?? null,
      quotedMessageId: null,
      isPlaceholder: false,
      errorMessage: null,
    };
    setMessages((list) => {
      if (list.some((x) => x.id === m.id)) return list;
      // Our own send, echoed before its HTTP answer: bind it to the optimistic bubble.
      if (m.fromMe) {
        const i = list.findIndex((x) => x.local && !x.messageId && x.status === 'pending' && (x.body ?? '') === (m.body ?? ''));
        if (i >= 0) {
          const next = [...list];
          const cur = list[i] as UiMessage;
          next[i] = { ...cur, id: m.id, messageId: m.messageId, status: advance(cur.status, m.status ?? 'sent') };
          return next;
        }
      }
      return [...list, m].sort(byTime);
    });
  });

  // A message changed after it was sent: reactions (the full new list), an edit or a deletion for
  // everyone are merged into it as they come. A file that was stored, failed or expired has no
  // links in the event (they are signed per view): its state shows at once and the message's page
  // is fetched again for them.
  useSocketEvent('whatsapp:message-updated', (e) => {
    if (e.sessionId !== sessionId || e.chatId !== chatRowId) return;
    const { media, ...changes } = e.changes;
    setMessages((list) =>
      list.map((m) => {
        // A deletion is final: nothing said later about the message applies.
        if (m.messageId !== e.messageId || m.isDeleted) return m;
        const next: UiMessage = { ...m, ...changes };
        if (next.isDeleted) return { ...next, body: null, media: null, reactions: [] };
        if (media === null) next.media = null;
        else if (media) {
          const keepUrl = media.state === 'stored' ? m.media?.url : undefined;
          next.media = { ...m.media, ...media, url: keepUrl, thumbnailUrl: m.media?.thumbnailUrl };
        }
        return next;
      }),
    );
    if (media && !changes.isDeleted) refreshMedia(e.messageId);
  });

  useSocketEvent('whatsapp:message-status', (e) => {
    if (e.sessionId !== sessionId) return;
    setMessages((list) => {
      if (!list.some((m) => m.messageId === e.messageId)) {
        early.current.set(e.messageId, e.status);
        return list;
      }
      return list.map((m) => (m.messageId === e.messageId ? { ...m, status: advance(m.status, e.status) } : m));
    });
  });

  useSocketEvent('whatsapp:send-error', (e) => {
    if (e.sessionId !== sessionId || e.chatId !== chatRowId) return;
    setMessages((list) => {
      const i = list.findIndex((x) => x.local && x.status === 'pending' && (x.body ?? '') === e.messageText);
      if (i < 0) return list;
      const next = [...list];
      const cur = list[i] as UiMessage;
      next[i] = { ...cur, status: 'failed', local: cur.local && { ...cur.local, error: e.message } };
      return next;
    });
  });

  const attempt = useCallback(
    async (localKey: string, outgoing: Outgoing, idempotencyKey: string, firstTry: boolean): Promise<SendOutcome> => {
      if (!chatRowId) return { ok: false, error: 'No chat is open.', refused: false };
      try {
        const res =
          outgoing.kind === 'text'
            ? await chatsApi.sendText(sessionId, chatRowId, outgoing.text, idempotencyKey)
            : await chatsApi.sendFile(sessionId, chatRowId, outgoing.file, outgoing.caption, idempotencyKey);
        const earlyStatus = early.current.get(res.messageId);
        setMessages((list) => {
          const dup = list.find((m) => m.id === res.id && m.key !== localKey);
          const mine = list.find((m) => m.key === localKey);
          if (!mine) return list;
          let status = advance(mine.status, 'sent');
          if (dup?.status) status = advance(status, dup.status);
          if (earlyStatus) status = advance(status, earlyStatus);
          const updated: UiMessage = { ...mine, id: res.id, messageId: res.messageId, timestamp: res.timestamp, status, local: mine.local && { ...mine.local, error: undefined } };
          return list.filter((m) => m !== dup).map((m) => (m.key === localKey ? updated : m)).sort(byTime);
        });
        // Our file is stored with the message: its view has the signed link to show it from.
        if (outgoing.kind === 'file') refreshMedia(res.messageId);
        return { ok: true };
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) onForbidden();
        const text = sendErrorText(err);
        // A file the server will never take (too large, invalid) is not left as a bubble: the
        // composer keeps it and says why.
        if (firstTry && outgoing.kind === 'file' && isRefusal(err)) {
          setMessages((list) => list.filter((m) => m.key !== localKey));
          return { ok: false, error: text, refused: true };
        }
        const definitive = !(err instanceof ApiError && err.status === 0);
        setMessages((list) =>
          list.map((m) =>
            m.key === localKey
              ? {
                  ...m,
                  status: 'failed',
                  // After a network error the send may have gone through: a retry reuses the key so the
                  // server answers with the first result. After a definitive failure, a retry is a new send.
                  local: { ...m.local, outgoing, idempotencyKey: definitive ? uid() : idempotencyKey, error: text },
                }
              : m,
          ),
        );
        return { ok: false, error: text, refused: false };
      }
    },
    [chatRowId, onForbidden, refreshMedia, sessionId],
  );

  const send = useCallback(
    (outgoing: Outgoing): Promise<SendOutcome> => {
      if (!chatRowId) return Promise.resolve({ ok: false, error: 'No chat is open.', refused: false });
      const localKey = `local-${uid()}`;
      const idempotencyKey = uid();
      const now = new Date().toISOString();
      const body = outgoing.kind === 'text' ? outgoing.text : outgoing.caption || null;
      const file = outgoing.kind === 'file' ? outgoing.file : undefined;
      const optimistic: UiMessage = {
        key: localKey,
        id: localKey,
        messageId: '',
        fromMe: true,
        fromNumber: '',
        fromName: null,
        body,
        messageType: file ? file.type : 'text',
        timestamp: now,
        isRead: true,
        managerId: null,
        createdAt: now,
        status: 'pending',
        media: file ? { mimetype: file.mimetype, fileName: file.fileName, sizeBytes: base64Bytes(file.base64), state: 'pending' } : null,
        location: null,
        contacts: null,
        quotedMessageId: null,
        isPlaceholder: false,
        errorMessage: null,
        ...UNTOUCHED,
        local: { outgoing, idempotencyKey, ...(file?.type === 'image' && { preview: `data:${file.mimetype};base64,${file.base64}` }) },
      };
      setMessages((list) => [...list, optimistic]);
      return attempt(localKey, outgoing, idempotencyKey, true);
    },
    [attempt, chatRowId],
  );

  const retry = useCallback(
    (m: UiMessage) => {
      if (m.local) {
        const { outgoing, idempotencyKey } = m.local;
        setMessages((list) => list.map((x) => (x.key === m.key && x.local ? { ...x, status: 'pending', local: { ...x.local, error: undefined } } : x)));
        void attempt(m.key, outgoing, idempotencyKey, false);
      } else if (m.body) {
        // A failed message from history: send its text again and hide the failed copy.
        setMessages((list) => list.filter((x) => x.key !== m.key));
        void send({ kind: 'text', text: m.body });
      }
    },
    [attempt, send],
  );

  /**
   * Our reaction, edit or deletion for everyone. The message as the server answers it is applied at
   * once (its `whatsapp:message-updated` says the same, to the other tabs too). Resolves to why it
   * failed, in words, or null.
   */
  const change = useCallback(
    async (m: UiMessage, c: OwnChange): Promise<string | null> => {
      if (!chatRowId) return 'No chat is open.';
      const k = key;
      try {
        const view =
          c.kind === 'reaction'
            ? await chatsApi.react(sessionId, chatRowId, m.id, c.emoji)
            : c.kind === 'edit'
              ? await chatsApi.edit(sessionId, chatRowId, m.id, c.text)
              : await chatsApi.revoke(sessionId, chatRowId, m.id);
        if (currentKey.current === k) merge([fromServer(view)]);
        return null;
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) onForbidden();
        return changeErrorText(err, c.kind);
      }
    },
    [chatRowId, key, merge, onForbidden, sessionId],
  );

  return { messages, loading, error, hasMore, loadOlder, send, retry, staleMedia, change };
}
