import type { Chat } from '../api/types';
import { Avatar } from '../components/Avatar';
import { shortWhen } from '../components/format';
import { href } from '../components/router';
import { chatTitle } from './Conversation';

export function ChatList({
  sessionId,
  chats,
  selected,
  typing,
  loaded,
  error,
  filter,
}: {
  sessionId: string;
  chats: Chat[];
  selected?: string;
  typing: Record<string, boolean>;
  loaded: boolean;
  error: string | null;
  filter: string;
}) {
  const q = filter.trim().toLowerCase();
  const shown = q ? chats.filter((c) => chatTitle(c).toLowerCase().includes(q) || c.chatId.includes(q) || (c.lastMessageText ?? '').toLowerCase().includes(q)) : chats;
  if (error)
    return (
      <p className="banner banner-error" role="alert">
        Could not load chats: {error}
      </p>
    );
  if (loaded && chats.length === 0) return <p className="muted pad">No conversations yet. New messages will appear here as they arrive.</p>;
  if (loaded && shown.length === 0) return <p className="muted pad">No chat matches “{filter}”.</p>;
  return (
    <ul className="chat-list" aria-label="Chats">
      {shown.map((c) => {
        const title = chatTitle(c);
        const isTyping = typing[c.chatId];
        return (
          <li key={c.id}>
            <a href={href({ page: 'inbox', sessionId, chatId: c.id })} className={c.id === selected ? 'chat-item active' : 'chat-item'} aria-current={c.id === selected ? 'true' : undefined}>
              <Avatar name={title} />
              <span className="chat-main">
                <span className="chat-top">
                  <span className="chat-name">{title}</span>
                  <time className={c.unreadCount > 0 ? 'chat-time unread' : 'chat-time'} dateTime={c.lastMessageAt ?? undefined}>
                    {shortWhen(c.lastMessageAt)}
                  </time>
                </span>
                <span className="chat-bottom">
                  <span className={isTyping ? 'chat-last typing' : 'chat-last'}>{isTyping ? 'typing…' : (c.lastMessageText ?? '')}</span>
                  {c.unreadCount > 0 && (
                    <span className="unread-badge" aria-label={`${c.unreadCount} unread`}>
                      {c.unreadCount}
                    </span>
                  )}
                </span>
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
