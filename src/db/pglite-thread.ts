/**
 * Starts the embedded database in a worker thread (pglite-worker.mjs) and hands out connections to
 * it as streams that node-postgres uses in place of a TCP socket: the main thread speaks the
 * PostgreSQL protocol to PGlite exactly as it does to a real server, and never runs the database.
 */
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';

export interface PgliteThread {
  /** A new connection, for pg's `stream` option. */
  connect(): Duplex;
  close(): Promise<void>;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'data'; id: number; bytes: Uint8Array }
  | { type: 'error'; message: string }
  | { type: 'fail'; id: number; message: string }
  | { type: 'closed'; message?: string };

/** One end of a connection: what pg writes goes to the worker, what the worker answers is read. */
class WorkerConnection extends Duplex {
  constructor(
    readonly id: number,
    private readonly post: (message: unknown, transfer?: ArrayBuffer[]) => void,
  ) {
    super();
  }

  // pg treats its stream as a socket: it connects, and sets socket options.
  connect(): this {
    this.post({ type: 'open', id: this.id });
    setImmediate(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  // pg's pool refs a connection in use and unrefs an idle one: a stream has nothing to ref.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const bytes = new Uint8Array(chunk);
    this.post({ type: 'data', id: this.id, bytes }, [bytes.buffer]);
    done();
  }

  /** pg corks the stream around each query: its five messages leave in one post. */
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    const bytes = new Uint8Array(Buffer.concat(chunks.map((c) => c.chunk)));
    this.post({ type: 'data', id: this.id, bytes }, [bytes.buffer]);
    done();
  }

  override _read(): void {}

  /** pg ends a connection by ending the stream and waiting for it to close, as a socket would. */
  override _final(done: (err?: Error | null) => void): void {
    this.post({ type: 'end', id: this.id });
    this.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.post({ type: 'end', id: this.id });
    done(err);
  }
}

const pglitePath = createRequire(import.meta.url).resolve('@electric-sql/pglite');

export async function startPgliteThread(opts: { dataDir?: string; template?: Blob; onError?: (message: string) => void }): Promise<PgliteThread> {
  const workerData = {
    pglitePath,
    dataDir: opts.dataDir,
    template: opts.template ? new Uint8Array(await opts.template.arrayBuffer()) : undefined,
  };
  // Beside the TypeScript sources it is pglite-worker.mjs; the build emits it as pglite-worker.js.
  const workerFile = import.meta.url.endsWith('.ts') ? './pglite-worker.mjs' : './pglite-worker.js';
  const worker = new Worker(new URL(workerFile, import.meta.url), { workerData });
  const connections = new Map<number, WorkerConnection>();
  let nextId = 1;
  let closing: Promise<void> | undefined;
  const post = (message: unknown, transfer?: ArrayBuffer[]): void => worker.postMessage(message, transfer);

  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'failed') reject(new Error(`the embedded database could not start: ${m.message}`));
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded database thread exited with code ${code}`)));
  });

  worker.on('message', (m: FromWorker) => {
    if (m.type === 'data') connections.get(m.id)?.push(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    else if (m.type === 'error') opts.onError?.(m.message);
    else if (m.type === 'fail') {
      opts.onError?.(m.message);
      connections.get(m.id)?.destroy(new Error(`the embedded database failed: ${m.message.split('\n', 1)[0]}`));
    }
  });
  // Connections end with the thread, as sockets end with a server.
  worker.once('exit', () => {
    for (const c of connections.values()) c.destroy(new Error('the embedded database stopped'));
  });

  return {
    connect() {
      const c = new WorkerConnection(nextId++, post);
      connections.set(c.id, c);
      c.once('close', () => connections.delete(c.id));
      return c;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'closed') void worker.terminate().then(() => resolve());
        });
        worker.once('exit', () => resolve());
        post({ type: 'close' });
      });
      return closing;
    },
  };
}
