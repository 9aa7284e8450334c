/**
 * What every browser suite starts from: Debian's Chromium (skipped, saying so, when missing), the
 * web dashboard built, a server started on the simulator engine, pages that collect the browser's
 * errors, and a screenshot of every open page when a test fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';
import { api, startServer, type RunningServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shots = path.join(root, 'test-artifacts', 'screenshots');
export const hasChromium = existsSync(CHROMIUM);
export const WAIT = 15_000;
export const PASSWORD = 'correct-horse-42';
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };
export const visible = (l: Locator, timeout = WAIT) => l.waitFor({ state: 'visible', timeout });
export const gone = (l: Locator, timeout = WAIT) => l.waitFor({ state: 'detached', timeout });
export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

export function skippedWithoutChromium(suite: string): void {
  if (!hasChromium) console.warn(`[${suite}] skipped: ${CHROMIUM} is missing (install chromium to run the browser tests)`);
}

export interface BrowserHarness {
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly pages: Page[];
  /** Page errors and console errors of every page (a suite asserts it stays empty). */
  readonly errors: string[];
  /** A new tab in `ctx`, or in a new browser context (another person) when omitted. */
  newPage(viewport?: { width: number; height: number }, ctx?: BrowserContext): Promise<Page>;
  /** Call at the start of a test: on failure, `<prefix>page<n>.png` shows what each page showed. */
  shootOnFailure(prefix: string): void;
}

/** Registers the suite's beforeAll/afterAll; call inside its describe. */
export function useBrowser(opts: { env?: Record<string, string>; args?: string[]; acceptDownloads?: boolean } = {}): BrowserHarness {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // The project's build script swaps web/dist in whole: a concurrent `npm start` (production-start
    // e2e) never sees it half-written. It builds React's production bundle whatever NODE_ENV is.
    const build = spawnSync(process.execPath, [path.join(root, 'scripts/build-web.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
    server = await startServer(opts.env ? { env: opts.env } : {});
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(opts.args ?? [])],
    });
  }, 180_000);

  afterAll(async () => {
    const bounded = (p: Promise<unknown> | undefined, ms: number) => Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
    for (const c of contexts) await bounded(c.close(), 5_000);
    await bounded(browser?.close(), 5_000);
    if (server && (await bounded(server.stop().then(() => 'stopped'), 10_000)) !== 'stopped') await server.kill();
  }, 40_000);

  return {
    get server() {
      if (!server) throw new Error('the server is not started yet');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not started yet');
      return browser;
    },
    pages,
    errors,
    async newPage(viewport = LAPTOP, ctx?: BrowserContext) {
      if (!ctx) {
        ctx = await this.browser.newContext({ viewport, baseURL: this.server.baseUrl, ...(opts.acceptDownloads && { acceptDownloads: true }) });
        contexts.push(ctx);
      }
      const page = await ctx.newPage();
      pages.push(page);
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      return page;
    },
    shootOnFailure(prefix) {
      onTestFailed(async () => {
        for (const [i, p] of pages.entries()) {
          if (!p.isClosed()) await p.screenshot({ path: path.join(shots, `${prefix}page${i + 1}.png`), timeout: 5_000 }).catch(() => undefined);
        }
      });
    },
  };
}

/**
 * A company whose admin linked one number through the simulator. `sim` plays WhatsApp and its
 * contacts: it expects 200 and answers the call's `data`.
 */
export async function companyWithNumber(
  server: RunningServer,
  opts: { company: string; email: string; firstName: string; lastName?: string; number?: string; phoneNumber: string },
) {
  const reg = await api<{ data: { accessToken: string } }>(server.baseUrl, 'POST', '/api/auth/register', {
    companyName: opts.company,
    email: opts.email,
    password: PASSWORD,
    firstName: opts.firstName,
    lastName: opts.lastName ?? 'Admin',
  });
  expect(reg.status).toBe(201);
  const token = reg.body.data.accessToken;
  const created = await api<{ data: { sessionId: string } }>(server.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: opts.number ?? 'Shop' }, token);
  const sessionId = created.body.data.sessionId;
  await api(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sessionId}/qr`, undefined, token);
  const sim = async <T = unknown>(action: string, body: unknown): Promise<T> => {
    const res = await api<{ data: T }>(server.baseUrl, 'POST', `/api/simulator/sessions/${sessionId}/${action}`, body, token);
    expect(res.status, `simulator ${action}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.data;
  };
  await sim('scan', { phoneNumber: opts.phoneNumber });
  return { token, sessionId, sim };
}
