/**
 * Fetches media for sending from a URL the caller gave, without letting that URL reach inside
 * the network: http(s) only, every address checked at connect time (so DNS rebinding between a
 * check and the connection cannot slip through), redirects re-checked, a size and time limit.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../shared/errors.js';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
      if (bad || list.length === 0) return callback(new Error(`refusing to connect to a non-public address (${bad?.address ?? 'none'})`), '', 4);
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
      res.on('error', (err) => reject(fail(`could not be downloaded: ${err.message}`)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(fail(`could not be downloaded: ${err.message}`)));
  });
}
