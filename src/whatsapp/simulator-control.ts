/**
 * The simulator control surface (docs/api.md "Simulator engine and its control API"): what the phone,
 * the contacts and the network do, played for one session. It is not part of the engine seam:
 * only the simulator engine and the loopback test-server mode provide it, through
 * `SimulatorControls`, and only the simulator routes use it.
 */
import type { MessageType } from './engine.js';

export type SimMediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** A file a contact sends: the bytes as the contact's phone has them. */
export interface SimMedia {
  base64: string;
  mimetype: string;
  fileName?: string;
  caption?: string;
  isVoiceNote?: boolean;
}

export interface SimInbound {
  from: string;
  fromName?: string;
  /** The text; empty for media (the caption is `media.caption`). */
  body: string;
  type?: 'text' | SimMediaKind | 'location' | 'contact';
  media?: SimMedia;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: { name: string; phones: string[] }[];
  messageId?: string;
  timestamp?: Date;
  groupId?: string;
  groupName?: string;
  status?: boolean;
}

export type SimSentRecord =
  | {
      kind: 'message';
      messageId: string;
      to: string;
      body: string | null;
      messageType: MessageType;
      /** For media: the file as the contact received and decrypted it. */
      media?: SimSentMedia;
      location?: { latitude: number; longitude: number; name?: string; address?: string };
      contacts?: { name: string; phones: string[] }[];
      at: string;
    }
  | { kind: 'read-receipt'; chatId: string; messageIds: string[]; at: string }
  /** Our reaction (`emoji`), edit (`body`) or deletion for everyone of message `messageId`. */
  | { kind: 'reaction' | 'edit' | 'revoke'; chatId: string; messageId: string; emoji?: string; body?: string; at: string }
  | { kind: 'presence'; chatId: string; state: 'composing' | 'paused'; at: string };

export interface SimSentMedia {
  /** Hex sha256 of the decrypted bytes. */
  sha256: string;
  sizeBytes: number;
  mimetype: string;
  fileName?: string;
  isVoiceNote?: boolean;
}

export interface SimulatorControl {
  scan(phoneNumber: string): Promise<void>;
  inbound(msg: SimInbound): Promise<{ messageId: string }>;
  typing(args: { chatId: string; isTyping: boolean; participantId?: string }): Promise<void>;
  receipt(args: { messageId: string; status: 'delivered' | 'read' }): Promise<void>;
  decryptErrors(args: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count: number }): Promise<void>;
  connectionLoss(reason: 'connection_lost' | 'logged_out' | 'replaced'): Promise<void>;
  sendFailures(args: { errorType: 'rate_limit' | 'network' | 'not_on_whatsapp'; count: number }): Promise<void>;
  sent(): Promise<SimSentRecord[]>;
  /**
   * WhatsApp's media host forgets the file of a message a contact sent (it answers 410); with
   * `reupload` the linked phone still has it and uploads it again when asked (a media retry).
   */
  expireMedia(args: { messageId: string; reupload: boolean }): Promise<void>;
  /** A contact reacts to a message (`""` removes its reaction). */
  reaction(args: { messageId: string; from: string; emoji: string }): Promise<void>;
  /** A contact edits one of its messages. */
  edit(args: { messageId: string; from: string; body: string }): Promise<void>;
  /** A contact deletes one of its messages for everyone. */
  revoke(args: { messageId: string; from: string }): Promise<void>;
  /** WhatsApp's media hosts fail every download (HTTP 503) until told otherwise; a restart ends it. */
  mediaOutage(args: { down: boolean }): Promise<void>;
}

/** The controls of the sessions this process runs, when the engine mode has any. */
export interface SimulatorControls {
  /** The control of the session's current engine, or undefined when it has none. */
  of(sessionId: string): SimulatorControl | undefined;
}
