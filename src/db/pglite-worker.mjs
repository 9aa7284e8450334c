// The embedded database in its own thread: PGlite (WebAssembly) runs here, off the HTTP event loop
// and on the second core, and speaks the PostgreSQL wire protocol to the main thread over this
// worker's message port, so the main thread uses the same driver (pg) as with a real PostgreSQL.
// Plain JavaScript on purpose: the same file runs under tsx, vitest and the compiled server.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const SSL_REQUEST = 80877103;
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const PROTOCOL_3 = 196608;

const { PGlite } = await import(pathToFileURL(workerData.pglitePath).href);
/** @type {import('@electric-sql/pglite').PGlite} */
let db;
try {
  // PostgreSQL's default 128 MB of shared buffers live in the WebAssembly heap and stay resident
  // once touched; the gateway's working set is far smaller, and the OS caches the files anyway.
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  db = await PGlite.create({
    startParams,
    ...(workerData.dataDir ? { dataDir: workerData.dataDir } : workerData.template ? { loadDataDir: new Blob([workerData.template]) } : {}),
  });
} catch (err) {
  parentPort.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

/** One backend message: type byte, length, body. */
function backend(type, body) {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}
const int32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstrings = (...values) => Buffer.concat(values.map((v) => Buffer.from(`${v}\0`, 'utf8')));

/**
 * PGlite's session exists already and takes no startup message: the connection is accepted as a
 * server would accept it (no authentication; nothing outside this process can reach it).
 */
const STARTUP_REPLY = Buffer.concat([
  backend('R', int32(0)),
  backend('S', cstrings('client_encoding', 'UTF8')),
  backend('S', cstrings('server_encoding', 'UTF8')),
  backend('S', cstrings('standard_conforming_strings', 'on')),
  backend('S', cstrings('integer_datetimes', 'on')),
  backend('S', cstrings('DateStyle', 'ISO, MDY')),
  backend('K', Buffer.concat([int32(1), int32(0)])),
  backend('Z', Buffer.from('I')),
]);

/**
 * Runs protocol messages and returns PGlite's answer as it wrote it. The streaming form skips
 * the parse PGlite's plain form does of every answer (for its own query API, which this worker
 * does not use: pg parses the answer on the main thread).
 */
async function execRaw(messages) {
  const chunks = [];
  // The chunk is a view of WebAssembly memory: copied (into its own buffer, so it can be
  // transferred to the main thread) before PGlite writes there again.
  await db.execProtocolRawStream(messages, { onRawData: (chunk) => chunks.push(new Uint8Array(chunk)) });
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Per connection: bytes not yet forming a whole message, and whether the startup was seen. */
const connections = new Map();
/** Every message of every connection runs one after another: PGlite has one session. */
let tail = Promise.resolve();

/** `bytes` must own its whole buffer: it is transferred, not copied. */
function send(id, bytes) {
  if (bytes.byteLength === 0) return;
  parentPort.postMessage({ type: 'data', id, bytes }, [bytes.buffer]);
}

/** Splits what arrived into whole protocol messages; the first of a connection has no type byte. */
function takeMessages(conn) {
  const out = [];
  for (;;) {
    const buf = conn.buffer;
    if (!conn.started) {
      if (buf.length < 8) break;
      const length = buf.readInt32BE(0);
      const code = buf.readInt32BE(4);
      if (buf.length < length) break;
      if (code === SSL_REQUEST) out.push({ reply: Buffer.from('N') });
      else if (code === PROTOCOL_3) {
        conn.started = true;
        out.push({ reply: STARTUP_REPLY });
      }
      // A CancelRequest (its own short connection) cannot interrupt PGlite: ignored.
      conn.buffer = buf.subarray(length);
      continue;
    }
    if (buf.length < 5) break;
    const length = 1 + buf.readInt32BE(1);
    if (buf.length < length) break;
    // Terminate ends this connection, not PGlite's one session.
    if (buf[0] !== 0x58) out.push({ message: buf.subarray(0, length) });
    conn.buffer = buf.subarray(length);
  }
  return out;
}

/**
 * Consecutive messages go to PGlite in one call, and their answers back in one post: a query is
 * Parse, Bind, Describe, Execute and Sync, and each round trip through the WebAssembly backend and
 * the message port costs more than the message itself.
 */
function batched(steps) {
  const out = [];
  let pending = [];
  const flush = () => {
    if (pending.length) out.push({ messages: new Uint8Array(pending.length === 1 ? pending[0] : Buffer.concat(pending)) });
    pending = [];
  };
  for (const step of steps) {
    if (step.message) pending.push(step.message);
    else {
      flush();
      out.push(step);
    }
  }
  flush();
  return out;
}

parentPort.on('message', (msg) => {
  if (msg.type === 'open') {
    connections.set(msg.id, { buffer: Buffer.alloc(0), started: false });
    return;
  }
  if (msg.type === 'end') {
    if (!connections.delete(msg.id)) return;
    // Every connection shares PGlite's one session. When one ends (pg ends a client after any
    // failed query), what a PostgreSQL backend would take with it goes: an open transaction,
    // prepared statements (the next client prepares them again under the same names), settings.
    // A Sync first: after an error mid-query the backend ignores everything until one.
    tail = tail.then(async () => {
      await execRaw(SYNC);
      await db.exec('ROLLBACK');
      await db.exec('DISCARD ALL');
    }).catch((err) => parentPort.postMessage({ type: 'error', message: String(err) }));
    return;
  }
  if (msg.type === 'data') {
    const conn = connections.get(msg.id);
    if (!conn) return;
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, Buffer.from(msg.bytes)]) : Buffer.from(msg.bytes);
    for (const step of batched(takeMessages(conn))) {
      tail = tail.then(async () => {
        if (step.reply) return send(msg.id, new Uint8Array(step.reply));
        try {
          send(msg.id, await execRaw(step.messages));
        } catch (err) {
          // Not an SQL error (those are answered in the protocol): the connection's client would
          // wait for an answer forever. It is failed, and the pool opens another.
          parentPort.postMessage({ type: 'fail', id: msg.id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        }
      });
    }
    tail = tail.catch((err) => parentPort.postMessage({ type: 'error', message: err instanceof Error ? err.stack : JSON.stringify(err) }));
    return;
  }
  if (msg.type === 'close') {
    tail = tail
      .then(() => db.close())
      .then(() => parentPort.postMessage({ type: 'closed' }))
      .catch((err) => parentPort.postMessage({ type: 'closed', message: String(err) }));
  }
});

parentPort.postMessage({ type: 'ready' });
