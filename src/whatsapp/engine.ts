/**
 * The engine seam: one live WhatsApp connection of one session. Everything above this file
 * (health counters, persistence, fan-out, webhooks) is engine-agnostic. Only
 * `engines/baileys/` imports Baileys.
 *
 * WhatsApp ids crossing the seam are always in the API's canonical form:
 * individual `77079856339@c.us`, group `1203...@g.us`, status `status@broadcast`.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

export type ChatKind = 'individual' | 'group' | 'status';

export type MessageType =
  | 'text'
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contact'
  | 'reaction'
  | 'ciphertext'
  | 'unknown';

export type DeliveryStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** Why a connection ended. Values double as the `reason` of `whatsapp:session-disconnected`. */
export type DisconnectReason =
  | 'connection_lost' // transient drop (428/408/500/503...): the engine reconnects with backoff
  | 'logged_out' // WhatsApp logged the device out (401): credentials wiped
  | 'client_logout' // we logged out on purpose
  | 'replaced' // another client opened the same credentials (440)
  | 'closed' // we closed on purpose (close, restart, shutdown, threshold)
  | 'forbidden' // 403/402/406: banned or blocked
  | 'qr_expired' // the QR was not scanned in time
  | 'failed'; // gave up after the retry limit

/**
 * Where the engine can fetch a received file later: plain JSON that only the engine that made it
 * reads. It is stored with the pending download, so a download survives a restart.
 */
export type MediaLocator = Record<string, string | number | boolean | null>;

export interface MediaInfo {
  mimetype?: string;
  fileName?: string;
  caption?: string;
  sizeBytes?: number;
  /** Hex sha256 of the file as WhatsApp announced it; the download must match it. */
  sha256?: string;
  width?: number;
  height?: number;
  durationSec?: number;
  isVoiceNote?: boolean;
  /** The small JPEG preview WhatsApp sends inside the message (images, videos, documents). */
  thumbnail?: Buffer;
  /** Absent when the message names no file to fetch. */
  locator?: MediaLocator;
}

/** A change to a stored message: a reaction (`""` removes the sender's), an edit by its author, a deletion for everyone. */
export type MessageChange = { kind: 'reaction'; emoji: string } | { kind: 'edit'; body: string } | { kind: 'revoke' };

/** Why a received file could not be fetched; `expired` and `too_large` are final. */
export class MediaDownloadError extends Error {
  constructor(
    readonly kind: 'expired' | 'too_large' | 'integrity' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'MediaDownloadError';
  }
}

export interface EngineMessage {
  messageId: string;
  /** Canonical chat id (`...@c.us`, `...@g.us`, `status@broadcast`). */
  chatJid: string;
  /** Another id of the same chat when WhatsApp gives one (e.g. the `@lid` form of a contact). */
  chatAltJid?: string;
  chatKind: ChatKind;
  /** Group subject or contact push name, when known. */
  chatName?: string;
  fromMe: boolean;
  /** Canonical id of the author: the contact, the group participant, or our own number. */
  senderJid: string;
  senderName?: string;
  body: string | null;
  messageType: MessageType;
  timestamp: Date;
  /** A decrypt failure stub; a later delivery with the same id replaces it. */
  isPlaceholder: boolean;
  media?: MediaInfo;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** Shared contact cards: name, the numbers on the card, the vCard itself. */
  contacts?: { name: string; phones: string[]; vcard: string }[];
  quotedMessageId?: string;
  /** live: received now; offline: backlog after reconnect; own: our own send echoed back. */
  origin: 'live' | 'offline' | 'own' | 'history';
  status?: DeliveryStatus;
}

export type EngineEvent =
  | { type: 'qr'; qr: string }
  | { type: 'pairing-code'; code: string }
  | { type: 'connecting' }
  | { type: 'connected'; phoneNumber: string; jid: string; pushName?: string }
  | {
      type: 'disconnected';
      reason: DisconnectReason;
      willReconnect: boolean;
      message: string;
      /** Transport status code when there is one (Baileys' DisconnectReason codes). */
      code?: number;
      /** Reconnect attempt number and delay when willReconnect. */
      attempt?: number;
      retryInMs?: number;
      /** For `closed`: the reason given to `stop()`. */
      closeReason?: string;
    }
  | { type: 'message'; message: EngineMessage }
  | {
      type: 'message-status';
      messageId: string;
      chatJid: string;
      status: DeliveryStatus;
      timestamp: Date;
      participantJid?: string;
    }
  | { type: 'typing'; chatJid: string; participantJid: string; isTyping: boolean; timestamp: Date }
  | {
      /** Someone reacted to, edited or deleted for everyone an earlier message (`messageId`). */
      type: 'message-change';
      chatJid: string;
      messageId: string;
      /** Canonical id of who did it. */
      senderJid: string;
      fromMe: boolean;
      timestamp: Date;
      change: MessageChange;
    }
  | { type: 'chat-meta'; chatJid: string; name: string }
  | {
      type: 'decrypt-error';
      kind: 'bad_mac' | 'bad_decrypt';
      senderJid: string;
      messageId?: string;
      detail: string;
      /** How many Signal keys the engine removed for this sender (Bad MAC cleanup). */
      keysRemoved?: number;
    }
  | { type: 'error'; errorType: string; message: string };

/**
 * May return a promise that settles once the event is durably handled (a message stored): an
 * engine that must not acknowledge anything before that (the simulator API, the inbound journal)
 * awaits it; others only report its failure.
 */
export type EngineEventHandler = (event: EngineEvent) => void | Promise<void>;

export type OutgoingContent =
  | { type: 'text'; text: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contact'; contacts: { name: string; phones: string[] }[] }
  | {
      type: 'image' | 'video' | 'audio' | 'document' | 'sticker';
      data: Buffer;
      mimetype: string;
      fileName?: string;
      caption?: string;
      isVoiceNote?: boolean;
    };

export interface SendOptions {
  quotedMessageId?: string;
  /** Message id to use (lets a retried send keep its id); the engine generates one otherwise. */
  messageId?: string;
}

export interface SentMessage {
  messageId: string;
  timestamp: Date;
}

export interface ChangeTarget {
  messageId: string;
  fromMe: boolean;
  /** Author of the message in a group. */
  participantJid?: string;
}

export interface ReadKey {
  messageId: string;
  /** Author of the message in a group. */
  participantJid?: string;
}

/** Thrown by `sendMessage` / `markRead` / `sendPresence`; `kind` drives the HTTP status and `send-error` event. */
export class EngineSendError extends Error {
  constructor(
    readonly kind: 'rate_limit' | 'network' | 'not_on_whatsapp' | 'not_connected' | 'unknown',
    message: string,
  ) {
    super(message);
    this.name = 'EngineSendError';
  }
}

export interface WhatsAppEngine {
  /** Begins connecting. Never rejects for WhatsApp/network trouble: that becomes events. */
  start(): Promise<void>;
  /** Closes the connection on purpose and keeps credentials; no reconnect follows. */
  stop(reason?: string): Promise<void>;
  /** Logs the linked device out of WhatsApp (best effort) and wipes credentials. */
  logout(): Promise<void>;
  /** Pairing by phone-number code instead of QR (8 characters to type on the phone). */
  requestPairingCode(phoneNumber: string): Promise<string>;
  sendMessage(chatJid: string, content: OutgoingContent, opts?: SendOptions): Promise<SentMessage>;
  markRead(chatJid: string, keys: ReadKey[]): Promise<void>;
  /** Reacts to, edits or deletes for everyone a message of the chat (`fromMe`: the target is ours). */
  sendChange(chatJid: string, target: ChangeTarget, change: MessageChange): Promise<void>;
  sendPresence(chatJid: string, state: 'composing' | 'paused'): Promise<void>;
  /**
   * The decrypted file a received message points to, as a stream (never whole in memory), checked
   * against what the message announced; an expired file is asked of the phone again first.
   * Rejects (or the stream errors) with MediaDownloadError.
   */
  downloadMedia(locator: MediaLocator, opts: { maxBytes: number }): Promise<Readable>;
  /** Subscribes to engine events; returns the unsubscribe function. */
  on(handler: EngineEventHandler): () => void;
}

/** Signal/auth persistence the real engine needs; implemented on the database. */
export interface AuthStateStore {
  /** Serialized creds (BufferJSON string) or null when the session was never linked. */
  loadCreds(): Promise<string | null>;
  saveCreds(serialized: string): Promise<void>;
  /** Serialized values by id; missing ids are absent from the result. */
  getKeys(type: string, ids: string[]): Promise<Record<string, string>>;
  /** One transaction: a null value deletes the key. */
  setKeys(data: Record<string, Record<string, string | null>>): Promise<void>;
  /** Ids of stored keys of a type whose id starts with the prefix (for per-contact session cleanup). */
  listKeyIds(type: string, prefix: string): Promise<string[]>;
  /** Wipes creds and all keys of the session. */
  clear(): Promise<void>;
}

/** Reads a message we sent, so the engine can re-encrypt it for a retry receipt. */
export type StoredMessageLookup = (chatJid: string, messageId: string) => Promise<OutgoingContent | null>;

export interface EngineContext {
  sessionId: string;
  companyId: string;
  logger: Logger;
  auth: AuthStateStore;
  getStoredMessage: StoredMessageLookup;
}

export type EngineFactory = (ctx: EngineContext) => WhatsAppEngine;
