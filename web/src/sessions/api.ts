import { api } from '../api/client';
import type { CreatedSession, Session } from '../api/types';

const base = '/api/whatsapp/sessions';
const enc = encodeURIComponent;

export const sessionsApi = {
  list: async (): Promise<Session[]> => {
    // Page through everything (limit ≤ 100 per page).
    const all: Session[] = [];
    for (let page = 1; page < 50; page++) {
      const { items, pagination } = await api.list<Session>(`${base}?page=${page}&limit=100`);
      all.push(...items);
      if (!pagination || all.length >= pagination.total || items.length === 0) break;
    }
    return all;
  },
  create: (displayName: string) => api.post<CreatedSession>(base, { displayName }),
  qr: async (id: string) => (await api.get<{ qrCode: string }>(`${base}/${enc(id)}/qr`)).qrCode,
  restart: (id: string) => api.post(`${base}/${enc(id)}/restart`),
  close: (id: string) => api.post(`${base}/${enc(id)}/close`, { reason: 'Closed from the dashboard' }),
  disconnect: (id: string) => api.post(`${base}/${enc(id)}/disconnect`),
  remove: (id: string) => api.del(`${base}/${enc(id)}`),
  rename: (id: string, displayName: string) => api.patch<Session>(`${base}/${enc(id)}`, { displayName }),
};
