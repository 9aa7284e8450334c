/**
 * Fetches media for sending from a URL the caller gave, without letting that URL reach inside
 * the network: http(s) only, every address checked at connect time (so DNS rebinding between a
 * check and the connection cannot slip through), redirects re-checked, a size and time limit.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../shared/errors.js';

/** IPv4-compatible IPv6 (deprecated ::a.b.c.d) is not among the library's named ranges. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * Only globally routable unicast addresses are public: ipaddr.js names every special-purpose
 * range (private, loopback, link-local, CGNAT, multicast, reserved, documentation, IPv4-mapped,
 * NAT64, 6to4, Teredo, ...) and calls the rest `unicast`.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && ip.match(IPV4_COMPATIBLE)) return false;
  return ip.range() === 'unicast';
}

export interface FetchedMedia {
  data: Buffer;
  mimetype: string | undefined;
  fileName: string | undefined;
}

export interface MediaFetchOptions {
  maxBytes: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Tests only: allow loopback/private targets. */
  allowPrivate?: boolean;
}

const fail = (message: string) => ValidationError.field('media.url', message);

export async function fetchMedia(rawUrl: string, opts: MediaFetchOptions, redirects = 0): Promise<FetchedMedia> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw fail('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('must be an http or https URL');
  if (url.username || url.password) throw fail('must not contain credentials');

  const lookup: http.RequestOptions['lookup'] = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !opts.allowPrivate && !isPublicAddress(a.address));
      // The message names no address: what a name resolves to inside our network is not the caller's business.
      if (bad || list.length === 0) return callback(Object.assign(new Error('not a public address'), { code: 'ENOTPUBLIC' }), '', 4);
      const first = list[0]!;
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, first.address, first.family);
    });
  };
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !opts.allowPrivate && !isPublicAddress(literal)) throw fail('points to a non-public address');

  const client = url.protocol === 'https:' ? https : http;
  return new Promise<FetchedMedia>((resolve, reject) => {
    const req = client.get(url, { lookup, timeout: opts.timeoutMs ?? 15_000, headers: { 'user-agent': 'wa-inbox-media/1' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= (opts.maxRedirects ?? 3)) return reject(fail('redirects too many times'));
        const next = new URL(res.headers.location, url).toString();
        fetchMedia(next, opts, redirects + 1).then(resolve, reject);
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(fail(`answered HTTP ${status}`));
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > opts.maxBytes) {
        res.destroy();
        return reject(fail(`is larger than ${opts.maxBytes} bytes`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          res.destroy();
          reject(fail(`is larger than ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const disposition = res.headers['content-disposition'];
        const fromHeader = disposition ? /filename\*?="?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
        const fromPath = decodeURIComponent(url.pathname.split('/').pop() ?? '') || undefined;
        resolve({
          data: Buffer.concat(chunks),
          mimetype: res.headers['content-type']?.split(';')[0]?.trim(),
          fileName: fromHeader ?? fromPath,
        });
      });
      res.on('error', () => reject(fail('could not be downloaded')));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(fail(describeFailure(err))));
  });
}

/** A failure in words that reveal nothing about our network (no resolved address, no port). */
function describeFailure(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOTPUBLIC') return 'points to an address that is not public';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'names a host that does not resolve';
  if (err.message === 'timed out') return 'timed out';
  return 'could not be downloaded';
}
