/**
 * The WhatsApp engine's credential and Signal key persistence on the database (wa_auth_creds,
 * wa_auth_keys). Values are opaque strings: the engine serializes them (BufferJSON).
 */
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { waAuthCreds, waAuthKeys } from '../db/schema/index.js';
import type { AuthStateStore } from './engine.js';

/** Keeps every statement well under PostgreSQL's 65535 bind-parameter limit (4 per row). */
const CHUNK = 1000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** LIKE treats `%` and `_` as wildcards, and LID session ids contain `_` (`123_1.0`). */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createAuthStateStore(db: Db, sessionId: string): AuthStateStore {
  return {
    async loadCreds() {
      const rows = await db
        .select({ creds: waAuthCreds.creds })
        .from(waAuthCreds)
        .where(eq(waAuthCreds.sessionId, sessionId))
        .limit(1);
      return rows[0]?.creds ?? null;
    },

    async saveCreds(serialized) {
      await db
        .insert(waAuthCreds)
        .values({ sessionId, creds: serialized, updatedAt: new Date() })
        .onConflictDoUpdate({ target: waAuthCreds.sessionId, set: { creds: serialized, updatedAt: new Date() } });
    },

    async getKeys(type, ids) {
      if (ids.length === 0) return {};
      const rows = await db
        .select({ keyId: waAuthKeys.keyId, value: waAuthKeys.value })
        .from(waAuthKeys)
        .where(and(eq(waAuthKeys.sessionId, sessionId), eq(waAuthKeys.type, type), inArray(waAuthKeys.keyId, ids)));
      const out: Record<string, string> = {};
      for (const row of rows) out[row.keyId] = row.value;
      return out;
    },

    async setKeys(data) {
      const upserts: { sessionId: string; type: string; keyId: string; value: string }[] = [];
      const deletes = new Map<string, string[]>();
      for (const [type, entries] of Object.entries(data)) {
        for (const [keyId, value] of Object.entries(entries)) {
          if (value === null || value === undefined) {
            const list = deletes.get(type) ?? [];
            list.push(keyId);
            deletes.set(type, list);
          } else {
            upserts.push({ sessionId, type, keyId, value });
          }
        }
      }
      if (upserts.length === 0 && deletes.size === 0) return;
      // A fixed row order makes concurrent transactions lock rows in the same order (no deadlocks on PostgreSQL).
      upserts.sort((a, b) => (a.type === b.type ? (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0) : a.type < b.type ? -1 : 1));
      await db.transaction(async (tx) => {
        for (const part of chunks(upserts)) {
          await tx
            .insert(waAuthKeys)
            .values(part)
            .onConflictDoUpdate({
              target: [waAuthKeys.sessionId, waAuthKeys.type, waAuthKeys.keyId],
              set: { value: sql`excluded.value` },
            });
        }
        for (const [type, ids] of deletes) {
          for (const part of chunks(ids)) {
            await tx
              .delete(waAuthKeys)
              .where(and(eq(waAuthKeys.sessionId, sessionId), eq(waAuthKeys.type, type), inArray(waAuthKeys.keyId, part)));
          }
        }
      });
    },

    async listKeyIds(type, prefix) {
      const rows = await db
        .select({ keyId: waAuthKeys.keyId })
        .from(waAuthKeys)
        .where(
          and(eq(waAuthKeys.sessionId, sessionId), eq(waAuthKeys.type, type), like(waAuthKeys.keyId, `${escapeLike(prefix)}%`)),
        );
      return rows.map((r) => r.keyId);
    },

    async clear() {
      await db.transaction(async (tx) => {
        await tx.delete(waAuthKeys).where(eq(waAuthKeys.sessionId, sessionId));
        await tx.delete(waAuthCreds).where(eq(waAuthCreds.sessionId, sessionId));
      });
    },
  };
}
