/**
 * `npm start` the way a user (or systemd, or Docker) runs it: builds when stale (a fresh build is
 * reused), serves from compiled JavaScript, and on SIGTERM to npm — the only process a service
 * manager knows — stops gracefully with exit code 0 and leaves no process behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Proc {
  pid: number;
  ppid: number;
  args: string;
}

/** Every live process of a process group (npm's: spawned detached, it leads its own). */
function processGroup(pgid: number): Proc[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map(([pid, ppid, , , ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(' ') }));
}

/** A user's environment: none of the outer `npm test`'s npm_* variables, no NODE_ENV=test. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_ENV' && k !== 'NODE_OPTIONS'));
  return { ...env, ...extra };
}

async function waitForHealth(url: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error('npm start exited before /health answered');
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`no /health within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start (production start)', () => {
  let npm: ChildProcess;
  let dataDir: string;
  let output = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let exitedYet = false;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'wa-npm-start-'));
    const port = await freePort();
    npm = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: userEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, WHATSAPP_ENGINE: 'simulator', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    npm.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    exit = new Promise((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
    void exit.then(() => (exitedYet = true));
    // A first run on a fresh clone builds the server and the dashboard first.
    await waitForHealth(`http://127.0.0.1:${port}`, () => exitedYet, 150_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
  }, 180_000);

  afterAll(async () => {
    // Whatever a failed assertion left running goes, by its process group.
    if (npm?.pid && processGroup(npm.pid).length > 0) process.kill(-npm.pid, 'SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the compiled server as npm’s direct child: no shell, no tsx in between', () => {
    const procs = processGroup(npm.pid!);
    const server = procs.find((p) => p.args.includes('dist/src/main.js'));
    expect(server, JSON.stringify(procs)).toBeDefined();
    expect(server!.ppid).toBe(npm.pid);
    expect(procs.filter((p) => p.pid !== npm.pid && p.pid !== server!.pid)).toEqual([]);
  });

  it('logs "Server listening" once, then the banner', async () => {
    // /health answers while sessions are still being restored; the banner follows when start-up is done.
    const end = Date.now() + 20_000;
    while (!output.includes('WA Inbox ready') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(output.match(/Server listening/g)).toHaveLength(1);
    expect(output).toMatch(/WA Inbox ready at http:\/\/127\.0\.0\.1:\d+: dashboard at .*, API docs at .*\/docs; engine simulator, database pglite/);
  });

  it('SIGTERM to npm: graceful stop, exit code 0, nothing left running', async () => {
    process.kill(npm.pid!, 'SIGTERM');
    const result = await Promise.race([exit, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(result, output).toEqual({ code: 0, signal: null });
    expect(output).toContain('"signal":"SIGTERM","msg":"shutting down"');
    expect(processGroup(npm.pid!)).toEqual([]);
  }, 30_000);
});
