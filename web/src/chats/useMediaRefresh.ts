/**
 * Fresh views of messages whose file changed. Socket events carry a file's state but never its
 * links (they are signed per view), so when a file is stored, fails or expires, or a signed link
 * has expired, the page of history holding that message is fetched again. Requests of one burst
 * (a photo and a voice note stored together) share one fetch per page.
 */
import { useCallback, useEffect, useRef, type MutableRefObject } from 'react';
import type { Message } from '../api/types';
import { chatsApi } from './api';
import type { UiMessage } from './useMessages';

/** A stale link is asked for again at most this often (a file that keeps failing must not loop). */
const STALE_EVERY_MS = 30_000;

export function useMediaRefresh(opts: {
  sessionId: string;
  chatRowId: string | undefined;
  pageSize: number;
  /** The chat the hook serves now; answers for another are dropped. */
  currentKey: MutableRefObject<string>;
  messages: readonly UiMessage[];
  merge: (items: Message[]) => void;
}): (waMessageId: string, why?: 'changed' | 'stale') => void {
  const { sessionId, chatRowId, pageSize, currentKey, merge } = opts;
  const latest = useRef(opts);
  useEffect(() => {
    latest.current = opts;
  });
  const queue = useRef({ ids: new Set<string>(), timer: undefined as ReturnType<typeof setTimeout> | undefined, askedStale: new Map<string, number>() });

  useEffect(() => {
    const q = queue.current;
    return () => {
      clearTimeout(q.timer);
      q.ids.clear();
      q.askedStale.clear();
    };
  }, [sessionId, chatRowId]);

  const flush = useCallback(async () => {
    const q = queue.current;
    const ids = [...q.ids];
    q.ids.clear();
    if (!chatRowId || ids.length === 0) return;
    const key = currentKey.current;
    // The server pages newest first: a message's page follows from how many are newer than it.
    const newestFirst = latest.current.messages.filter((m) => !m.id.startsWith('local-')).reverse();
    const byPage = new Map<number, string[]>();
    for (const id of ids) {
      const i = newestFirst.findIndex((m) => m.messageId === id);
      const page = i < 0 ? 1 : Math.floor(i / pageSize) + 1;
      byPage.set(page, [...(byPage.get(page) ?? []), id]);
    }
    for (const [page, wanted] of byPage) {
      try {
        let missing = wanted;
        // Messages that arrived since may have pushed it onto the next page: look there too.
        for (const p of [page, page + 1]) {
          const { items } = await chatsApi.messages(sessionId, chatRowId, p, pageSize);
          if (currentKey.current !== key) return;
          merge(items);
          missing = missing.filter((id) => !items.some((m) => m.messageId === id));
          if (missing.length === 0 || items.length < pageSize) break;
        }
      } catch {
        /* the next event, reconnection or reload brings it */
      }
    }
  }, [chatRowId, currentKey, merge, pageSize, sessionId]);

  return useCallback(
    (waMessageId: string, why: 'changed' | 'stale' = 'changed') => {
      const q = queue.current;
      if (why === 'stale') {
        const last = q.askedStale.get(waMessageId) ?? 0;
        if (Date.now() - last < STALE_EVERY_MS) return;
        q.askedStale.set(waMessageId, Date.now());
      }
      q.ids.add(waMessageId);
      clearTimeout(q.timer);
      q.timer = setTimeout(() => void flush(), 120);
    },
    [flush],
  );
}
