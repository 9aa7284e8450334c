/**
 * Set-based writes of a batch of messages in one transaction: one multi-row chat upsert, one
 * multi-row message insert (a duplicate is ignored, a decrypt placeholder is replaced in place),
 * one counter update of the touched chats. Counters shown on lists are maintained here, on write.
 */
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { chats, messages, type MessageContactCard, type MessageLocation } from '../db/schema/index.js';
import { newId } from '../shared/ids.js';
import type { ChatKind, DeliveryStatus, MessageType } from '../whatsapp/engine.js';
import type { StoredMedia } from '../media/media-view.js';
import { insertDownloads, type DownloadSource } from '../media/media-downloads.repository.js';
import type { ChatRow } from '../chats/chats.repository.js';

export type MessageRow = typeof messages.$inferSelect;

export interface IngestItem {
  companyId: string;
  sessionId: string;
  chat: { waChatId: string; altWaChatId?: string; chatName?: string; chatType: ChatKind };
  message: {
    waMessageId: string;
    fromMe: boolean;
    fromNumber: string;
    fromName: string | null;
    body: string | null;
    messageType: MessageType;
    timestamp: Date;
    isPlaceholder: boolean;
    isRead: boolean;
    status: DeliveryStatus | null;
    managerId: string | null;
    media: StoredMedia | null;
    location?: MessageLocation | null;
    contacts?: MessageContactCard[] | null;
    quotedMessageId: string | null;
    errorMessage?: string | null;
  };
  /** A received file to fetch: written as a pending download in the message's transaction. */
  download?: DownloadSource;
}

export interface IngestResult {
  message: MessageRow;
  chat: ChatRow;
  /** false when a placeholder was replaced by the real message. */
  inserted: boolean;
}

const chatKey = (sessionId: string, waChatId: string) => `${sessionId}\u0000${waChatId}`;

/** What a file without a caption says in the chat list: its kind, or a document's name. */
const FILE_PREVIEW: Partial<Record<MessageType, string>> = { image: '📷 Photo', video: '🎥 Video', audio: '🎵 Audio', sticker: 'Sticker', document: '📄 Document' };

const previewText = (m: { body: string | null; messageType: MessageType; isPlaceholder: boolean; media: unknown; location: MessageLocation | null; contacts: MessageContactCard[] | null }): string => {
  if (m.body) return m.body;
  if (m.isPlaceholder) return '[waiting for this message]';
  if (m.location) return `📍 ${m.location.name ?? 'Location'}`;
  if (m.contacts?.length) return `👤 ${m.contacts.map((c) => c.name).join(', ')}`;
  const media = m.media as StoredMedia | null;
  if (m.messageType === 'audio' && media?.isVoiceNote) return '🎤 Voice note';
  if (m.messageType === 'document' && media?.fileName) return `📄 ${media.fileName}`;
  return FILE_PREVIEW[m.messageType] ?? `[${m.messageType}]`;
};

/** Keeps one item per (session, message id): the real message wins over a placeholder. */
function dedupe(items: IngestItem[]): IngestItem[] {
  const byKey = new Map<string, IngestItem>();
  for (const item of items) {
    const key = chatKey(item.sessionId, item.message.waMessageId);
    const prev = byKey.get(key);
    if (!prev || (prev.message.isPlaceholder && !item.message.isPlaceholder)) byKey.set(key, item);
  }
  return [...byKey.values()];
}

/** A contact known by its phone number and its @lid is one chat: map the @lid form onto it. */
async function resolveLidChats(tx: Tx, items: IngestItem[]): Promise<void> {
  const lidItems = items.filter((i) => i.chat.waChatId.endsWith('@lid'));
  if (lidItems.length === 0) return;
  const sessionIds = [...new Set(lidItems.map((i) => i.sessionId))];
  const lids = [...new Set(lidItems.map((i) => i.chat.waChatId))];
  const known = await tx
    .select({ sessionId: chats.sessionId, waChatId: chats.waChatId, alt: chats.altWaChatId })
    .from(chats)
    .where(and(inArray(chats.sessionId, sessionIds), inArray(chats.altWaChatId, lids)));
  const map = new Map(known.map((k) => [chatKey(k.sessionId, k.alt ?? ''), k.waChatId]));
  for (const item of lidItems) {
    const pn = map.get(chatKey(item.sessionId, item.chat.waChatId));
    if (pn) item.chat = { ...item.chat, altWaChatId: item.chat.waChatId, waChatId: pn };
  }
}

/** New chats (by type) and new messages per session, added to the session's counters. */
async function updateSessionCounters(
  tx: Tx,
  chatRows: { sessionId: string; chatType: ChatKind; created: boolean }[],
  written: { sessionId: string; fromMe: boolean; inserted: boolean; media: unknown }[],
): Promise<void> {
  const per = new Map<string, { individual: number; group: number; status: number; messages: number; sent: number; mediaBytes: number }>();
  const of = (sessionId: string) => {
    let c = per.get(sessionId);
    if (!c) per.set(sessionId, (c = { individual: 0, group: 0, status: 0, messages: 0, sent: 0, mediaBytes: 0 }));
    return c;
  };
  for (const c of chatRows) if (c.created) of(c.sessionId)[c.chatType] += 1;
  for (const m of written) {
    if (!m.inserted) continue;
    const c = of(m.sessionId);
    c.messages += 1;
    if (m.fromMe) c.sent += 1;
    // Our own sends store their file with the message; received files are added when fetched.
    const media = m.media as StoredMedia | null;
    if (media?.state === 'stored') c.mediaBytes += media.sizeBytes ?? 0;
  }
  if (per.size === 0) return;
  const rows = [...per];
  const p = <T>(f: (c: (typeof rows)[number][1]) => T) => sql.param(rows.map(([, c]) => f(c)));
  await tx.execute(sql`
    update wa_sessions set
      individual_chats = wa_sessions.individual_chats + v.individual, group_chats = wa_sessions.group_chats + v.grp,
      status_chats = wa_sessions.status_chats + v.status, message_count = wa_sessions.message_count + v.messages,
      sent_count = wa_sessions.sent_count + v.sent, media_bytes = wa_sessions.media_bytes + v.media_bytes
    from unnest(${sql.param(rows.map(([id]) => id))}::text[], ${p((c) => c.individual)}::int[], ${p((c) => c.group)}::int[],
      ${p((c) => c.status)}::int[], ${p((c) => c.messages)}::int[], ${p((c) => c.sent)}::int[], ${p((c) => c.mediaBytes)}::bigint[])
      as v(id, individual, grp, status, messages, sent, media_bytes)
    where wa_sessions.id = v.id`);
}

/** Runs inside the caller's transaction (the outbox's), so the batch and its events commit together. */
export function createIngestRepository() {
  return {
    async writeBatch(tx: Tx, input: IngestItem[]): Promise<IngestResult[]> {
      if (input.length === 0) return [];
      const items = dedupe(input);
      await resolveLidChats(tx, items);

      const chatValues = new Map<string, typeof chats.$inferInsert>();
      for (const { companyId, sessionId, chat } of items) {
        const key = chatKey(sessionId, chat.waChatId);
        const prev = chatValues.get(key);
        chatValues.set(key, {
          id: prev?.id ?? newId(),
          companyId,
          sessionId,
          waChatId: chat.waChatId,
          altWaChatId: chat.altWaChatId ?? prev?.altWaChatId ?? null,
          chatName: chat.chatName ?? prev?.chatName ?? null,
          chatType: chat.chatType,
        });
      }
      const chatList = [...chatValues.values()];
      const chatRows = await tx
        .insert(chats)
        .select(
          // One statement text whatever the batch size: nothing to build per row, one plan.
          // The select lists every column of `chats` in table order (insert … select needs them all).
          sql`select u.*, null::timestamptz, null::text, 0, 0, 0, false, now(), now() from unnest(
            ${sql.param(chatList.map((c) => c.id))}::text[], ${sql.param(chatList.map((c) => c.companyId))}::text[],
            ${sql.param(chatList.map((c) => c.sessionId))}::text[], ${sql.param(chatList.map((c) => c.waChatId))}::text[],
            ${sql.param(chatList.map((c) => c.altWaChatId ?? null))}::text[], ${sql.param(chatList.map((c) => c.chatName ?? null))}::text[],
            ${sql.param(chatList.map((c) => c.chatType))}::text[]) as u`,
        )
        .onConflictDoUpdate({
          target: [chats.sessionId, chats.waChatId],
          set: {
            chatName: sql`coalesce(excluded.chat_name, ${chats.chatName})`,
            altWaChatId: sql`coalesce(excluded.alt_wa_chat_id, ${chats.altWaChatId})`,
          },
        })
        .returning({ id: chats.id, sessionId: chats.sessionId, waChatId: chats.waChatId, chatType: chats.chatType, created: sql<boolean>`(xmax = 0)` });
      const chatIdOf = new Map(chatRows.map((c) => [chatKey(c.sessionId, c.waChatId), c.id]));

      const col = <T>(pick: (i: IngestItem) => T): T[] => items.map(pick);
      const written = await tx
        .insert(messages)
        .select(
          // Every column of `messages` in table order (no reactions, edit or deletion yet), created/updated from now().
          sql`select u.*, now(), now() from unnest(
            ${sql.param(col(() => newId()))}::text[], ${sql.param(col((i) => i.companyId))}::text[],
            ${sql.param(col((i) => i.sessionId))}::text[], ${sql.param(col((i) => chatIdOf.get(chatKey(i.sessionId, i.chat.waChatId))!))}::text[],
            ${sql.param(col((i) => i.message.waMessageId))}::text[], ${sql.param(col((i) => i.message.fromMe))}::bool[],
            ${sql.param(col((i) => i.message.fromNumber))}::text[], ${sql.param(col((i) => i.message.fromName))}::text[],
            ${sql.param(col((i) => i.message.body))}::text[], ${sql.param(col((i) => i.message.messageType))}::text[],
            ${sql.param(col((i) => i.message.timestamp.toISOString()))}::timestamptz[], ${sql.param(col((i) => i.message.isRead))}::bool[],
            ${sql.param(col((i) => i.message.managerId))}::text[], ${sql.param(col((i) => i.message.status))}::text[],
            ${sql.param(col((i) => i.message.isPlaceholder))}::bool[],
            ${sql.param(col((i) => (i.message.media ? JSON.stringify(i.message.media) : null)))}::jsonb[],
            ${sql.param(col((i) => i.message.quotedMessageId))}::text[], ${sql.param(col((i) => i.message.errorMessage ?? null))}::text[],
            ${sql.param(col(() => null))}::jsonb[], ${sql.param(col(() => null))}::timestamptz[], ${sql.param(col(() => null))}::timestamptz[],
            ${sql.param(col((i) => (i.message.location ? JSON.stringify(i.message.location) : null)))}::jsonb[],
            ${sql.param(col((i) => (i.message.contacts ? JSON.stringify(i.message.contacts) : null)))}::jsonb[]) as u`,
        )
        .onConflictDoUpdate({
          target: [messages.sessionId, messages.waMessageId],
          set: {
            body: sql`excluded.body`,
            messageType: sql`excluded.message_type`,
            media: sql`excluded.media`,
            location: sql`excluded.location`,
            contacts: sql`excluded.contacts`,
            fromName: sql`coalesce(excluded.from_name, ${messages.fromName})`,
            quotedMessageId: sql`excluded.quoted_message_id`,
            isPlaceholder: false,
            updatedAt: sql`now()`,
          },
          // Only a placeholder is ever replaced; any other duplicate is ignored.
          setWhere: sql`${messages.isPlaceholder} and not excluded.is_placeholder`,
        })
        .returning({ ...getTableColumns(messages), inserted: sql<boolean>`(xmax = 0)` });
      if (written.length === 0) return [];

      const perChat = new Map<string, { n: number; sent: number; unread: number; lastAt: Date; lastText: string }>();
      // In arrival order, so that of two messages with the same timestamp the later one is the chat's last.
      const arrival = new Map(items.map((i, at) => [chatKey(i.sessionId, i.message.waMessageId), at]));
      const inOrder = [...written].sort((a, b) => arrival.get(chatKey(a.sessionId, a.waMessageId))! - arrival.get(chatKey(b.sessionId, b.waMessageId))!);
      for (const { inserted, ...row } of inOrder) {
        const agg = perChat.get(row.chatId) ?? { n: 0, sent: 0, unread: 0, lastAt: new Date(0), lastText: '' };
        if (inserted) {
          agg.n += 1;
          if (row.fromMe) agg.sent += 1;
          else if (!row.isRead) agg.unread += 1;
        }
        if (row.timestamp >= agg.lastAt) {
          agg.lastAt = row.timestamp;
          agg.lastText = previewText({ ...row, messageType: row.messageType as MessageType });
        }
        perChat.set(row.chatId, agg);
      }
      const aggs = [...perChat];
      await tx.execute(sql`
        update chats set
          message_count = chats.message_count + v.n,
          sent_count = chats.sent_count + v.sent,
          unread_count = chats.unread_count + v.unread,
          last_message_text = case when chats.last_message_at is null or v.last_at >= chats.last_message_at then v.last_text else chats.last_message_text end,
          last_message_at = greatest(chats.last_message_at, v.last_at),
          updated_at = now()
        from unnest(
          ${sql.param(aggs.map(([id]) => id))}::text[], ${sql.param(aggs.map(([, a]) => a.n))}::int[],
          ${sql.param(aggs.map(([, a]) => a.sent))}::int[], ${sql.param(aggs.map(([, a]) => a.unread))}::int[],
          ${sql.param(aggs.map(([, a]) => a.lastAt.toISOString()))}::timestamptz[], ${sql.param(aggs.map(([, a]) => a.lastText))}::text[]
        ) as v(id, n, sent, unread, last_at, last_text)
        where chats.id = v.id`);
      await updateSessionCounters(tx, chatRows, written);
      const itemOf = new Map(items.map((i) => [chatKey(i.sessionId, i.message.waMessageId), i]));
      await insertDownloads(
        tx,
        written.flatMap((row) => {
          const download = itemOf.get(chatKey(row.sessionId, row.waMessageId))?.download;
          return download ? [{ messageId: row.id, companyId: row.companyId, sessionId: row.sessionId, source: download }] : [];
        }),
      );
      const updatedChats = await tx.select().from(chats).where(inArray(chats.id, [...perChat.keys()]));
      const chatById = new Map(updatedChats.map((c) => [c.id, c]));
      return written.map(({ inserted, ...row }) => ({ message: row, chat: chatById.get(row.chatId)!, inserted: Boolean(inserted) }));
    },

    /**
     * Moves a message's status forward only (pending → sent → delivered → read; failed from pending),
     * with the error that failed it.
     */
    async advanceStatus(tx: DbOrTx, sessionId: string, waMessageId: string, status: DeliveryStatus, errorMessage?: string): Promise<MessageRow | undefined> {
      const rank = sql`case ${messages.status} when 'pending' then 0 when 'failed' then 0 when 'sent' then 1 when 'delivered' then 2 when 'read' then 3 else -1 end`;
      const newRank = { pending: 0, failed: 0, sent: 1, delivered: 2, read: 3 }[status];
      const allowed = status === 'failed' ? sql`${messages.status} = 'pending'` : sql`${rank} < ${newRank}`;
      const [row] = await tx
        .update(messages)
        .set({ status, ...(errorMessage !== undefined && { errorMessage }), updatedAt: new Date() })
        .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId), eq(messages.fromMe, true), allowed))
        .returning();
      return row;
    },
  };
}

export type IngestRepository = ReturnType<typeof createIngestRepository>;
