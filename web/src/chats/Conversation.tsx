import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { ApiError } from '../api/client';
import type { Chat } from '../api/types';
import { Avatar } from '../components/Avatar';
import { dayLabel, phoneOf } from '../components/format';
import { BackIcon } from '../components/Icons';
import { navigate } from '../components/router';
import { chatsApi } from './api';
import { Composer } from './Composer';
import { MessageBubble } from './MessageBubble';
import { retriedFailures } from './retried';
import { useMessages, type UiMessage } from './useMessages';

export const chatTitle = (c: Chat) => c.chatName || phoneOf(c.chatId) || 'Unknown contact';

export function Conversation({
  sessionId,
  chat,
  typing,
  readOnly,
  onForbidden,
  onBack,
  onRead,
  onLastOwn,
}: {
  sessionId: string;
  chat: Chat;
  typing: boolean;
  /** Known to have read access only: the composer is disabled, messages offer no actions, nothing is marked read. */
  readOnly: boolean;
  /** The server answered 403 to a write (typing, mark read, send, a reaction, edit or deletion). */
  onForbidden: () => void;
  onBack: () => void;
  onRead: (chatRowId: string) => void;
  onLastOwn: (waMessageId: string | null) => void;
}) {
  const { messages, loading, error, hasMore, loadOlder, send, retry, staleMedia, change } = useMessages(sessionId, chat, onForbidden);
  const list = useRef<HTMLDivElement>(null);
  const items = useRef<HTMLOListElement>(null);
  const firstKey = useRef<string | undefined>(undefined);
  const prevHeight = useRef(0);
  const stick = useRef(true);
  const lastTop = useRef(0);
  const title = chatTitle(chat);

  // Who reacted, in words: the contact of a one-to-one chat, a group member by the name their
  // messages carry, anyone else by their number.
  const senders = useMemo(() => {
    const byId = new Map<string, string>();
    for (const m of messages) if (!m.fromMe && m.fromName) byId.set(m.fromNumber, m.fromName);
    if (!chat.isGroup) byId.set(chat.chatId, title);
    return byId;
  }, [chat.chatId, chat.isGroup, messages, title]);
  const nameOf = useCallback((waId: string) => senders.get(waId) ?? (phoneOf(waId) || waId), [senders]);

  // Mark as read when the chat is open, on screen and has unread messages. A message that arrives
  // while the tab is in the background stays unread until the user comes back to it.
  useEffect(() => {
    if (readOnly || chat.unreadCount <= 0) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const mark = (): void => {
      if (document.visibilityState !== 'visible') return;
      chatsApi
        .markRead(sessionId, chat.id)
        .then(() => onRead(chat.id))
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 403) onForbidden();
        });
    };
    // A short delay: flicking through chats should not mark each one read.
    const schedule = (): void => {
      clearTimeout(t);
      if (document.visibilityState === 'visible') t = setTimeout(mark, 300);
    };
    schedule();
    document.addEventListener('visibilitychange', schedule);
    return () => {
      clearTimeout(t);
      document.removeEventListener('visibilitychange', schedule);
    };
  }, [chat.id, chat.unreadCount, onForbidden, onRead, readOnly, sessionId]);

  // Tell the simulator panel which of our messages is the latest (for receipts).
  const lastOwn = [...messages].reverse().find((m) => m.fromMe && m.messageId);
  const lastOwnId = lastOwn?.messageId ?? null;
  useEffect(() => onLastOwn(lastOwnId), [lastOwnId, onLastOwn]);

  // Scrolling: keep the bottom in view for new messages; keep the position when older ones load.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const first = messages[0]?.key;
    if (firstKey.current && first !== firstKey.current && prevHeight.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
    firstKey.current = first;
    prevHeight.current = el.scrollHeight;
  }, [messages, typing]);

  useEffect(() => {
    stick.current = true;
    firstKey.current = undefined;
  }, [chat.id]);

  // Photos and players take their size once their file loads, after the list was laid out: while
  // the bottom is in view it stays in view. (Growth above the view is the browser's scroll anchoring.)
  useEffect(() => {
    const el = list.current;
    const inner = items.current;
    if (!el || !inner || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
      prevHeight.current = el.scrollHeight;
    });
    ro.observe(inner);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    // Near the bottom sticks; only scrolling up unsticks. A scroll event that merely follows a photo
    // growing the list (after the list was scrolled down for it) must not leave the bottom behind.
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 80) stick.current = true;
    else if (el.scrollTop < lastTop.current) stick.current = false;
    lastTop.current = el.scrollTop;
    prevHeight.current = el.scrollHeight;
    if (el.scrollTop < 60 && hasMore && !loading && messages.length > 0) loadOlder();
  };

  // A shared contact's number: the inbox finds its chat by the number (InboxPage).
  const startChat = useCallback((digits: string) => navigate({ page: 'inbox', sessionId, chatId: digits }), [sessionId]);
  const onRetry = (m: UiMessage) => {
    stick.current = true;
    retry(m);
  };

  const retried = retriedFailures(messages);
  let lastDay = '';
  return (
    <section className="conversation" aria-label={`Conversation with ${title}`}>
      <header className="conv-head">
        <button type="button" className="icon-btn back-btn" aria-label="Back to chats" onClick={onBack}>
          <BackIcon />
        </button>
        <Avatar name={title} size={38} />
        <div className="conv-title">
          <h2>{title}</h2>
          <p className={typing ? 'typing' : 'muted'} aria-live="polite">
            {typing ? 'typing…' : chat.isGroup ? 'Group' : phoneOf(chat.chatId)}
          </p>
        </div>
      </header>
      <div className="messages" ref={list} onScroll={onScroll}>
        {hasMore && messages.length > 0 && (
          <div className="load-older">
            <button type="button" className="btn btn-ghost btn-sm" onClick={loadOlder} disabled={loading}>
              {loading ? 'Loading…' : 'Load older messages'}
            </button>
          </div>
        )}
        {error && (
          <p className="banner banner-error" role="alert">
            Could not load messages: {error}
          </p>
        )}
        {!loading && !error && messages.length === 0 && <p className="muted center">No messages yet. Say hello!</p>}
        <ol className="msg-list" aria-label="Messages" ref={items}>
          {messages.map((m) => {
            const day = dayLabel(m.timestamp);
            const sep = day !== lastDay;
            lastDay = day;
            return (
              <Fragment key={m.key}>
                {sep && (
                  <li className="day-sep" aria-hidden="true">
                    <span>{day}</span>
                  </li>
                )}
                <MessageBubble
                  m={m}
                  showSender={chat.isGroup}
                  retried={retried.has(m.key)}
                  onRetry={onRetry}
                  onStaleMedia={staleMedia}
                  nameOf={nameOf}
                  onChange={readOnly ? undefined : change}
                  onStartChat={startChat}
                />
              </Fragment>
            );
          })}
        </ol>
        {typing && (
          <p className="typing-bubble" aria-hidden="true">
            <span />
            <span />
            <span />
          </p>
        )}
      </div>
      <Composer
        sessionId={sessionId}
        chatId={chat.id}
        disabled={readOnly}
        onForbidden={onForbidden}
        onSend={(o) => {
          stick.current = true;
          return send(o);
        }}
      />
    </section>
  );
}
