import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startupBanner } from './banner.js';
import { listen } from './listen.js';
import { createRequestLogController } from './request-log.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  http?: { method: string; path: string; status: number; ms: number };
}

function app() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const http = Fastify({ loggerInstance: pino({ level: 'info' }, sink) as FastifyBaseLogger, logController: createRequestLogController() });
  http.get('/things/:id', async () => ({ ok: true }));
  return { http, lines };
}

describe('request log', () => {
  it('one info line per request: method, path without the query, status, ms, request id', async () => {
    const { http, lines } = app();
    const res = await http.inject({ method: 'GET', url: '/things/7?token=secret' });
    expect(res.statusCode).toBe(200);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 30, reqId: expect.any(String), http: { method: 'GET', path: '/things/7', status: 200 } });
    expect(line!.msg).toMatch(/^GET \/things\/7 200 [\d.]+ms$/);
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('a 404 is one line too', async () => {
    const { http, lines } = app();
    await http.inject({ method: 'GET', url: '/nowhere' });
    expect(lines.filter((l) => l.http)).toHaveLength(1);
    expect(lines.find((l) => l.http)!.http!.status).toBe(404);
  });
});

describe('listen', () => {
  it('bound to every interface: one "Server listening" line, browsed at localhost', async () => {
    const { http, lines } = app();
    try {
      const { bound, url } = await listen(http, { port: 0, host: '0.0.0.0' });
      expect(lines.filter((l) => l.msg.startsWith('Server listening'))).toEqual([expect.objectContaining({ msg: `Server listening at ${bound}` })]);
      expect(bound).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect(url).toBe(bound.replace('0.0.0.0', 'localhost'));
      expect(http.log.level).toBe('info');
    } finally {
      await http.close();
    }
  });
});

describe('startupBanner', () => {
  it('says where to go, the engine and where the data is, on one line', () => {
    const { message } = startupBanner({
      url: 'http://localhost:3000',
      engine: 'simulator',
      database: { kind: 'pglite', location: '/srv/data/pglite' },
      dashboard: true,
    });
    expect(message).toBe(
      'WA Inbox ready at http://localhost:3000: dashboard at http://localhost:3000/, API docs at http://localhost:3000/docs; engine simulator, database pglite (/srv/data/pglite)',
    );
  });
});
