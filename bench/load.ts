/**
 * The load generator of bench/api.ts, in its own process so that it does not share the server's
 * event loop: autocannon against one endpoint, printing its result as JSON on stdout.
 *
 *   tsx bench/load.ts '{"url":"http://127.0.0.1:3000","token":"…","paths":["/api/…"],"connections":32,"seconds":10}'
 */
import autocannon from 'autocannon';

interface LoadSpec {
  url: string;
  token: string;
  /** Each request takes one at random: pages, chats. */
  paths: string[];
  connections: number;
  seconds: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const pick = (): string => spec.paths[Math.floor(Math.random() * spec.paths.length)]!;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  requests: [{ method: 'GET', headers: { authorization: `Bearer ${spec.token}` }, setupRequest: (req) => ({ ...req, path: pick() }) }],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  }),
);
