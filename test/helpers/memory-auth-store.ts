/** The engines' AuthStateStore in memory, for unit tests. */
import type { AuthStateStore } from '../../src/whatsapp/engine.js';

export function memoryAuthStore(creds: string | null = null): AuthStateStore & { keys: Map<string, string> } {
  const keys = new Map<string, string>();
  const k = (t: string, id: string) => `${t}\u0000${id}`;
  return {
    keys,
    loadCreds: async () => creds,
    saveCreds: async (s) => void (creds = s),
    async getKeys(type, ids) {
      const out: Record<string, string> = {};
      for (const id of ids) if (keys.has(k(type, id))) out[id] = keys.get(k(type, id))!;
      return out;
    },
    async setKeys(data) {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) {
          if (v === null) keys.delete(k(type, id));
          else keys.set(k(type, id), v);
        }
    },
    listKeyIds: async (type, prefix) => [...keys.keys()].filter((x) => x.startsWith(`${type}\u0000${prefix}`)).map((x) => x.split('\u0000')[1]!),
    async clear() {
      creds = null;
      keys.clear();
    },
  };
}
