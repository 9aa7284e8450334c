/**
 * The fetch wrapper: JSON in/out, bearer token, transparent refresh with rotation.
 * On a 401 the access token is refreshed once (one refresh in flight at a time, shared by all
 * callers) and the request retried; when the refresh itself fails the session is over.
 *
 * Tabs of one browser share the login (localStorage) and must share its rotation too: the server
 * treats a spent refresh token presented again as stolen and ends every session of the user. So a
 * tab adopts the pair another tab stored, and refreshes under a cross-tab lock after checking that
 * no other tab rotated the pair meanwhile.
 */
import type { AuthTokens, Pagination, User } from './types';

const STORAGE_KEY = 'wa-inbox.auth';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface StoredAuth {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  user: User;
}

type Listener = () => void;

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not attach the token nor try to refresh (login, register, refresh). */
  anonymous?: boolean;
}

interface Envelope<T> {
  success: boolean;
  data?: T;
  message?: string;
  pagination?: Pagination;
  error?: string;
  code?: string;
  details?: unknown;
}

function load(): StoredAuth | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<StoredAuth>;
    if (typeof v.accessToken === 'string' && typeof v.refreshToken === 'string' && v.user) return v as StoredAuth;
  } catch {
    /* unreadable storage: start logged out */
  }
  return null;
}

/** Runs `fn` while no other tab of this origin refreshes (Web Locks exist in secure contexts only). */
async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? await locks.request('wa-inbox.refresh', fn) : fn();
}

class ApiClient {
  private auth: StoredAuth | null = load();
  private refreshing: Promise<boolean> | null = null;
  private tokenListeners = new Set<Listener>();
  private authListeners = new Set<(reason: 'logout' | 'expired') => void>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.scheduleRefresh();
    window.addEventListener('storage', (e) => {
      if (e.key !== STORAGE_KEY) return;
      const next = load();
      if (!next) this.clear('logout'); // logged out (or expired) in another tab
      else if (next.refreshToken !== this.auth?.refreshToken) this.adopt(next);
    });
  }

  get user(): User | null {
    return this.auth?.user ?? null;
  }

  get accessToken(): string | null {
    return this.auth?.accessToken ?? null;
  }

  /** Called whenever the access token changes (refresh, login). */
  onToken(fn: Listener): () => void {
    this.tokenListeners.add(fn);
    return () => this.tokenListeners.delete(fn);
  }

  /** Called when the login ends (logout, or a refresh that failed). */
  onAuthLost(fn: (reason: 'logout' | 'expired') => void): () => void {
    this.authListeners.add(fn);
    return () => this.authListeners.delete(fn);
  }

  setTokens(t: AuthTokens): void {
    this.auth = { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() + t.expiresIn * 1000, user: t.user };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.auth));
    } catch {
      /* private mode: keep in memory */
    }
    this.scheduleRefresh();
    for (const fn of this.tokenListeners) fn();
  }

  /** Takes over the pair another tab obtained (login or rotation). */
  private adopt(next: StoredAuth): void {
    this.auth = next;
    this.scheduleRefresh();
    for (const fn of this.tokenListeners) fn();
  }

  private clear(reason: 'logout' | 'expired'): void {
    const had = this.auth !== null;
    this.auth = null;
    clearTimeout(this.refreshTimer);
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch {
      /* ignore */
    }
    if (had) for (const fn of this.authListeners) fn(reason);
  }

  /**
   * Refresh about a minute before the access token expires, so sockets and requests rarely see a
   * 401. The jitter keeps tabs opened together from all reaching for the lock at the same moment.
   */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    if (!this.auth) return;
    const delay = Math.max(5_000, this.auth.expiresAt - Date.now() - 60_000 - Math.random() * 30_000);
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(delay, 2_000_000_000));
  }

  /** Exchanges the refresh token for a new pair. Concurrent callers share one request. */
  refresh(): Promise<boolean> {
    if (!this.auth) return Promise.resolve(false);
    if (this.refreshing) return this.refreshing;
    const spent = this.auth.refreshToken;
    this.refreshing = withRefreshLock(async () => {
      // Another tab may have rotated the pair while we waited: use its result rather than present
      // a spent token (the storage event may not have reached us yet).
      const stored = load();
      if (stored && stored.refreshToken !== spent) {
        this.adopt(stored);
        return true;
      }
      if (!this.auth) return false;
      const refreshToken = this.auth.refreshToken;
      try {
        const res = await fetch('/api/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken }),
        });
        if (res.ok) {
          const env = (await res.json()) as Envelope<AuthTokens>;
          if (env.data) {
            this.setTokens(env.data);
            return true;
          }
        }
        if (res.status === 400 || res.status === 401 || res.status === 403) {
          this.clear('expired');
          return false;
        }
        // Server trouble (5xx): keep the login, try again later.
        return false;
      } catch {
        return false;
      }
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async raw<T>(path: string, opts: RequestOptions): Promise<Envelope<T> & { status: number }> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (!opts.anonymous && this.auth) headers.authorization = `Bearer ${this.auth.accessToken}`;
    let res: Response;
    try {
      res = await fetch(path, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError('Cannot reach the server. Check your connection and try again.', 0, 'network_error');
    }
    const text = await res.text();
    let env: Envelope<T> = { success: res.ok };
    if (text) {
      try {
        env = JSON.parse(text) as Envelope<T>;
      } catch {
        env = { success: false, error: text.slice(0, 200) };
      }
    }
    return { ...env, status: res.status };
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<Envelope<T>> {
    let env = await this.raw<T>(path, opts);
    if (env.status === 401 && !opts.anonymous && this.auth) {
      if (!(await this.refresh())) {
        if (!this.auth) throw new ApiError('Your session has expired. Please log in again.', 401, 'session_expired');
        // The refresh could not reach the server: the login may still be good, keep it.
        throw new ApiError('Cannot reach the server to renew your login. Try again in a moment.', 0, 'network_error');
      }
      env = await this.raw<T>(path, opts);
      // Refused even with a fresh token: the account is gone.
      if (env.status === 401) this.clear('expired');
    }
    if (env.status >= 400 || env.success === false) {
      throw new ApiError(env.error ?? `Request failed (${env.status})`, env.status, env.code ?? 'error', env.details);
    }
    return env;
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>(path, { signal })).data as T;
  }

  async list<T>(path: string, signal?: AbortSignal): Promise<{ items: T[]; pagination?: Pagination }> {
    const env = await this.request<T[]>(path, { signal });
    return { items: env.data ?? [], pagination: env.pagination };
  }

  async post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>(path, { method: 'POST', body: body ?? {}, headers })).data as T;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>(path, { method: 'PATCH', body })).data as T;
  }

  async del(path: string): Promise<void> {
    await this.request<unknown>(path, { method: 'DELETE' });
  }

  async login(email: string, password: string): Promise<User> {
    const env = await this.request<AuthTokens>('/api/auth/login', { method: 'POST', body: { email, password }, anonymous: true });
    if (!env.data) throw new ApiError('Unexpected answer from the server', 500, 'bad_response');
    this.setTokens(env.data);
    return env.data.user;
  }

  async register(input: { companyName: string; email: string; password: string; firstName: string; lastName: string }): Promise<User> {
    const env = await this.request<AuthTokens>('/api/auth/register', { method: 'POST', body: input, anonymous: true });
    if (!env.data) throw new ApiError('Unexpected answer from the server', 500, 'bad_response');
    this.setTokens(env.data);
    return env.data.user;
  }

  async logout(): Promise<void> {
    try {
      // The body is built at each attempt: when the access token has to be renewed first, the
      // token to revoke is the one that renewal produced (the old one is spent already).
      const send = () => this.raw<unknown>('/api/auth/logout', { method: 'POST', body: { refreshToken: this.auth?.refreshToken } });
      if (this.auth && (await send()).status === 401 && (await this.refresh())) await send();
    } catch {
      /* unreachable server: the token expires by itself; forget it here anyway */
    } finally {
      this.clear('logout');
    }
  }
}

export const api = new ApiClient();

/** A readable message for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return 'Something went wrong';
}
