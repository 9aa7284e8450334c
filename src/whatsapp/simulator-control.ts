/**
 * The simulator control surface (docs/api.md "Simulator engine and its control API"): what the phone,
 * the contacts and the network do, played for one session. It is not part of the engine seam:
 * only the simulator engine and the loopback test-server mode provide it, through
 * `SimulatorControls`, and only the simulator routes use it.
 */
import type { MessageType } from './engine.js';

export interface SimInbound {
  from: string;
  fromName?: string;
  body: string;
  type?: 'text';
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
      at: string;
    }
  | { kind: 'read-receipt'; chatId: string; messageIds: string[]; at: string }
  | { kind: 'presence'; chatId: string; state: 'composing' | 'paused'; at: string };

export interface SimulatorControl {
  scan(phoneNumber: string): Promise<void>;
  inbound(msg: SimInbound): Promise<{ messageId: string }>;
  typing(args: { chatId: string; isTyping: boolean; participantId?: string }): Promise<void>;
  receipt(args: { messageId: string; status: 'delivered' | 'read' }): Promise<void>;
  decryptErrors(args: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count: number }): Promise<void>;
  connectionLoss(reason: 'connection_lost' | 'logged_out' | 'replaced'): Promise<void>;
  sendFailures(args: { errorType: 'rate_limit' | 'network' | 'not_on_whatsapp'; count: number }): Promise<void>;
  sent(): Promise<SimSentRecord[]>;
}

/** The controls of the sessions this process runs, when the engine mode has any. */
export interface SimulatorControls {
  /** The control of the session's current engine, or undefined when it has none. */
  of(sessionId: string): SimulatorControl | undefined;
}
