import { api } from '../api/client';
import type { ManagerAccess, Permission, User } from '../api/types';

const enc = encodeURIComponent;

export type NewUser = { email: string; password: string; firstName: string; lastName: string; role: 'manager' | 'admin' };

export const usersApi = {
  list: async (): Promise<User[]> => (await api.list<User>('/api/users?page=1&limit=100')).items,
  create: (u: NewUser) => api.post<User>('/api/users', u),
  remove: (id: string) => api.del(`/api/users/${enc(id)}`),
};

export const accessApi = {
  list: async (sessionId: string): Promise<ManagerAccess[]> =>
    (await api.list<ManagerAccess>(`/api/whatsapp/sessions/${enc(sessionId)}/managers`)).items,
  grant: (sessionId: string, managerId: string, permissions: Permission[]) =>
    api.post(`/api/whatsapp/sessions/${enc(sessionId)}/managers`, { managerId, permissions }),
  revoke: (sessionId: string, managerId: string) => api.del(`/api/whatsapp/sessions/${enc(sessionId)}/managers/${enc(managerId)}`),
};
