/**
 * The only reader of process.env. Every variable is parsed here, every problem is collected,
 * and startup fails once with the whole list rather than on the first bad value.
 */
import path from 'node:path';
import ipaddr from 'ipaddr.js';

const isCidr = (value: string): boolean => {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
};

export type EngineKind = 'baileys' | 'simulator';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** PostgreSQL URL; when absent the embedded PGlite database in `dataDir` is used. */
  readonly databaseUrl: string | undefined;
  readonly logLevel: string;
  readonly jwtSecret: string | undefined;
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
  readonly registrationEnabled: boolean;
  readonly corsOrigins: readonly string[];
  /** Fastify's trustProxy: false, a number of proxy hops, or the proxies' addresses and CIDR ranges. */
  readonly trustProxy: false | number | readonly string[];
  readonly bodyLimitBytes: number;
  readonly mediaBodyLimitBytes: number;
  readonly loginMaxAttemptsPerEmail: number;
  readonly loginMaxAttemptsPerIp: number;
  readonly loginWindowSec: number;
  readonly whatsappEngine: EngineKind;
  readonly whatsappWebUrl: string | undefined;
  readonly whatsappTestServer: boolean;
  readonly waVersion: readonly [number, number, number] | undefined;
  readonly waVersionFallback: readonly [number, number, number];
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly reconnectMaxRetries: number;
  readonly qrMaxRefreshes: number;
  readonly qrWaitMs: number;
  readonly maxBadMacErrors: number;
  readonly maxBadDecryptErrors: number;
  readonly errorWindowMs: number;
  readonly errorWebhookUrl: string | undefined;
  readonly sendRatePerMinute: number;
  readonly shutdownTimeoutMs: number;
  /** Admission control: API requests in progress beyond which new ones get 503 + Retry-After (0: off). */
  readonly overloadMaxInFlight: number;
  /**
   * …and past this mean event-loop delay (0: off, the default: @fastify/under-pressure counts a sample
   * window with no sample as an infinite delay, so one short block while a number links refuses requests).
   */
  readonly overloadMaxEventLoopDelayMs: number;
  /** …and past this many queries waiting for the database (0: off). */
  readonly overloadMaxDbWaiting: number;
  readonly restartPauseMs: number;
  readonly mediaMaxBytes: number;
  readonly mediaFetchAllowPrivate: boolean;
  /** Received files fetched at once. */
  readonly mediaDownloadConcurrency: number;
  /** Lifetime of the signed media links in message views. */
  readonly mediaUrlTtlSec: number;
  /** PEM file of a CA to trust for WhatsApp's media hosts only (a test or intercepting proxy); none by default. */
  readonly whatsappMediaCaFile: string | undefined;
  readonly errorWebhookSecret: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  str(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optStr(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${v}")`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    this.problems.push(`${name} must be true or false (got "${v}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return v;
    } catch {
      this.problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${v}")`);
      return undefined;
    }
  }

  /**
   * Which X-Forwarded-For hops to believe: a number of reverse proxies in front, or their addresses
   * and CIDR ranges. "true" (believe any client) is refused: it lets anyone choose their address.
   */
  trustProxy(name: string): false | number | string[] {
    const v = this.raw(name);
    if (v === undefined || /^(0|false|no|off)$/i.test(v)) return false;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
    const bad = entries.filter((e) => !(ipaddr.isValid(e) || isCidr(e)));
    if (bad.length === 0 && entries.length > 0) return entries;
    this.problems.push(
      `${name} must be false, a number of proxy hops (1 = one reverse proxy in front) or a comma-separated list of proxy addresses/CIDR ranges (got "${v}")`,
    );
    return false;
  }

  /** Durations accept plain seconds or a suffix: 900, 15m, 12h, 30d. */
  duration(name: string, fallbackSec: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallbackSec;
    const m = /^(\d+)\s*([smhd]?)$/.exec(v);
    if (!m) {
      this.problems.push(`${name} must be a duration like 900, 15m, 12h or 30d (got "${v}")`);
      return fallbackSec;
    }
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
    const sec = Number(m[1]) * unit;
    if (sec < 1) {
      this.problems.push(`${name} must be at least one second`);
      return fallbackSec;
    }
    return sec;
  }

  version(name: string): [number, number, number] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const parts = v.split(/[.,]/).map((p) => Number(p.trim()));
    if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0)) {
      this.problems.push(`${name} must be a WhatsApp Web version like 2.3000.1027934701 (got "${v}")`);
      return undefined;
    }
    return parts as [number, number, number];
  }
}

/** Bundled with Baileys 7.0.0-rc14 is older; this is the newest known-good web version at release time. */
const DEFAULT_WA_VERSION: [number, number, number] = [2, 3000, 1027934701];

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const config: Config = {
    port: r.int('PORT', 3000, 0, 65535),
    host: r.str('HOST', '0.0.0.0'),
    dataDir: path.resolve(r.str('DATA_DIR', './data')),
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    logLevel: r.oneOf('LOG_LEVEL', logLevels, 'info'),
    jwtSecret: r.optStr('JWT_SECRET'),
    accessTokenTtlSec: r.duration('ACCESS_TOKEN_TTL', 15 * 60),
    refreshTokenTtlSec: r.duration('REFRESH_TOKEN_TTL', 30 * 86400),
    registrationEnabled: r.bool('REGISTRATION_ENABLED', true),
    corsOrigins: (r.optStr('CORS_ORIGINS') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: r.trustProxy('TRUST_PROXY'),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    mediaBodyLimitBytes: r.int('MEDIA_BODY_LIMIT_BYTES', 25 * 1024 * 1024, 1024, 200 * 1024 * 1024),
    loginMaxAttemptsPerEmail: r.int('LOGIN_MAX_ATTEMPTS_PER_EMAIL', 5, 1, 10000),
    loginMaxAttemptsPerIp: r.int('LOGIN_MAX_ATTEMPTS_PER_IP', 30, 1, 100000),
    loginWindowSec: r.duration('LOGIN_WINDOW', 15 * 60),
    whatsappEngine: r.oneOf('WHATSAPP_ENGINE', ['baileys', 'simulator'] as const, 'baileys'),
    whatsappWebUrl: r.url('WHATSAPP_WEB_URL', ['ws:', 'wss:']),
    whatsappTestServer: r.bool('WHATSAPP_TEST_SERVER', false),
    waVersion: r.version('WA_VERSION'),
    waVersionFallback: r.version('WA_VERSION_FALLBACK') ?? DEFAULT_WA_VERSION,
    reconnectBaseMs: r.int('RECONNECT_BASE_MS', 1000, 10, 600_000),
    reconnectMaxMs: r.int('RECONNECT_MAX_MS', 60_000, 10, 3_600_000),
    reconnectMaxRetries: r.int('RECONNECT_MAX_RETRIES', 10, 0, 1000),
    qrMaxRefreshes: r.int('QR_MAX_REFRESHES', 5, 1, 100),
    qrWaitMs: r.int('QR_WAIT_MS', 15_000, 0, 120_000),
    maxBadMacErrors: r.int('MAX_BAD_MAC_ERRORS', 3, 1, 10000),
    maxBadDecryptErrors: r.int('MAX_BAD_DECRYPT_ERRORS', 5, 1, 10000),
    errorWindowMs: r.int('ERROR_WINDOW_MS', 10 * 60 * 1000, 1000, 7 * 86400 * 1000),
    errorWebhookUrl: r.url('ERROR_WEBHOOK_URL', ['http:', 'https:']),
    sendRatePerMinute: r.int('SEND_RATE_PER_MINUTE', 60, 1, 100000),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    overloadMaxInFlight: r.int('OVERLOAD_MAX_IN_FLIGHT', 128, 0, 1_000_000),
    overloadMaxEventLoopDelayMs: r.int('OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 0, 0, 60_000),
    overloadMaxDbWaiting: r.int('OVERLOAD_MAX_DB_WAITING', 500, 0, 1_000_000),
    restartPauseMs: r.int('RESTART_PAUSE_MS', 1000, 0, 60_000),
    mediaMaxBytes: r.int('MEDIA_MAX_BYTES', 16 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    mediaFetchAllowPrivate: r.bool('MEDIA_FETCH_ALLOW_PRIVATE', false),
    mediaDownloadConcurrency: r.int('MEDIA_DOWNLOAD_CONCURRENCY', 4, 1, 64),
    mediaUrlTtlSec: r.int('MEDIA_URL_TTL_SEC', 3600, 30, 7 * 24 * 3600),
    whatsappMediaCaFile: r.optStr('WHATSAPP_MEDIA_CA_FILE'),
    errorWebhookSecret: r.optStr('ERROR_WEBHOOK_SECRET'),
  };
  if (config.jwtSecret !== undefined && config.jwtSecret.length < 32) {
    r.problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (config.whatsappTestServer && config.whatsappEngine !== 'baileys') {
    r.problems.push('WHATSAPP_TEST_SERVER=true needs WHATSAPP_ENGINE=baileys');
  }
  if (config.reconnectMaxMs < config.reconnectBaseMs) {
    r.problems.push('RECONNECT_MAX_MS must not be smaller than RECONNECT_BASE_MS');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}
