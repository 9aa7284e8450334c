/**
 * Chooses the engine from the configuration: the in-process simulator, or Baileys (against real
 * WhatsApp, a WHATSAPP_WEB_URL override, or the in-process loopback test server).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { EngineFactory } from './engine.js';
import { createSimulatorEngineFactory } from './engines/simulator/simulator-engine.js';

export interface EngineSetup {
  factory: EngineFactory;
  /** Whether the simulator control API is available. */
  hasSimulatorControl: boolean;
  close(): Promise<void>;
}

export async function createEngineFactory(config: Config, logger: Logger, override?: EngineFactory): Promise<EngineSetup> {
  const backoff = { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs, maxRetries: config.reconnectMaxRetries };
  if (override) return { factory: override, hasSimulatorControl: config.whatsappEngine === 'simulator', close: async () => undefined };
  if (config.whatsappEngine === 'simulator') {
    return {
      factory: createSimulatorEngineFactory({ backoff, qrMaxRefreshes: config.qrMaxRefreshes, qrRefreshMs: 20_000 }),
      hasSimulatorControl: true,
      close: async () => undefined,
    };
  }
  logger.warn('the Baileys engine is not wired yet');
  throw new Error('WHATSAPP_ENGINE=baileys is not available yet');
}
