/**
 * One schema for PGlite and PostgreSQL. Invariants live here as constraints: every tenant row
 * carries company_id; unique (session, chat), (session, message), (session, manager),
 * (company, display name); an index behind every list query.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { MessageContactCard, MessageLocation } from '../../messages/message-kinds.js';
import type { SessionStatus } from '../../sessions/session-view.js';

export type { MessageContactCard, MessageLocation };

export interface MessageReaction {
  emoji: string;
  /** Canonical WhatsApp id of who reacted. */
  from: string;
  fromMe: boolean;
  timestamp: string;
}

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

export const companies = pgTable('companies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    /** Stored lower-cased; login is by email alone, so it is unique across companies. */
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    role: text('role', { enum: ['admin', 'manager'] }).notNull(),
    /** Access tokens issued before this are refused (password reset, logout everywhere). */
    tokensValidAfter: ts('tokens_valid_after'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email), index('users_company_idx').on(t.companyId, t.createdAt)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    companyId: text('company_id').notNull(),
    /** SHA-256 of the token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_uq').on(t.tokenHash), index('refresh_tokens_user_idx').on(t.userId)],
);

export const waSessions = pgTable(
  'wa_sessions',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    adminId: text('admin_id').references(() => users.id, { onDelete: 'set null' }),
    displayName: text('display_name').notNull(),
    /** Plain text in SQL; typed as the API's status union (session-view.ts). */
    status: text('status').$type<SessionStatus>().notNull().default('starting'),
    /** Whether the session should be running: restored on boot when true. */
    isActive: boolean('is_active').notNull().default(true),
    phoneNumber: text('phone_number'),
    phoneJid: text('phone_jid'),
    lastSeen: ts('last_seen'),
    lastConnectedAt: ts('last_connected_at'),
    lastCloseReason: text('last_close_reason'),
    lastCloseAt: ts('last_close_at'),
    /** Closed by the Bad MAC / Bad Decrypt threshold and not restarted since (health rule). */
    closedByThreshold: boolean('closed_by_threshold').notNull().default(false),
    /** The Bad MAC / Bad Decrypt times of the current window (sessions/health.ts), so they outlive a restart. */
    decryptErrors: jsonb('decrypt_errors').$type<{ bad_mac: number[]; bad_decrypt: number[] }>(),
    /** Counters maintained by the ingest, so lists and stats never count a session's chats or messages. */
    individualChats: integer('individual_chats').notNull().default(0),
    groupChats: integer('group_chats').notNull().default(0),
    statusChats: integer('status_chats').notNull().default(0),
    messageCount: integer('message_count').notNull().default(0),
    sentCount: integer('sent_count').notNull().default(0),
    /** Bytes of the stored files of its messages (each message counted, shared files too). */
    mediaBytes: bigint('media_bytes', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('wa_sessions_company_name_uq').on(t.companyId, t.displayName),
    index('wa_sessions_company_idx').on(t.companyId, t.createdAt),
  ],
);

export const waAuthCreds = pgTable('wa_auth_creds', {
  sessionId: text('session_id')
    .primaryKey()
    .references(() => waSessions.id, { onDelete: 'cascade' }),
  /** BufferJSON-serialized Baileys creds. */
  creds: text('creds').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const waAuthKeys = pgTable(
  'wa_auth_keys',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => waSessions.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    keyId: text('key_id').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.type, t.keyId] })],
);

export const chats = pgTable(
  'chats',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => waSessions.id, { onDelete: 'cascade' }),
    /** Canonical WhatsApp id: 7707...@c.us, ...@g.us, status@broadcast. */
    waChatId: text('wa_chat_id').notNull(),
    /** The other id of the same contact (its @lid form), so one contact stays one chat. */
    altWaChatId: text('alt_wa_chat_id'),
    chatName: text('chat_name'),
    chatType: text('chat_type', { enum: ['individual', 'group', 'status'] }).notNull(),
    lastMessageAt: ts('last_message_at'),
    lastMessageText: text('last_message_text'),
    unreadCount: integer('unread_count').notNull().default(0),
    messageCount: integer('message_count').notNull().default(0),
    /** Our own messages among them (stats: sent vs received without scanning messages). */
    sentCount: integer('sent_count').notNull().default(0),
    isArchived: boolean('is_archived').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('chats_session_wa_uq').on(t.sessionId, t.waChatId),
    index('chats_session_alt_idx').on(t.sessionId, t.altWaChatId),
    index('chats_session_type_activity_idx').on(t.sessionId, t.chatType, t.lastMessageAt.desc().nullsLast(), t.id.desc().nullsLast()),
    index('chats_session_activity_idx').on(t.sessionId, t.lastMessageAt.desc().nullsLast(), t.id.desc().nullsLast()),
    index('chats_company_idx').on(t.companyId, t.chatType),
    index('chats_company_unread_idx')
      .on(t.companyId, t.sessionId)
      .where(sql`${t.unreadCount} > 0`),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => waSessions.id, { onDelete: 'cascade' }),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    waMessageId: text('wa_message_id').notNull(),
    fromMe: boolean('from_me').notNull(),
    fromNumber: text('from_number').notNull(),
    fromName: text('from_name'),
    body: text('body'),
    messageType: text('message_type').notNull(),
    timestamp: ts('timestamp').notNull(),
    isRead: boolean('is_read').notNull().default(false),
    managerId: text('manager_id'),
    /** pending | sent | delivered | read | failed (own messages); null for incoming. */
    status: text('status'),
    isPlaceholder: boolean('is_placeholder').notNull().default(false),
    media: jsonb('media'),
    quotedMessageId: text('quoted_message_id'),
    errorMessage: text('error_message'),
    /** One reaction per sender: `[{emoji, from, fromMe, timestamp}]`. */
    reactions: jsonb('reactions').$type<MessageReaction[]>(),
    /** The author edited it; `body` is the latest text. */
    editedAt: ts('edited_at'),
    /** Deleted for everyone: the row stays as a tombstone, its content gone. */
    deletedAt: ts('deleted_at'),
    /** For `location` messages. */
    location: jsonb('location').$type<MessageLocation>(),
    /** For `contact` messages: the cards shared. */
    contacts: jsonb('contacts').$type<MessageContactCard[]>(),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('messages_session_wa_uq').on(t.sessionId, t.waMessageId),
    index('messages_chat_ts_idx').on(t.chatId, t.timestamp.desc().nullsLast(), t.id.desc().nullsLast()),
    index('messages_company_ts_idx').on(t.companyId, t.timestamp),
    index('messages_chat_unread_idx')
      .on(t.chatId)
      .where(sql`${t.isRead} = false and ${t.fromMe} = false`),
    // Sends still waiting for WhatsApp: few at any time, found at start without a scan.
    index('messages_pending_idx')
      .on(t.sessionId)
      .where(sql`${t.status} = 'pending'`),
    // Who still refers to a stored file (content-addressed: many messages may share one).
    index('messages_media_sha_idx')
      .on(sql`(${t.media}->>'sha256')`)
      .where(sql`${t.media} is not null`),
    index('messages_media_thumb_idx')
      .on(sql`(${t.media}->>'thumbnailSha256')`)
      .where(sql`${t.media} is not null`),
    // Disk use per session sums its media rows only.
    index('messages_session_media_idx')
      .on(t.sessionId)
      .where(sql`${t.media} is not null`),
  ],
);

/**
 * Files of received messages still to fetch: rows, not promises, so a restart resumes them. A row
 * is written in the message's own transaction and removed in the one that records the outcome.
 */
export const mediaDownloads = pgTable(
  'media_downloads',
  {
    messageId: text('message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    companyId: text('company_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => waSessions.id, { onDelete: 'cascade' }),
    /** The engine's locator and the announced sha256. */
    source: jsonb('source').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('media_downloads_due_idx').on(t.nextAttemptAt)],
);

export const managerAccess = pgTable(
  'manager_access',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => waSessions.id, { onDelete: 'cascade' }),
    managerId: text('manager_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    canRead: boolean('can_read').notNull().default(true),
    canWrite: boolean('can_write').notNull().default(false),
    grantedBy: text('granted_by'),
    grantedAt: ts('granted_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('manager_access_session_manager_uq').on(t.sessionId, t.managerId),
    index('manager_access_manager_idx').on(t.managerId),
  ],
);

/** Idempotency-Key results of message sends, kept 24 h; a key belongs to its caller (messages/idempotency.ts). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    companyId: text('company_id').notNull(),
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    sessionId: text('session_id').notNull(),
    /** The chat the request was for (canonical WhatsApp id). */
    target: text('target').notNull(),
    /** What the request stored (the WhatsApp message id), once it did. */
    ref: text('ref'),
    response: jsonb('response'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.userId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    events: jsonb('events').$type<string[]>().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_endpoints_company_idx').on(t.companyId)],
);

/** The outbox: a delivery is stored before it is attempted, and retried across restarts. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id'),
    endpointId: text('endpoint_id').references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** Target URL (for the ERROR_WEBHOOK_URL deliveries that have no endpoint row). */
    url: text('url').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    /** pending | delivered | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    lastStatusCode: integer('last_status_code'),
    deliveredAt: ts('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    details: jsonb('details'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_company_idx').on(t.companyId, t.createdAt)],
);

/**
 * The transactional outbox of domain events: each row is written in the same transaction as the
 * data it describes, so nothing is announced that was not stored and nothing stored goes
 * unannounced. Kept for a while after publication (webhooks read it); pruned by age.
 */
export const domainEvents = pgTable(
  'domain_events',
  {
    /** Time-ordered (shared/ids.ts). */
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    sessionId: text('session_id'),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('domain_events_created_idx').on(t.createdAt)],
);
