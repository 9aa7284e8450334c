/** The part of Baileys' socket the engine uses, so tests can inject a fake with the real event shapes. */
import type { Agent } from 'node:https';
import type { BaileysEventMap, UserFacingSocketConfig, WABrowserDescription, WASocket } from 'baileys';
import type { BackoffPolicy } from '../../backoff.js';
import type { WaVersion } from './version.js';

export type BaileysSocket = Pick<
  WASocket,
  | 'ev'
  | 'ws'
  | 'user'
  | 'authState'
  | 'signalRepository'
  | 'sendMessage'
  | 'readMessages'
  | 'sendPresenceUpdate'
  | 'presenceSubscribe'
  | 'groupMetadata'
  | 'logout'
  | 'end'
  | 'requestPairingCode'
  | 'refreshMediaConn'
  | 'updateMediaMessage'
>;

/** `makeWASocket` in production. */
export type SocketFactory = (config: UserFacingSocketConfig) => BaileysSocket;

/** Every event the engine listens to; exactly these are removed when a socket is dropped. */
export const SUBSCRIBED_EVENTS = [
  'connection.update',
  'creds.update',
  'messages.upsert',
  'messages.update',
  'message-receipt.update',
  'presence.update',
  'groups.update',
  'groups.upsert',
] as const satisfies readonly (keyof BaileysEventMap)[];

export interface BaileysEngineOptions {
  backoff: BackoffPolicy;
  /** QR codes shown per start before giving up with `qr_expired`. */
  qrMaxRefreshes: number;
  /** Another WhatsApp Web endpoint (a test server); default wss://web.whatsapp.com/ws/chat. */
  waWebSocketUrl?: string;
  /** Usually `createWaVersionResolver(...)`; receives `{refresh: true}` after a 405 (version refused). */
  resolveVersion: (opts?: { refresh?: boolean }) => Promise<WaVersion>;
  /** makeWASocket in production; tests inject a fake. */
  socketFactory: SocketFactory;
  /** Default Browsers.macOS('Chrome'). */
  browser?: WABrowserDescription;
  /** Bound on the best-effort `logout` round trip. Default 5000. */
  logoutTimeoutMs?: number;
  /** Baileys' WebSocket/handshake timeout. Default Baileys' (20000). */
  connectTimeoutMs?: number;
  /** Time for a new socket to open or show a QR before it is ended as timed out. Default 60000. */
  openTimeoutMs?: number;
  /** 515 restarts in a row before they count as failures (a server looping on 515). */
  maxRestartStreak?: number;
  /** How long a send waits for WhatsApp's ack before it stands unconfirmed. Default 15000. */
  ackTimeoutMs?: number;
  /**
   * The TLS agent for WhatsApp's media hosts (uploads and downloads); set only to trust a test
   * server's or a proxy's CA for media, never to turn checks off. Default: Node's trust store.
   */
  mediaAgent?: Agent;
}

/** An error shaped like Baileys' Boom (`output.statusCode`), without depending on @hapi/boom. */
export const transportError = (message: string, statusCode: number): Error => Object.assign(new Error(message), { output: { statusCode } });

