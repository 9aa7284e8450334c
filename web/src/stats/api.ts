import { api } from '../api/client';
import type { CompanyStats } from '../api/types';

export const statsApi = {
  get: () => {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return api.get<CompanyStats>(`/api/whatsapp/stats${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`);
  },
};
