/** The chat list of one session, kept live by `whatsapp:new-message` and `whatsapp:chat-updated`. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/client';
import type { Chat } from '../api/types';
import { useReconnect, useSocketEvent } from '../realtime/socket';
import { chatsApi } from './api';

const byActivity = (a: Chat, b: Chat) => (b.lastMessageAt ?? '').localeCompare(a.lastMessageAt ?? '');

export function useChats(sessionId: string | undefined) {
  const [chats, setChats] = useState<Chat[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef(sessionId);
  current.current = sessionId;

  const load = useCallback(async () => {
    const sid = current.current;
    if (!sid) return;
    try {
      const list = await chatsApi.list(sid);
      if (current.current !== sid) return;
      setChats(list.sort(byActivity));
      setError(null);
    } catch (err) {
      if (current.current === sid) setError(errorText(err));
    } finally {
      if (current.current === sid) setLoaded(true);
    }
  }, []);

  useEffect(() => {
    setChats([]);
    setLoaded(false);
    setError(null);
    void load();
  }, [sessionId, load]);

  useReconnect(() => void load());

  useSocketEvent('whatsapp:new-message', (e) => {
    if (e.sessionId !== current.current) return;
    setChats((list) => {
      const old = list.find((c) => c.id === e.chat.id);
      const merged: Chat = {
        isArchived: false,
        _count: { messages: 0 },
        ...old,
        ...e.chat,
      };
      merged._count = { messages: (old?._count.messages ?? 0) + 1 };
      return [merged, ...list.filter((c) => c.id !== e.chat.id)].sort(byActivity);
    });
  });

  useSocketEvent('whatsapp:chat-updated', (e) => {
    if (e.sessionId !== current.current) return;
    setChats((list) => {
      if (!list.some((c) => c.id === e.chatId)) {
        void load();
        return list;
      }
      return list
        .map((c) => (c.id === e.chatId ? { ...c, lastMessageAt: e.lastMessageAt, lastMessageText: e.lastMessageText, unreadCount: e.unreadCount } : c))
        .sort(byActivity);
    });
  });

  const markReadLocally = useCallback((chatId: string) => {
    setChats((list) => list.map((c) => (c.id === chatId ? { ...c, unreadCount: 0 } : c)));
  }, []);

  return { chats, loaded, error, reload: load, markReadLocally };
}

/** "typing…" per WhatsApp chat id of one session; cleared by the contact or after 20 s of silence. */
export function useTyping(sessionId: string | undefined): Record<string, boolean> {
  const [typing, setTyping] = useState<Record<string, boolean>>({});
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    setTyping({});
    const t = timers.current;
    return () => {
      for (const x of t.values()) clearTimeout(x);
      t.clear();
    };
  }, [sessionId]);
  useSocketEvent('whatsapp:typing-status', (e) => {
    if (e.sessionId !== sessionId) return;
    clearTimeout(timers.current.get(e.chatId));
    setTyping((m) => ({ ...m, [e.chatId]: e.isTyping }));
    if (e.isTyping) {
      timers.current.set(
        e.chatId,
        setTimeout(() => setTyping((m) => ({ ...m, [e.chatId]: false })), 20_000),
      );
    }
  });
  // A message from the contact ends its typing.
  useSocketEvent('whatsapp:new-message', (e) => {
    if (e.sessionId === sessionId && !e.message.fromMe) setTyping((m) => (m[e.chat.chatId] ? { ...m, [e.chat.chatId]: false } : m));
  });
  return typing;
}
