/**
 * Which WhatsApp Web version the socket announces. A stale version is refused with 405, so by
 * default we ask web.whatsapp.com once per process; a configured override always wins, and any
 * failure falls back to the configured version instead of Baileys' (older) bundled one.
 */
import { fetchLatestWaWebVersion } from 'baileys';

export type WaVersion = [number, number, number];

export interface WaVersionResolverOptions {
  override?: readonly [number, number, number];
  fallback: readonly [number, number, number];
  /** false in tests and offline installs: never touch the network. */
  fetchLatest: boolean;
  timeoutMs?: number;
  /** Injected in tests; defaults to Baileys' fetchLatestWaWebVersion. */
  fetcher?: typeof fetchLatestWaWebVersion;
}

/** `refresh` forgets the cached answer and asks again (after a 405 "version too old"). */
export type WaVersionResolver = (opts?: { refresh?: boolean }) => Promise<WaVersion>;

export function createWaVersionResolver(opts: WaVersionResolverOptions): WaVersionResolver {
  let cached: Promise<WaVersion> | undefined;
  const fetcher = opts.fetcher ?? fetchLatestWaWebVersion;
  const fallback = [...opts.fallback] as WaVersion;

  const lookup = async (): Promise<WaVersion> => {
    if (opts.override) return [...opts.override] as WaVersion;
    if (!opts.fetchLatest) return fallback;
    try {
      const res = await fetcher({ signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
      // On failure Baileys answers with its bundled version and isLatest=false: ours is newer.
      if (!res.isLatest || res.error) return fallback;
      return res.version;
    } catch {
      return fallback;
    }
  };

  return (resolveOpts) => {
    if (resolveOpts?.refresh) cached = undefined;
    cached ??= lookup();
    return cached;
  };
}
