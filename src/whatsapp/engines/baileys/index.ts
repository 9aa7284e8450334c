/** The Baileys engine: the only place that imports `baileys`. */
import makeWASocket from 'baileys';
import type { EngineFactory } from '../../engine.js';
import { BaileysEngine } from './baileys-engine.js';
import type { BaileysEngineOptions, SocketFactory } from './socket.js';

export type BaileysEngineFactoryOptions = Omit<BaileysEngineOptions, 'socketFactory'> & {
  /** Tests inject a fake socket; production uses makeWASocket. */
  socketFactory?: SocketFactory;
};

export function createBaileysEngineFactory(opts: BaileysEngineFactoryOptions): EngineFactory {
  const socketFactory: SocketFactory = opts.socketFactory ?? ((config) => makeWASocket(config));
  return (ctx) => new BaileysEngine(ctx, { ...opts, socketFactory });
}

export { BaileysEngine } from './baileys-engine.js';
export type { BaileysEngineOptions, BaileysSocket, SocketFactory } from './socket.js';
export { createWaVersionResolver, type WaVersion, type WaVersionResolver, type WaVersionResolverOptions } from './version.js';

