/**
 * Starts the real server (`src/main.ts`, through tsx: no build needed) as a child process on a
 * free port, and stops it gracefully or with SIGKILL. `npm start` itself, on the compiled build,
 * is covered by test/e2e/production-start.e2e.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgliteDataTemplatePath } from './pglite-template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * How to run one of the project's programs: compiled (dist/, built by the global setup), or from
 * source with E2E_FROM_SOURCE=1. E2E_NODE_ARGS adds Node flags (`--cpu-prof`, say) to profile them.
 */
export function nodeArgs(source: string): string[] {
  const extra = process.env.E2E_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return process.env.E2E_FROM_SOURCE === '1' ? [...extra, '--import', 'tsx', path.join(root, source)] : [...extra, path.join(root, 'dist', source.replace(/\.ts$/, '.js'))];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  baseUrl: string;
  port: number;
  /** The server's process id (for its memory, in benchmarks). */
  pid: number;
  dataDir: string;
  env: Record<string, string>;
  output(): string;
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<number | null>;
  /** Hard kill (SIGKILL), as a crash or OOM would. */
  kill(): Promise<void>;
}

/**
 * Everything a child process writes (stdout and stderr), and the moment it writes `marker`:
 * `started` rejects, with the output so far, if the child exits first or `timeoutMs` passes.
 */
export function watchOutput(child: ChildProcess, marker: string, timeoutMs: number, what: string): { output: () => string; started: Promise<void> } {
  let out = '';
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it started:\n${out}`));
    });
  });
  return { output: () => out, started };
}

/**
 * Starts the compiled server (built by the test run's global setup), as `npm start` runs it;
 * E2E_FROM_SOURCE=1 runs src/ through tsx instead. A new data folder starts from a migrated
 * PGlite template unless `freshDatabase` (a first start is its own test).
 */
export async function startServer(
  opts: { env?: Record<string, string>; dataDir?: string; port?: number; freshDatabase?: boolean } = {},
): Promise<RunningServer> {
  let dataDir = opts.dataDir;
  if (!dataDir) {
    dataDir = await mkdtemp(path.join(tmpdir(), 'wa-e2e-'));
    const template = pgliteDataTemplatePath();
    if (!opts.freshDatabase && !opts.env?.DATABASE_URL && existsSync(template)) await cp(template, path.join(dataDir, 'pglite'), { recursive: true });
  }
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    WHATSAPP_ENGINE: 'simulator',
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, nodeArgs('src/main.ts'), {
    cwd: root,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { output, started } = watchOutput(child, 'API docs at', 60_000, 'server');
  // E2E_SERVER_LOG=<file> keeps every server's output for debugging a failed end-to-end run.
  if (process.env.E2E_SERVER_LOG) void exited.then(() => appendFileSync(process.env.E2E_SERVER_LOG!, output()));
  await started;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    dataDir,
    env,
    output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      // A shutdown that hangs must fail the test, not leave a server spinning after the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      return exited.finally(() => clearTimeout(timer));
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A small JSON HTTP client for end-to-end tests. */
export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
