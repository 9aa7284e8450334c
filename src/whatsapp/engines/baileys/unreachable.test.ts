/**
 * The real makeWASocket against a local WebSocket server that will not speak WhatsApp: the engine
 * must back off, give up with `failed`, and never leak an unhandled rejection.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AuthStateStore, EngineEvent } from '../../engine.js';
import { createBaileysEngineFactory, createWaVersionResolver } from './index.js';

function memoryStore(): AuthStateStore {
  let creds: string | null = null;
  const keys = new Map<string, string>();
  return {
    loadCreds: async () => creds,
    saveCreds: async (s) => {
      creds = s;
    },
    getKeys: async (type, ids) => Object.fromEntries(ids.flatMap((id) => (keys.has(`${type}/${id}`) ? [[id, keys.get(`${type}/${id}`)!]] : []))),
    setKeys: async (data) => {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) {
          if (v === null) keys.delete(`${type}/${id}`);
          else keys.set(`${type}/${id}`, v);
        }
    },
    listKeyIds: async (type, prefix) => [...keys.keys()].filter((k) => k.startsWith(`${type}/${prefix}`)).map((k) => k.slice(type.length + 1)),
    clear: async () => {
      creds = null;
      keys.clear();
    },
  };
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
});

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(make: (port0: { port: number; host: string }) => WebSocketServer): Promise<string> {
  server = make({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}/ws/chat`;
}

async function runUntilFailed(url: string) {
  const fetcher = vi.fn(async () => ({ version: [2, 3000, 1] as [number, number, number], isLatest: true }));
  const resolveVersion = createWaVersionResolver({ fallback: [2, 3000, 1027934701], fetchLatest: false, fetcher });
  const events: EngineEvent[] = [];
  const engine = createBaileysEngineFactory({
    backoff: { baseMs: 10, maxMs: 40, maxRetries: 2 },
    qrMaxRefreshes: 3,
    waWebSocketUrl: url,
    resolveVersion,
    connectTimeoutMs: 3000,
  })({
    sessionId: 's1',
    companyId: 'c1',
    logger: pino({ level: 'silent' }),
    auth: memoryStore(),
    getStoredMessage: async () => null,
  });
  engine.on((e) => void events.push(e));
  await expect(engine.start()).resolves.toBeUndefined();
  await vi.waitFor(() => expect(events.some((e) => e.type === 'disconnected' && !e.willReconnect)).toBe(true), { timeout: 20_000 });
  // Give late socket callbacks a chance to surface as unhandled rejections.
  await new Promise((r) => setTimeout(r, 200));
  await engine.stop();
  expect(fetcher).not.toHaveBeenCalled();
  return events.filter((e): e is Extract<EngineEvent, { type: 'disconnected' }> => e.type === 'disconnected');
}

describe('Baileys engine against an unreachable WhatsApp', () => {
  it('an endpoint that refuses the upgrade (HTTP 403) → backoff, then failed', async () => {
    const url = await listen((o) => new WebSocketServer({ ...o, verifyClient: (_info, cb) => cb(false, 403, 'Forbidden') }));
    const d = await runUntilFailed(url);
    expect(d.map((e) => [e.reason, e.willReconnect, e.attempt])).toEqual([
      ['connection_lost', true, 1],
      ['connection_lost', true, 2],
      ['failed', false, undefined],
    ]);
    expect(d[0]!.message).toMatch(/403/);
    expect(rejections).toEqual([]);
  });

  it('an endpoint that accepts and then drops the connection → backoff, then failed', async () => {
    let connections = 0;
    const url = await listen((o) => {
      const wss = new WebSocketServer(o);
      wss.on('connection', (ws) => {
        connections += 1;
        ws.terminate();
      });
      return wss;
    });
    const d = await runUntilFailed(url);
    expect(connections).toBe(3);
    expect(d.map((e) => [e.reason, e.willReconnect, e.attempt])).toEqual([
      ['connection_lost', true, 1],
      ['connection_lost', true, 2],
      ['failed', false, undefined],
    ]);
    expect(d[0]!.code).toBe(428);
    expect(rejections).toEqual([]);
  });
});
