import { useCallback, useEffect, useState } from 'react';
import type { User } from '../api/types';
import { phoneOf } from '../components/format';
import { navigate, type Route } from '../components/router';
import { StatusPill, statusLabel } from '../components/StatusPill';
import { useSessions } from '../sessions/SessionsContext';
import { SimulatorPanel } from '../simulator/SimulatorPanel';
import { useServerHealth } from '../simulator/useServerHealth';
import { ChatList } from './ChatList';
import { Conversation } from './Conversation';
import { useChats, useTyping } from './useChats';
import { useWriteAccess } from './useWriteAccess';

export function InboxPage({ user, route }: { user: User; route: Route }) {
  const { sessions, loaded } = useSessions();
  const health = useServerHealth();
  const session = sessions.find((s) => s.id === route.sessionId) ?? (route.sessionId ? undefined : sessions[0]);
  const sessionId = session?.id;
  const { chats, loaded: chatsLoaded, error, markReadLocally } = useChats(sessionId);
  const typing = useTyping(sessionId);
  const { readOnly, forbidden } = useWriteAccess(user, sessions);
  const onForbidden = useCallback(() => {
    if (sessionId) forbidden(sessionId);
  }, [forbidden, sessionId]);
  const [filter, setFilter] = useState('');
  const [lastOwn, setLastOwn] = useState<string | null>(null);
  const chat = route.chatId ? chats.find((c) => c.id === route.chatId) : undefined;
  // `#/inbox/<session>/77015550011` (or `…@c.us`): the chat with that number, e.g. from a shared contact.
  const number = !chat && route.chatId ? numberOf(route.chatId) : null;
  const byNumber = number ? chats.find((c) => !c.isGroup && phoneOf(c.chatId) === number) : undefined;
  useEffect(() => {
    if (byNumber && sessionId) navigate({ page: 'inbox', sessionId, chatId: byNumber.id }, true);
  }, [byNumber, sessionId]);
  const onLastOwn = useCallback((id: string | null) => setLastOwn(id), []);

  // The number in the address disappeared (access revoked, deleted): fall back to the first one.
  useEffect(() => {
    if (loaded && route.sessionId && !sessions.some((s) => s.id === route.sessionId)) navigate({ page: 'inbox', sessionId: sessions[0]?.id }, true);
  }, [loaded, route.sessionId, sessions]);

  if (loaded && sessions.length === 0) {
    return (
      <main className="page">
        <div className="empty">
          <h1>No WhatsApp numbers yet</h1>
          {user.role === 'admin' ? (
            <p>
              Add and link a number on the <a href="#/numbers">Numbers</a> page; its conversations will appear here.
            </p>
          ) : (
            <p>An admin has not given you access to any WhatsApp number yet. Conversations will appear here as soon as they do.</p>
          )}
        </div>
      </main>
    );
  }

  const simulator = health?.simulatorControl === true && user.role === 'admin' && session?.status === 'connected';

  return (
    <main className={`inbox${route.chatId ? ' has-chat' : ''}`}>
      <nav className="rail" aria-label="WhatsApp numbers">
        <h2 className="rail-title">Numbers</h2>
        <ul>
          {sessions.map((s) => (
            <li key={s.id}>
              <a
                href={`#/inbox/${encodeURIComponent(s.id)}`}
                className={s.id === sessionId ? 'rail-item active' : 'rail-item'}
                aria-current={s.id === sessionId ? 'true' : undefined}
              >
                <span className="rail-name">{s.displayName}</span>
                <span className="rail-sub">
                  <span className="mono">{s.phoneNumber ?? '—'}</span>
                </span>
                <StatusPill status={s.status} />
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="chats-pane" aria-label="Conversations">
        <div className="chats-head">
          <h1>{session?.displayName ?? 'Inbox'}</h1>
          <label className="visually-hidden" htmlFor="chat-filter">
            Search chats
          </label>
          <input id="chat-filter" type="search" className="search" placeholder="Search chats" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
        {session && session.status !== 'connected' && (
          <p className="banner banner-warn small" role="status">
            This number is not connected ({statusLabel(session.status).toLowerCase()}). You can read the history; replies will fail until it reconnects.
          </p>
        )}
        <div className="chats-scroll">
          {sessionId && <ChatList sessionId={sessionId} chats={chats} selected={route.chatId} typing={typing} loaded={chatsLoaded} error={error} filter={filter} />}
        </div>
        {simulator && sessionId && <SimulatorPanel sessionId={sessionId} chat={chat} lastOwnMessageId={chat ? lastOwn : null} />}
      </section>
      <div className="conv-pane">
        {sessionId && chat ? (
          <Conversation
            key={chat.id}
            sessionId={sessionId}
            chat={chat}
            typing={typing[chat.chatId] === true}
            readOnly={readOnly(sessionId)}
            onForbidden={onForbidden}
            onBack={() => navigate({ page: 'inbox', sessionId })}
            onRead={markReadLocally}
            onLastOwn={onLastOwn}
          />
        ) : (
          <div className="conv-empty">
            <h2>
              {number && chatsLoaded && !byNumber
                ? `No conversation with ${number} yet`
                : route.chatId && chatsLoaded && !byNumber
                  ? 'This conversation is not available'
                  : 'Select a conversation'}
            </h2>
            <p className="muted">
              {number && chatsLoaded && !byNumber
                ? 'It appears here once they write to this number.'
                : 'Pick a chat on the left to read and reply. New messages arrive here in real time.'}
            </p>
          </div>
        )}
      </div>
    </main>
  );
}

/** `77015550011` or `77015550011@c.us` → `+77015550011`; null for anything else (a row id, a group). */
function numberOf(chatId: string): string | null {
  const m = /^\+?(\d{5,})(@(c\.us|s\.whatsapp\.net))?$/.exec(chatId);
  return m ? `+${m[1]}` : null;
}
