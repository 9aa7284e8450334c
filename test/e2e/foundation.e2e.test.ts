/**
 * The foundation as a user runs it: a real server process on a random port with a fresh data
 * directory, real HTTP, a real socket.io-client; graceful stop and restart on the same data.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresReachable, type FreshPostgres } from '../helpers/databases.js';
import { api, startServer, type RunningServer } from '../helpers/server.js';

type Json = Record<string, any>;

function connectSocket(baseUrl: string, token: string): Promise<Socket> {
  const socket = io(baseUrl, { transports: ['websocket', 'polling'], path: '/socket.io/', auth: { token }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('socket connect timed out after 10 s'));
    }, 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

/** Register → login → me → socket, the first thing every integrator does. */
async function firstSteps(baseUrl: string, email: string, password: string): Promise<{ accessToken: string; userId: string }> {
  const reg = await api<Json>(baseUrl, 'POST', '/api/auth/register', {
    companyName: 'E2E Co',
    email,
    password,
    firstName: 'Erin',
    lastName: 'Endtoend',
  });
  expect(reg.status).toBe(201);
  const login = await api<Json>(baseUrl, 'POST', '/api/auth/login', { email, password });
  expect(login.status).toBe(200);
  const { accessToken, user } = login.body.data;
  expect(user.id).toBe(reg.body.data.user.id);
  const me = await api<Json>(baseUrl, 'GET', '/api/auth/me', undefined, accessToken);
  expect(me.status).toBe(200);
  expect(me.body.data.user).toMatchObject({ email, role: 'admin' });
  expect(me.body.data.company.name).toBe('E2E Co');
  const socket = await connectSocket(baseUrl, accessToken);
  expect(socket.connected).toBe(true);
  socket.close();
  return { accessToken, userId: user.id };
}

describe('foundation end to end on PGlite', () => {
  let server: RunningServer | undefined;
  let restarted: RunningServer | undefined;
  const email = `e2e.${Date.now()}@example.com`;
  const password = 'an e2e password';
  let accessToken: string;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.kill();
    await restarted?.kill();
  });

  it('answers /health and /ready', async () => {
    const health = await api<Json>(server!.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const ready = await api<Json>(server!.baseUrl, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: { kind: 'pglite', ok: true } });
  });

  it('serves the API docs with the auth and users paths', async () => {
    const docs = await fetch(`${server!.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toMatch(/<html/i);
    const spec = await api<Json>(server!.baseUrl, 'GET', '/docs/json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(spec.body.paths);
    for (const p of ['/api/auth/register', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/auth/me', '/api/users', '/api/users/{userId}']) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(spec.body.paths['/api/users/{userId}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(spec.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('register → login → me → socket over real HTTP', async () => {
    ({ accessToken } = await firstSteps(server!.baseUrl, email, password));
    const bad = await connectSocket(server!.baseUrl, 'not-a-token').then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(bad).toMatch(/^unauthorized/);
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const code = await server!.stop();
    expect(code).toBe(0);
  });

  it('starts again on the same data directory: data and JWT secret persisted', async () => {
    restarted = await startServer({ dataDir: server!.dataDir });
    const me = await api<Json>(restarted.baseUrl, 'GET', '/api/auth/me', undefined, accessToken);
    expect(me.status).toBe(200);
    expect(me.body.data.user.email).toBe(email);
    const login = await api<Json>(restarted.baseUrl, 'POST', '/api/auth/login', { email, password });
    expect(login.status).toBe(200);
    const dup = await api<Json>(restarted.baseUrl, 'POST', '/api/auth/register', {
      companyName: 'Again',
      email,
      password,
      firstName: 'E',
      lastName: 'E',
    });
    expect(dup.status).toBe(409);
    expect(await restarted.stop()).toBe(0);
  });
});

const pgOk = await postgresReachable();

describe.skipIf(!pgOk)(`foundation end to end on PostgreSQL${pgOk ? '' : ' (SKIPPED: PostgreSQL is not reachable)'}`, () => {
  let fresh: FreshPostgres | undefined;
  let server: RunningServer | undefined;
  const email = `e2e.pg.${Date.now()}@example.com`;
  const password = 'an e2e password';

  beforeAll(async () => {
    fresh = await createPostgresDatabase();
    server = await startServer({ env: { DATABASE_URL: fresh.url } });
  });
  afterAll(async () => {
    await server?.kill();
    await fresh?.drop();
  });

  it('is ready on PostgreSQL, serves the first steps, and stops gracefully', async () => {
    const ready = await api<Json>(server!.baseUrl, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: { kind: 'postgres', ok: true } });
    await firstSteps(server!.baseUrl, email, password);
    expect(await server!.stop()).toBe(0);
  });
});
