/**
 * Shared pieces of the benchmarks: flags, the machine description, fresh databases (in-memory
 * PGlite or a fresh PostgreSQL database), the app built in-process on a loopback port, percentiles.
 */
import { execSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { createPostgresDatabase, postgresReachable } from '../test/helpers/databases.js';
import { api as jsonApi } from '../test/helpers/server.js';

export type DbKind = 'pglite' | 'postgres';

/** `--name value` / `--name=value` flags with defaults. */
export function flags<T extends Record<string, string>>(defaults: T): T {
  const out: Record<string, string> = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (!(name in defaults) || value === undefined) {
      console.error(`unknown or empty flag --${name}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
      process.exit(2);
    }
    out[name] = value;
  }
  return out as T;
}

export function dbKindOf(value: string): DbKind {
  if (value === 'pglite' || value === 'postgres') return value;
  console.error(`--db must be pglite or postgres, not ${value}`);
  process.exit(2);
}

export function machine(): Record<string, string> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let free = '';
  try {
    free = execSync('free -h', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Mem:'))?.replace(/\s+/g, ' ') ?? '';
  } catch {
    free = `${Math.round(os.totalmem() / 2 ** 30)} GiB total`;
  }
  return {
    date: new Date().toISOString(),
    nproc: String(os.availableParallelism()),
    cpu: model,
    memory: free,
    node: process.version,
  };
}

export interface FreshDb {
  database: Database;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database: in-memory PGlite, or a new PostgreSQL database dropped afterwards. */
export async function freshDatabase(kind: DbKind, poolSize = 10): Promise<FreshDb> {
  if (kind === 'pglite') {
    const database = await openDatabase({ kind: 'pglite' });
    return { database, cleanup: () => database.close() };
  }
  if (!(await postgresReachable())) throw new Error('PostgreSQL is not reachable on 127.0.0.1:5432');
  const fresh = await createPostgresDatabase();
  const database = await openDatabase({ kind: 'postgres', url: fresh.url, poolSize });
  return {
    database,
    async cleanup() {
      await database.close().catch(() => undefined);
      await fresh.drop();
    },
  };
}

export interface RunningApp {
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

/** The real app (simulator engine) on a fresh database, listening on a free loopback port. */
export async function startApp(database: Database, env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-bench-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    WHATSAPP_ENGINE: 'simulator',
    LOG_LEVEL: 'silent',
    SEND_RATE_PER_MINUTE: '100000',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    // Admission control can be tuned from the shell: OVERLOAD_MAX_IN_FLIGHT=64 npm run bench:http
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OVERLOAD_'))),
    ...env,
  });
  const app = await buildApp(config, { database, logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }) });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  await app.start();
  const { port } = app.http.server.address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates `count` sessions over HTTP and links each through the simulator; returns their ids. */
export async function linkSimulatorSessions(running: RunningApp, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let s = 0; s < count; s++) {
    const created = await api(running.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: `Line ${s}` }, token);
    const id = created.body.data.sessionId as string;
    // The engine starts a moment after the answer, and scans only once it shows a QR.
    for (let i = 0; i < 500; i++) {
      try {
        await running.app.simulatorControls!.of(id)!.scan(`7707${String(s).padStart(7, '0')}`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    ids.push(id);
  }
  return ids;
}

/** The tests' JSON client, with `any` bodies for the benchmarks' terse reads. */
export const api = <T = any>(...args: Parameters<typeof jsonApi>): Promise<{ status: number; body: T }> => jsonApi<T>(...args);

/** Registers a company over HTTP; returns its admin's token. */
export async function registerAdmin(baseUrl: string, email = `bench.${Date.now()}@example.com`, password = 'bench password 1'): Promise<{ token: string; email: string; password: string }> {
  const res = await api(baseUrl, 'POST', '/api/auth/register', { companyName: 'Bench Co', email, password, firstName: 'Bench', lastName: 'Admin' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.data.accessToken as string, email, password };
}

export { percentile } from './percentile.js';

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** Prints a markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return lines.join('\n');
}


/** What bench/open-loop.ts prints: latency (ms) runs from each request's intended send time. */
export interface OpenLoopResult {
  target: number;
  scheduled: number;
  sent: number;
  sentRate: number;
  /** 200 answers per second, from the first intended send to the last answer. */
  rate: number;
  ok: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Non-200 answers by status; `overloaded` of the 503s came from admission control. */
  statuses: Record<string, number>;
  overloaded: number;
  errors: number;
  unanswered: number;
  /** Sends more than 5 ms behind their intended time, the worst lag, and sends that waited for a socket. */
  late: number;
  maxLag: number;
  queuedForSocket: number;
}

/**
 * Runs a bench script in its own process (`node --import tsx script '<spec as JSON>'`) and parses
 * the last line of its stdout as JSON: the load does not share this process's event loop, which
 * meanwhile serves it.
 */
export function runChild<T>(script: string, spec: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${out.slice(-500)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

/** Rejects after `ms`, so no phase can hang the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
