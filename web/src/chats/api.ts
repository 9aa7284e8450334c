import { api } from '../api/client';
import type { Chat, Message, Pagination, SentMessageResult } from '../api/types';

const enc = encodeURIComponent;
const chatsPath = (sessionId: string) => `/api/whatsapp/sessions/${enc(sessionId)}/chats`;
const chatPath = (sessionId: string, chatId: string) => `${chatsPath(sessionId)}/${enc(chatId)}`;

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
  markRead: (sessionId: string, chatId: string) => api.post(`${chatPath(sessionId, chatId)}/read`),
  typing: (sessionId: string, chatId: string, isTyping: boolean) => api.post(`${chatPath(sessionId, chatId)}/typing`, { isTyping }),
};
