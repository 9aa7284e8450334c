/** The loopback WhatsApp Web server (`npm run wa-server`) as its own process, with its admin API. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, nodeArgs, watchOutput } from './server.js';

export interface WaServerProcess {
  url: string;
  admin: string;
  /** The media host's certificate, for the gateway's WHATSAPP_MEDIA_CA_FILE. */
  mediaCaFile: string;
  stop(): Promise<void>;
}

export async function startWaServerProcess(): Promise<WaServerProcess> {
  const port = await freePort();
  const state = path.join(await mkdtemp(path.join(tmpdir(), 'wa-standalone-')), 'state.json');
  const child: ChildProcess = spawn(process.execPath, nodeArgs('tools/wa-server/cli.ts'), {
    env: { ...process.env, WA_SERVER_PORT: String(port), WA_SERVER_STATE: state, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await watchOutput(child, 'admin API at', 30_000, 'wa-server').started;
  return {
    url: `ws://127.0.0.1:${port}/ws/chat`,
    admin: `http://127.0.0.1:${port}/admin`,
    mediaCaFile: `${state}.media-ca.pem`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

