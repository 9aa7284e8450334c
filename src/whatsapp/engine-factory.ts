/**
 * Chooses the engine from the configuration: the in-process simulator, or Baileys (against real
 * WhatsApp, a WHATSAPP_WEB_URL override, or the in-process loopback test server). The two test
 * modes also provide the simulator controls; production Baileys provides none.
 */
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { EngineFactory } from './engine.js';
import { BaileysEngine, createBaileysEngineFactory, createWaVersionResolver } from './engines/baileys/index.js';
import { routeLibsignalConsole } from './engines/baileys/libsignal-console.js';
import { createSimulatorEngines } from './engines/simulator/simulator-engine.js';
import type { SimulatorControls } from './simulator-control.js';
import { testServerControls, type LoopbackWhatsApp } from './test-server-control.js';

export interface EngineSetup {
  factory: EngineFactory;
  /** Present in the simulator and test-server modes: the simulator API plays these. */
  controls: SimulatorControls | undefined;
  close(): Promise<void>;
}

/**
 * The loopback server lives with the test tooling (tools/), which the product never imports
 * statically: it is loaded only when asked for.
 */
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

export async function createEngineFactory(config: Config, logger: Logger, override?: { factory: EngineFactory; controls?: SimulatorControls }): Promise<EngineSetup> {
  const backoff = { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs, maxRetries: config.reconnectMaxRetries };
  if (override) return { factory: override.factory, controls: override.controls, close: async () => undefined };
  if (config.whatsappEngine === 'simulator') {
    const mediaDir = path.join(config.dataDir, 'simulator-media');
    return { ...createSimulatorEngines({ backoff, qrMaxRefreshes: config.qrMaxRefreshes, qrRefreshMs: 20_000, mediaDir }), close: async () => undefined };
  }
  routeLibsignalConsole(logger);
  const testServer = config.whatsappTestServer ? await startTestServer(config, logger) : undefined;
  // Media hosts are trusted beyond Node's store only for the test server's CA or one named on purpose.
  const mediaCa = testServer?.mediaCa ?? (config.whatsappMediaCaFile ? await fs.readFile(config.whatsappMediaCaFile, 'utf8') : undefined);
  const baileys = createBaileysEngineFactory({
    backoff,
    qrMaxRefreshes: config.qrMaxRefreshes,
    resolveVersion: createWaVersionResolver({
      ...(config.waVersion && { override: config.waVersion }),
      fallback: config.waVersionFallback,
      // The loopback server accepts any version: never ask web.whatsapp.com for it.
      fetchLatest: !testServer,
    }),
    ...((testServer?.url ?? config.whatsappWebUrl) && { waWebSocketUrl: testServer?.url ?? config.whatsappWebUrl }),
    // One secure context for every request: an agent given `ca` itself parses the whole list for
    // each new connection and puts it in every pool key.
    ...(mediaCa && { mediaAgent: new https.Agent({ secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, mediaCa] }), keepAlive: true }) }),
  });
  if (!testServer) return { factory: baileys, controls: undefined, close: async () => undefined };
  const controls = testServerControls(testServer);
  return {
    factory: (ctx) => {
      const engine = baileys(ctx);
      if (engine instanceof BaileysEngine) controls.track(ctx.sessionId, engine);
      return engine;
    },
    controls,
    close: () => testServer.close(),
  };
}
