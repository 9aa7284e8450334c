/**
 * The simulator control API for Baileys engines connected to the loopback WhatsApp Web test
 * server: the same operations, played by that server's phone and contacts for each engine's
 * linked device (its QR to scan, its device JID for everything after).
 */
import { EngineSendError } from './engine.js';
import type { SimInbound, SimSentRecord, SimulatorControl, SimulatorControls } from './simulator-control.js';

/** What the test server offers per linked device (tools/wa-server's DeviceControl). */
export type DeviceControl = Omit<SimulatorControl, 'scan'>;

export interface LoopbackWhatsApp {
  readonly url: string;
  /** PEM certificate of its HTTPS media host (127.0.0.1), which the engine trusts for media only. */
  readonly mediaCa: string;
  scan(qr: string, phoneNumber: string): Promise<void>;
  device(deviceJid: string): DeviceControl;
  close(): Promise<void>;
}

/** What the control needs to know of a Baileys engine (not part of the engine seam). */
export interface LinkableEngine {
  readonly currentQr: string | undefined;
  readonly linkedDeviceJid: string | undefined;
}

/** The server's refusals (no such device, nothing to scan...) become 409s like the simulator's. */
async function asEngineError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof EngineSendError) throw err;
    throw new EngineSendError('unknown', err instanceof Error ? err.message : String(err));
  }
}

function controlOf(server: LoopbackWhatsApp, engine: LinkableEngine): SimulatorControl {
  const device = (): DeviceControl => {
    const jid = engine.linkedDeviceJid;
    if (!jid) throw new EngineSendError('not_connected', 'The session has no linked device yet');
    return server.device(jid);
  };
  return {
    scan: (phoneNumber) =>
      asEngineError(async () => {
        const qr = engine.currentQr;
        if (!qr) throw new EngineSendError('unknown', 'There is no QR code waiting to be scanned');
        await server.scan(qr, phoneNumber);
      }),
    inbound: (msg: SimInbound) => asEngineError(() => device().inbound(msg)),
    typing: (args) => asEngineError(() => device().typing(args)),
    receipt: (args) => asEngineError(() => device().receipt(args)),
    decryptErrors: (args) => asEngineError(() => device().decryptErrors(args)),
    connectionLoss: (reason) => asEngineError(() => device().connectionLoss(reason)),
    sendFailures: (args) => asEngineError(() => device().sendFailures(args)),
    sent: (): Promise<SimSentRecord[]> => asEngineError(() => device().sent()),
    expireMedia: (args) => asEngineError(() => device().expireMedia(args)),
    mediaOutage: (args) => asEngineError(() => device().mediaOutage(args)),
    reaction: (args) => asEngineError(() => device().reaction(args)),
    edit: (args) => asEngineError(() => device().edit(args)),
    revoke: (args) => asEngineError(() => device().revoke(args)),
  };
}

/** Controls for the engines of this process, keyed by session; `track` registers each new engine. */
export function testServerControls(server: LoopbackWhatsApp): SimulatorControls & { track(sessionId: string, engine: LinkableEngine): void } {
  const engines = new Map<string, LinkableEngine>();
  return {
    track: (sessionId, engine) => void engines.set(sessionId, engine),
    of: (sessionId) => {
      const engine = engines.get(sessionId);
      return engine && controlOf(server, engine);
    },
  };
}
