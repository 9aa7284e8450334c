/** Builds the real app on a fresh database for inject() route tests. */
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp, type App, type AppOverrides } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { Database } from '../../src/db/client.js';
import { openFreshDatabase, type DbKind } from './databases.js';
import { createPasswordHasher } from '../../src/auth/password.js';

const testPasswords = createPasswordHasher(1 << 10);

export interface TestApp {
  app: App;
  inject: App['http']['inject'];
  /** Listens on a free loopback port (for socket clients); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApp(
  opts: { env?: Record<string, string>; db?: DbKind; database?: Database; overrides?: Omit<AppOverrides, 'database'> } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    WHATSAPP_ENGINE: 'simulator',
    LOG_LEVEL: 'silent',
    // In-process suites share a loaded machine: admission control has its own tests (src/http/admission.test.ts).
    OVERLOAD_MAX_IN_FLIGHT: '0',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    OVERLOAD_MAX_DB_WAITING: '0',
    ...opts.env,
  });
  let cleanup = async (): Promise<void> => undefined;
  let database = opts.database;
  if (!database) {
    const fresh = await openFreshDatabase(opts.db ?? 'pglite');
    database = fresh.database;
    cleanup = fresh.cleanup;
  }
  const app = await buildApp(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    // Production scrypt costs ~50 ms of CPU per hash; what the tests check does not depend on it.
    passwordHasher: testPasswords,
    ...opts.overrides,
    database,
  });
  await app.http.ready();
  await app.start();
  return {
    app,
    inject: app.http.inject.bind(app.http) as App['http']['inject'],
    async listen() {
      await app.http.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    },
    async close() {
      await app.close();
      await cleanup().catch(() => undefined);
    },
  };
}

let counter = 0;
/** A unique email per call, so suites sharing a database never collide. */
export const uniqueEmail = (prefix = 'user'): string => `${prefix}.${Date.now().toString(36)}.${++counter}@example.com`;

export interface Actor {
  token: string;
  refreshToken: string;
  userId: string;
  companyId: string;
  email: string;
  password: string;
  headers: { authorization: string };
}

/** Registers a new company and returns its admin. */
export async function registerCompany(t: Pick<TestApp, 'inject'>, name = 'Acme'): Promise<Actor> {
  const email = uniqueEmail('admin');
  const password = 'correct horse battery';
  const res = await t.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { companyName: name, email, password, firstName: 'Ada', lastName: 'Admin' },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return actorFrom(res.json(), email, password);
}

type TokenPayload = { data: { accessToken: string; refreshToken: string; user: { id: string; companyId: string } } };

/** An actor from a register or login answer. */
function actorFrom({ data }: TokenPayload, email: string, password: string): Actor {
  return {
    token: data.accessToken,
    refreshToken: data.refreshToken,
    userId: data.user.id,
    companyId: data.user.companyId,
    email,
    password,
    headers: { authorization: `Bearer ${data.accessToken}` },
  };
}

/** Creates a user in the admin's company and logs it in. */
export async function createUser(
  t: Pick<TestApp, 'inject'>,
  admin: Actor,
  role: 'manager' | 'admin' = 'manager',
  names: { firstName?: string; lastName?: string } = {},
): Promise<Actor> {
  const email = uniqueEmail(role);
  const password = 'manager password 1';
  const res = await t.inject({
    method: 'POST',
    url: '/api/users',
    headers: admin.headers,
    payload: { email, password, firstName: names.firstName ?? 'Max', lastName: names.lastName ?? 'Manager', role },
  });
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`);
  const login = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  return actorFrom(login.json(), email, password);
}

/** Creates a session and links it through the simulator: resolves once it is connected. */
export async function linkSession(t: Pick<TestApp, 'inject'>, admin: Actor, displayName: string, phoneNumber = '77070000001'): Promise<string> {
  const created = await t.inject({ method: 'POST', url: '/api/whatsapp/sessions', headers: admin.headers, payload: { displayName } });
  if (created.statusCode !== 201) throw new Error(`create session failed: ${created.statusCode} ${created.body}`);
  const sessionId = (created.json() as { data: { sessionId: string } }).data.sessionId;
  const status = async () => (await t.inject({ method: 'GET', url: `/api/whatsapp/sessions/${sessionId}`, headers: admin.headers })).json().data.status as string;
  await until(async () => (await status()) === 'qr', 'the QR');
  const scan = await t.inject({ method: 'POST', url: `/api/simulator/sessions/${sessionId}/scan`, headers: admin.headers, payload: { phoneNumber } });
  if (scan.statusCode !== 200) throw new Error(`scan failed: ${scan.statusCode} ${scan.body}`);
  await until(async () => (await status()) === 'connected', 'the session to connect');
  return sessionId;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
