import type { FastifyInstance } from 'fastify';

/** The unspecified addresses: bound to every interface, browsed at localhost. */
const ANY_HOST = new Set(['0.0.0.0', '::', '']);

export interface Listening {
  /** Where the socket is bound (`http://0.0.0.0:3000`). */
  bound: string;
  /** Where a browser on this machine reaches it (`http://localhost:3000`). */
  url: string;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * fastify.listen with a single "Server listening" line. Bound to 0.0.0.0, Fastify logs one line
 * per network interface (127.0.0.1, then each LAN address); the bound address says the same once.
 */
export async function listen(http: FastifyInstance, opts: { port: number; host: string }): Promise<Listening> {
  // Plugins settle first at the normal level: only the bind itself runs with info muted, and
  // nothing else logs through the instance logger then (modules log through child loggers).
  await http.ready();
  const level = http.log.level;
  http.log.level = 'warn';
  try {
    await http.listen(opts);
  } finally {
    http.log.level = level;
  }
  const address = http.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : opts.port;
  const host = address !== null && typeof address === 'object' ? address.address : opts.host;
  const bound = urlOf(host, port);
  http.log.info(`Server listening at ${bound}`);
  return { bound, url: ANY_HOST.has(host) ? urlOf('localhost', port) : bound };
}
