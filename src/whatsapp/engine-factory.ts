/**
 * Chooses the engine from the configuration: the in-process simulator, or Baileys (against real
 * WhatsApp, a WHATSAPP_WEB_URL override, or the in-process loopback test server).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { EngineFactory } from './engine.js';
import { createBaileysEngineFactory, createWaVersionResolver } from './engines/baileys/index.js';
import { routeLibsignalConsole } from './engines/baileys/libsignal-console.js';
import { testServerControl, type LoopbackWhatsApp } from './engines/baileys/test-server-control.js';
import { createSimulatorEngineFactory } from './engines/simulator/simulator-engine.js';

export interface EngineSetup {
  factory: EngineFactory;
  /** Whether the simulator control API is available. */
  hasSimulatorControl: boolean;
  close(): Promise<void>;
}

/** The loopback server lives with the test tooling; it is loaded only when asked for. */
async function startTestServer(config: Config, logger: Logger): Promise<LoopbackWhatsApp> {
  const { WaTestServer } = await import('../../tools/wa-server/server.js');
  const server = await WaTestServer.start({
    // Its accounts and linked devices outlive a restart, as WhatsApp's do.
    stateFile: path.join(config.dataDir, 'wa-test-server.json'),
    logger: logger.child({ module: 'wa-test-server' }),
  });
  logger.warn({ url: server.url }, 'WHATSAPP_TEST_SERVER: sessions connect to the loopback WhatsApp Web test server, not to WhatsApp');
  return server;
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
  routeLibsignalConsole(logger);
  const testServer = config.whatsappTestServer ? await startTestServer(config, logger) : undefined;
  const waWebSocketUrl = testServer?.url ?? config.whatsappWebUrl;
  const factory = createBaileysEngineFactory({
    backoff,
    qrMaxRefreshes: config.qrMaxRefreshes,
    resolveVersion: createWaVersionResolver({
      ...(config.waVersion && { override: config.waVersion }),
      fallback: config.waVersionFallback,
      // The loopback server accepts any version: never ask web.whatsapp.com for it.
      fetchLatest: !testServer,
    }),
    ...(waWebSocketUrl && { waWebSocketUrl }),
    ...(testServer && { control: (engine) => testServerControl(testServer, engine) }),
  });
  return {
    factory,
    hasSimulatorControl: testServer !== undefined,
    close: async () => testServer?.close(),
  };
}
