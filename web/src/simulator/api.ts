import { api } from '../api/client';
import type { ServerHealth } from '../api/types';

const base = (id: string) => `/api/simulator/sessions/${encodeURIComponent(id)}`;

export const simulatorApi = {
  health: async (): Promise<ServerHealth> => {
    const res = await fetch('/health', { headers: { accept: 'application/json' } });
    return (await res.json()) as ServerHealth;
  },
  scan: (id: string, phoneNumber: string) => api.post(`${base(id)}/scan`, { phoneNumber }),
  inbound: (id: string, m: { from: string; fromName?: string; body: string }) => api.post<{ messageId: string }>(`${base(id)}/inbound`, m),
  typing: (id: string, chatId: string, isTyping: boolean) => api.post(`${base(id)}/typing`, { chatId, isTyping }),
  receipt: (id: string, messageId: string, status: 'delivered' | 'read') => api.post(`${base(id)}/receipts`, { messageId, status }),
};
