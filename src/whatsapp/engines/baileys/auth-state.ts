/**
 * Baileys' AuthenticationState over our AuthStateStore (database). Values are BufferJSON strings;
 * the key store is wrapped with Baileys' cache, so deletions must go through `keys.set(null)`.
 */
import {
  BufferJSON,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import type { AuthStateStore } from '../../engine.js';
import { JOURNAL_KEY_TYPE } from './inbound-journal.js';
import type { BaileysLogger } from './logger-hook.js';
import { createMemoryCache, type CacheStore } from './memory-cache.js';

export const serialize = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const deserialize = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T;

function revive<T extends keyof SignalDataTypeMap>(type: T, text: string): SignalDataTypeMap[T] {
  const value = deserialize<unknown>(text);
  // Baileys calls protobuf methods on these, so a plain object is not enough.
  if (type === 'app-state-sync-key') {
    return proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}

/** The raw (uncached) key store on the database. */
function makeDbKeyStore(store: AuthStateStore): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const rows = await store.getKeys(type, ids);
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const [id, text] of Object.entries(rows)) out[id] = revive(type, text);
      return out;
    },
    async set(data: SignalDataSet) {
      const out: Record<string, Record<string, string | null>> = {};
      for (const [type, entries] of Object.entries(data)) {
        if (!entries) continue;
        const row: Record<string, string | null> = {};
        for (const [id, value] of Object.entries(entries)) row[id] = value === null || value === undefined ? null : serialize(value);
        out[type] = row;
      }
      await store.setKeys(out);
    },
  };
}

/**
 * Baileys' key cache (5 minutes, bounded), minus the inbound journal: journal entries are written
 * once and read back only after a restart, so caching their plaintext would only hold memory.
 */
function keyCache(): CacheStore {
  const cache = createMemoryCache(5 * 60 * 1000, 20_000);
  return { ...cache, set: (key, value) => (key.startsWith(`${JOURNAL_KEY_TYPE}.`) ? undefined : cache.set(key, value)) };
}

export interface DbAuthState {
  state: AuthenticationState;
  /** Persists the whole creds object; calls are written in order, the last one wins. */
  saveCreds(): Promise<void>;
  /** Resolves once every queued creds write has landed (before wiping them). */
  flush(): Promise<void>;
  /** Whether the creds come from the database (a linked or half-linked session). */
  isStored: boolean;
}

/** Stored credentials that are not Baileys' (the data was linked with another engine). */
export class ForeignCredentialsError extends Error {
  constructor() {
    super('The stored credentials were not made by this engine; link the number again');
    this.name = 'ForeignCredentialsError';
  }
}

const isBaileysCreds = (c: Partial<AuthenticationCreds>): boolean =>
  Boolean(c.noiseKey?.private && c.signedIdentityKey?.private && c.signedPreKey && typeof c.registrationId === 'number');

export async function loadAuthState(store: AuthStateStore, logger: BaileysLogger): Promise<DbAuthState> {
  const stored = await store.loadCreds();
  const creds: AuthenticationCreds = stored ? deserialize<AuthenticationCreds>(stored) : initAuthCreds();
  if (stored && !isBaileysCreds(creds)) throw new ForeignCredentialsError();
  let chain: Promise<void> = Promise.resolve();
  const saveCreds = (): Promise<void> => {
    // Serialize when the write runs, not when it was asked for: Baileys mutates creds in place,
    // so the queued write always stores the newest state and writes never overtake each other.
    const next = chain.then(() => store.saveCreds(serialize(creds)));
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    state: { creds, keys: makeCacheableSignalKeyStore(makeDbKeyStore(store), logger, keyCache()) },
    saveCreds,
    flush: () => chain,
    isStored: stored !== null,
  };
}
