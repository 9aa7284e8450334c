import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAdmissionControl } from './admission.js';
import { registerErrorHandler } from './error-handler.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition never held');
}

describe('admission control', () => {
  it('refuses new requests with 503, Retry-After and the envelope while the database is behind; probes still answer', async () => {
    let waiting = 0;
    app = Fastify();
    registerErrorHandler(app);
    await registerAdmissionControl(app, { maxInFlight: 0, maxEventLoopDelayMs: 0, maxDbWaiting: 5, dbWaiting: () => waiting });
    app.get('/api/thing', async () => ({ success: true }));
    app.get('/health', async () => ({ status: 'ok' }));
    await app.ready();
    expect((await app.inject({ url: '/api/thing' })).statusCode).toBe(200);

    waiting = 6;
    await until(async () => (await app!.inject({ url: '/api/thing' })).statusCode === 503);
    const refused = await app.inject({ url: '/api/thing' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({ success: false, error: expect.stringContaining('overloaded'), code: 'overloaded' });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);

    waiting = 5;
    await until(async () => (await app!.inject({ url: '/api/thing' })).statusCode === 200);
  });

  it('refuses API requests beyond the number in progress, and admits again as they finish', async () => {
    app = Fastify();
    registerErrorHandler(app);
    await registerAdmissionControl(app, { maxInFlight: 2, maxEventLoopDelayMs: 0, maxDbWaiting: 0, dbWaiting: () => 0 });
    const release: (() => void)[] = [];
    app.get('/api/slow', () => new Promise((resolve) => release.push(() => resolve({ success: true }))));
    app.get('/health', async () => ({ status: 'ok' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const held = [fetch(`${url}/api/slow`), fetch(`${url}/api/slow`)];
    await until(async () => release.length === 2);
    const refused = await fetch(`${url}/api/slow`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { code: string }).code).toBe('overloaded');
    expect((await fetch(`${url}/health`)).status).toBe(200);
    for (const r of release.splice(0)) r();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    const admitted = fetch(`${url}/api/slow`);
    await until(async () => release.length === 1);
    release[0]!();
    expect((await admitted).status).toBe(200);
  });

  it('is off when every limit is 0', async () => {
    app = Fastify();
    await registerAdmissionControl(app, { maxInFlight: 0, maxEventLoopDelayMs: 0, maxDbWaiting: 0, dbWaiting: () => 1e9 });
    app.get('/api/thing', async () => ({ success: true }));
    await new Promise((r) => setTimeout(r, 250));
    expect((await app.inject({ url: '/api/thing' })).statusCode).toBe(200);
  });
});
