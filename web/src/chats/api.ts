import { api } from '../api/client';
import type { Chat, Message, Pagination, SentMessageResult } from '../api/types';

const enc = encodeURIComponent;
const chatsPath = (sessionId: string) => `/api/whatsapp/sessions/${enc(sessionId)}/chats`;
const chatPath = (sessionId: string, chatId: string) => `${chatsPath(sessionId)}/${enc(chatId)}`;
/** `messageId`: our row id or the WhatsApp id. */
const messagePath = (sessionId: string, chatId: string, messageId: string) => `${chatPath(sessionId, chatId)}/messages/${enc(messageId)}`;

export type OutgoingFile = { type: 'image' | 'document' | 'audio' | 'video'; base64: string; mimetype: string; fileName: string };

export const chatsApi = {
  list: async (sessionId: string): Promise<Chat[]> => (await api.list<Chat>(`${chatsPath(sessionId)}?page=1&limit=100&includeGroups=true`)).items,
  messages: (sessionId: string, chatId: string, page: number, limit: number): Promise<{ items: Message[]; pagination?: Pagination }> =>
    api.list<Message>(`${chatPath(sessionId, chatId)}/messages?page=${page}&limit=${limit}`),
  sendText: (sessionId: string, chatId: string, message: string, idempotencyKey: string) =>
    api.post<SentMessageResult>(`${chatPath(sessionId, chatId)}/messages`, { message, type: 'text' }, { 'Idempotency-Key': idempotencyKey }),
  sendFile: (sessionId: string, chatId: string, file: OutgoingFile, caption: string, idempotencyKey: string) =>
    api.post<SentMessageResult>(
      `${chatPath(sessionId, chatId)}/messages`,
      {
        type: file.type,
        ...(caption ? { message: caption } : {}),
        media: { base64: file.base64, mimetype: file.mimetype, fileName: file.fileName },
      },
      { 'Idempotency-Key': idempotencyKey },
    ),
  /** Our reaction (`""` removes it); each answers the message as it is now. */
  react: (sessionId: string, chatId: string, messageId: string, emoji: string) => api.post<Message>(`${messagePath(sessionId, chatId, messageId)}/reaction`, { emoji }),
  /** Our own text message, within 15 minutes of sending it. */
  edit: (sessionId: string, chatId: string, messageId: string, message: string) => api.patch<Message>(messagePath(sessionId, chatId, messageId), { message }),
  /** Our own message, deleted for everyone: it stays as a tombstone. */
  revoke: async (sessionId: string, chatId: string, messageId: string): Promise<Message> =>
    (await api.request<Message>(messagePath(sessionId, chatId, messageId), { method: 'DELETE' })).data as Message,
  markRead: (sessionId: string, chatId: string) => api.post(`${chatPath(sessionId, chatId)}/read`),
  typing: (sessionId: string, chatId: string, isTyping: boolean) => api.post(`${chatPath(sessionId, chatId)}/typing`, { isTyping }),
};
