/** A local HTTP receiver for webhook tests: records every request, answers with a chosen status. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  body: unknown;
  raw: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Status codes to answer with, in order; then 200. */
  respondWith: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const respondWith: number[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep raw text
      }
      received.push({ headers: req.headers, body, raw });
      res.statusCode = respondWith.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    respondWith,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
