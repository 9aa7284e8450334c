/**
 * End to end in headless Chromium: the web dashboard against the real server (simulator engine).
 * Stories: (1) an admin registers, links a number by its QR, creates a manager and grants access;
 * the manager answers a customer live (ticks, typing, a failed send retried, a file) on desktop and
 * phone widths, and loses the number live when the admin revokes the access. (2) An admin runs
 * numbers: the QR arrives and refreshes live, seed-004 health figures, restart/close/log out/delete,
 * every admin screen at phone width. (3) A manager scrolls back through a long history and is
 * read-only until an admin grants write, live.
 * Screenshots of the main screens go to test-artifacts/screenshots/ (`*-phone.png` at 390×844).
 */
import { type BrowserContext, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, type RunningServer } from '../helpers/server.js';
import { hasChromium, LAPTOP, PASSWORD, PHONE, shot, skippedWithoutChromium, useBrowser, visible, gone, WAIT } from './harness.js';

skippedWithoutChromium('dashboard.browser.test');


const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

type Stored = { accessToken: string; refreshToken: string };
const stored = (p: Page) => p.evaluate(() => JSON.parse(localStorage.getItem('wa-inbox.auth') ?? 'null') as Stored | null);
const setStored = (p: Page, v: Stored) => p.evaluate((x) => localStorage.setItem('wa-inbox.auth', JSON.stringify({ ...JSON.parse(localStorage.getItem('wa-inbox.auth') ?? '{}'), ...x })), v);

/** The next request of `page` to `url` is answered 401, as when its access token has just expired. */
async function expireOnce(page: Page, url: string): Promise<void> {
  let done = false;
  await page.route(url, async (route) => {
    if (done) return route.continue();
    done = true;
    await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ success: false, error: 'Token expired', code: 'token_expired' }) });
  });
}

/** Screenshots show the screen, not a pile of earlier notifications. */
async function dismissToasts(page: Page): Promise<void> {
  const close = page.getByRole('button', { name: 'Dismiss notification' });
  while ((await close.count()) > 0) await close.first().click();
}

async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeout = WAIT): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe.skipIf(!hasChromium)('web dashboard in a browser', () => {
  const h = useBrowser();
  const { errors } = h;
  const newPage = (viewport?: { width: number; height: number }, ctx?: BrowserContext) => h.newPage(viewport, ctx);
  let server!: RunningServer;
  beforeAll(() => {
    server = h.server;
  });

  it('admin links a number and shares it; a manager answers live and loses access live', async () => {
    h.shootOnFailure('failure-');
    const stamp = Date.now();
    const adminEmail = `admin.${stamp}@acme.test`;
    const managerEmail = `olga.${stamp}@acme.test`;
    const password = 'correct-horse-42';
    const customerJid = '15550100200@c.us';

    // ── The admin registers the company ──────────────────────────────────────────────
    const admin = await newPage();
    await admin.goto('/');
    await visible(admin.getByRole('heading', { name: 'Log in' }));
    await shot(admin, '01-login');
    await admin.getByRole('tab', { name: 'Register a company' }).click();
    await admin.getByLabel('Company name').fill('Acme Bikes');
    await admin.getByLabel('First name').fill('Anna');
    await admin.getByLabel('Last name').fill('Admin');
    await admin.getByLabel('Email').fill(adminEmail);
    await admin.getByLabel('Password').fill(password);
    await admin.getByRole('button', { name: 'Create company' }).click();
    await visible(mainNav(admin).getByRole('link', { name: 'Numbers' }));

    const login = await api<{ data: { accessToken: string } }>(server.baseUrl, 'POST', '/api/auth/login', { email: adminEmail, password });
    expect(login.status).toBe(200);
    const token = login.body.data.accessToken;
    const sim = async (sessionId: string, action: string, body: unknown) => {
      const res = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sessionId}/${action}`, body, token);
      expect(res.status, `simulator ${action}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    };

    // ── Adds a number and sees its QR ────────────────────────────────────────────────
    await mainNav(admin).getByRole('link', { name: 'Numbers' }).click();
    await admin.getByLabel('Name of the new number').fill('Sales line');
    await admin.getByRole('button', { name: 'Add number' }).click();
    const qr = admin.getByRole('img', { name: 'QR code to link Sales line' });
    await visible(qr);
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await until(() => qr.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the QR image to load');
    await shot(admin, '02-numbers-qr');

    const sessions = await api<{ data: { id: string; displayName: string }[] }>(server.baseUrl, 'GET', '/api/whatsapp/sessions', undefined, token);
    const sessionId = sessions.body.data.find((s) => s.displayName === 'Sales line')?.id;
    expect(sessionId).toBeTruthy();
    const sid = sessionId as string;

    // ── The simulator scans it (from the panel under the QR) ─────────────────────────
    await admin.getByLabel('Phone number for the simulated scan').fill('+1 555 010 0100');
    await admin.getByRole('button', { name: 'Simulate scan' }).click();
    const card = admin.getByRole('article', { name: 'Sales line' });
    await visible(card.getByText('Connected', { exact: true }));
    await gone(qr);
    await visible(card.getByText('+15550100100'));
    await visible(card.getByText('Healthy', { exact: true }));
    await shot(admin, '03-numbers-connected');

    // ── Creates a manager and grants read + write ────────────────────────────────────
    await mainNav(admin).getByRole('link', { name: 'Team' }).click();
    await admin.getByLabel('First name').fill('Olga');
    await admin.getByLabel('Last name').fill('Manager');
    await admin.getByLabel('Email').fill(managerEmail);
    await admin.getByLabel('Temporary password').fill(password);
    await admin.getByLabel('Role').selectOption('manager');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await visible(admin.getByRole('cell', { name: managerEmail }));
    const canWrite = admin.getByLabel('Olga Manager: write Sales line');
    const canRead = admin.getByLabel('Olga Manager: read Sales line');
    await canWrite.check();
    await until(() => canRead.isChecked(), 'write to imply read');
    await until(async () => {
      const res = await api<{ data: { manager: { email: string }; permissions: string[] }[] }>(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sid}/managers`, undefined, token);
      return res.body.data.find((a) => a.manager.email === managerEmail)?.permissions.includes('write');
    }, 'the grant to be stored');
    await shot(admin, '04-team-access');

    // ── The manager logs in (second browser context) ─────────────────────────────────
    const manager = await newPage();
    await manager.goto('/');
    await manager.getByLabel('Email').fill(managerEmail);
    await manager.getByLabel('Password').fill(password);
    await manager.getByRole('button', { name: 'Log in' }).click();
    const rail = manager.getByRole('navigation', { name: 'WhatsApp numbers' });
    await visible(rail.getByRole('link', { name: /Sales line/ }));
    await expect(mainNav(manager).getByRole('link', { name: 'Numbers' }).count()).resolves.toBe(0);
    await visible(manager.getByText('No conversations yet', { exact: false }));
    await until(() => manager.getByText('Live', { exact: true }).isVisible(), 'the socket to connect');

    // ── An expired access token is refreshed transparently (rotation) for REST and the socket ──
    const before = await stored(manager);
    expect(before?.refreshToken).toBeTruthy();
    await setStored(manager, { accessToken: 'expired.access.token', refreshToken: before!.refreshToken });
    await manager.reload();
    await visible(rail.getByRole('link', { name: /Sales line/ }));
    await until(() => manager.getByText('Live', { exact: true }).isVisible(), 'the socket to reconnect with the refreshed token');
    const after = await stored(manager);
    expect(after?.accessToken).not.toBe('expired.access.token');
    expect(after?.refreshToken).not.toBe(before!.refreshToken);

    // ── A customer writes: the chat appears live with an unread badge ───────────────
    await sim(sid, 'inbound', { from: '+1 555 0100 200', fromName: 'Maria Lopez', body: 'Hi! Is my order #1042 on its way?' });
    const chatLink = manager.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ });
    await visible(chatLink);
    await visible(chatLink.getByLabel('1 unread'));
    await visible(chatLink.getByText('Hi! Is my order #1042 on its way?'));
    await chatLink.click();
    const conversation = manager.getByRole('region', { name: 'Conversation with Maria Lopez' });
    const messages = conversation.getByRole('list', { name: 'Messages' });
    await visible(messages.getByText('Hi! Is my order #1042 on its way?'));
    await gone(chatLink.getByLabel('1 unread')); // marked read

    // ── "typing…" while the customer types ───────────────────────────────────────────
    await sim(sid, 'typing', { chatId: customerJid, isTyping: true });
    await visible(conversation.getByText('typing…'));
    await sim(sid, 'typing', { chatId: customerJid, isTyping: false });
    await gone(conversation.getByText('typing…'));

    // ── The manager replies; the ticks move sent → delivered → read ─────────────────
    const reply = 'Hello Maria! It left our warehouse this morning and arrives tomorrow.';
    await conversation.getByRole('textbox', { name: 'Message', exact: true }).fill(reply);
    await conversation.getByRole('button', { name: 'Send message' }).click();
    const bubble = messages.getByRole('listitem').filter({ hasText: reply });
    await visible(bubble.getByRole('img', { name: 'Sent' }));
    const sent = await until(async () => {
      const res = await api<{ data: { kind: string; messageId: string; body?: string }[] }>(server.baseUrl, 'GET', `/api/simulator/sessions/${sid}/sent`, undefined, token);
      return res.body.data.find((r) => r.kind === 'message' && r.body === reply);
    }, 'the reply to reach WhatsApp');
    await sim(sid, 'receipts', { messageId: sent.messageId, status: 'delivered' });
    await visible(bubble.getByRole('img', { name: 'Delivered' }));
    await sim(sid, 'receipts', { messageId: sent.messageId, status: 'read' });
    await visible(bubble.getByRole('img', { name: 'Read' }));

    // ── A send that fails shows on the message with Retry ────────────────────────────
    await sim(sid, 'send-failures', { errorType: 'network', count: 1 });
    const flaky = 'I will also email you the tracking number.';
    await conversation.getByRole('textbox', { name: 'Message', exact: true }).fill(flaky);
    await conversation.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const flakyBubble = messages.getByRole('listitem').filter({ hasText: flaky });
    await visible(flakyBubble.getByRole('img', { name: 'Not sent' }));
    const retry = flakyBubble.getByRole('button', { name: 'Retry' });
    await visible(retry);
    await shot(manager, '05a-inbox-failed-send');
    await retry.click();
    await visible(flakyBubble.getByRole('img', { name: 'Sent' }));
    await gone(retry);

    // ── A file ───────────────────────────────────────────────────────────────────────
    await conversation.getByLabel('Choose a file to send').setInputFiles({ name: 'invoice-1042.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 test invoice') });
    await visible(conversation.getByText('invoice-1042.pdf'));
    await conversation.getByRole('textbox', { name: 'Caption', exact: true }).fill('Your invoice');
    await conversation.getByRole('button', { name: 'Send message' }).click();
    const fileBubble = messages.getByRole('listitem').filter({ hasText: 'invoice-1042.pdf' });
    await visible(fileBubble.getByRole('img', { name: 'Sent' }));
    await sim(sid, 'inbound', { from: '+1 555 0100 200', fromName: 'Maria Lopez', body: 'Perfect, thank you so much!' });
    await visible(messages.getByText('Perfect, thank you so much!'));
    await gone(chatLink.getByLabel('1 unread')); // read at once: the conversation is open
    await shot(manager, '05-inbox-conversation');

    // ── The admin plays the customer from the simulator panel in the inbox ──────────
    await mainNav(admin).getByRole('link', { name: 'Inbox' }).click();
    await admin.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ }).click();
    await visible(admin.getByRole('region', { name: 'Conversation with Maria Lopez' }).getByText('Perfect, thank you so much!'));
    await admin.getByText('Simulator: play the customer').click();
    await admin.getByLabel('Customer message').fill('Can I pay by card on delivery?');
    await admin.getByRole('button', { name: 'Send as customer' }).click();
    await visible(messages.getByText('Can I pay by card on delivery?'));
    await admin.getByRole('button', { name: 'Customer starts typing' }).click();
    await visible(conversation.getByText('typing…'));
    await admin.getByRole('button', { name: 'Customer stops typing' }).click();
    await gone(conversation.getByText('typing…'));
    const adminChat = admin.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ });
    await gone(adminChat.getByLabel('1 unread')); // the admin has the chat open too: read at once
    // The history keeps the failed copy of the retried message; it must not offer to send it twice.
    const adminFlaky = admin.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: flaky });
    await until(async () => (await adminFlaky.count()) === 2, 'the failed copy and the retried one');
    await visible(adminFlaky.getByText('Not sent — it was sent again below.'));
    await expect(adminFlaky.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
    await shot(admin, '10-admin-inbox-simulator');

    // ── Phone width: list and conversation collapse into one pane ───────────────────
    await manager.setViewportSize(PHONE);
    await visible(conversation.getByRole('button', { name: 'Back to chats' }));
    expect(await chatLink.isVisible()).toBe(false);
    await shot(manager, '07-mobile-conversation');
    await conversation.getByRole('button', { name: 'Back to chats' }).click();
    await visible(chatLink);
    expect(await conversation.isVisible()).toBe(false);
    await shot(manager, '06-mobile-inbox');
    await manager.setViewportSize(LAPTOP);
    await chatLink.click();
    await visible(conversation);

    // ── Stats ────────────────────────────────────────────────────────────────────────
    await mainNav(admin).getByRole('link', { name: 'Stats' }).click();
    await visible(admin.getByRole('heading', { name: 'Messages' }));
    await until(async () => (await admin.getByRole('region', { name: 'Messages' }).getByText('Received').count()) > 0, 'stats to render');
    await shot(admin, '08-stats');

    // ── The admin revokes the access: the manager loses the number live ─────────────
    await mainNav(admin).getByRole('link', { name: 'Team' }).click();
    await until(() => canRead.isChecked(), 'the access matrix to load');
    await canRead.uncheck();
    await gone(rail.getByRole('link', { name: /Sales line/ }));
    await visible(manager.getByText('An admin has not given you access', { exact: false }));
    await expect(manager.getByText('Hi! Is my order #1042 on its way?').count()).resolves.toBe(0);
    await shot(manager, '09-manager-revoked');

    // ── A login that can no longer be refreshed goes back to the login screen ────────
    await setStored(manager, { accessToken: 'expired.access.token', refreshToken: 'revoked-refresh-token' });
    await manager.reload();
    await visible(manager.getByRole('heading', { name: 'Log in' }));
    await visible(manager.getByText('Your session has expired', { exact: false }));

    // ── Logout revokes the refresh token, even when the access token must be renewed first ──
    const adminTokens = await stored(admin);
    await expireOnce(admin, '**/api/auth/logout');
    const renewal = admin.waitForResponse('**/api/auth/refresh');
    await admin.getByRole('button', { name: 'Log out', exact: true }).click();
    const renewed = ((await (await renewal).json()) as { data: Stored }).data;
    await visible(admin.getByRole('heading', { name: 'Log in' }));
    expect(await stored(admin)).toBeNull();
    const reuseRenewed = await api(server.baseUrl, 'POST', '/api/auth/refresh', { refreshToken: renewed.refreshToken });
    expect(reuseRenewed.status, 'the refresh token issued by the renewal must be revoked by the logout').toBe(401);
    const reuse = await api(server.baseUrl, 'POST', '/api/auth/refresh', { refreshToken: adminTokens!.refreshToken });
    expect(reuse.status).toBe(401);

    expect(errors, errors.join('\n')).toEqual([]);
  }, 150_000);

  /** A company with its admin, registered through the API; returns the admin's token. */
  async function registerCompany(name: string, email: string): Promise<string> {
    const res = await api<{ data: { accessToken: string } }>(server.baseUrl, 'POST', '/api/auth/register', {
      companyName: name,
      email,
      password: PASSWORD,
      firstName: 'Anna',
      lastName: 'Admin',
    });
    expect(res.status).toBe(201);
    return res.body.data.accessToken;
  }

  async function logIn(email: string, viewport = LAPTOP): Promise<Page> {
    const page = await newPage(viewport);
    await page.goto('/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(mainNav(page).getByRole('link', { name: 'Inbox' }));
    return page;
  }

  it('admin runs numbers: live QR, health figures, restart, close, log out, delete; every screen at phone width', async () => {
    h.shootOnFailure('failure-');
    errors.length = 0;
    const stamp = Date.now();
    const email = `ops.${stamp}@beta.test`;
    const token = await registerCompany('Beta Couriers', email);
    const sim = async (sessionId: string, action: string, body: unknown) => {
      const res = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sessionId}/${action}`, body, token);
      expect(res.status, `simulator ${action}: ${JSON.stringify(res.body)}`).toBe(200);
    };
    const idOf = async (displayName: string) => {
      const res = await api<{ data: { id: string; displayName: string }[] }>(server.baseUrl, 'GET', '/api/whatsapp/sessions', undefined, token);
      return res.body.data.find((x) => x.displayName === displayName)?.id as string;
    };

    const admin = await logIn(email);
    await mainNav(admin).getByRole('link', { name: 'Numbers' }).click();

    // ── The QR comes through the socket: with GET …/qr blocked it still shows, and refreshes ──
    await admin.route('**/api/whatsapp/sessions/*/qr', (route) => route.abort());
    await admin.getByLabel('Name of the new number').fill('Support line');
    await admin.getByRole('button', { name: 'Add number' }).click();
    const supportQr = admin.getByRole('img', { name: 'QR code to link Support line' });
    await visible(supportQr);
    const firstQr = await supportQr.getAttribute('src');
    expect(firstQr).toMatch(/^data:image\/png;base64,/);
    await admin.unroute('**/api/whatsapp/sessions/*/qr');

    // ── A second number, linked, to drive through its controls ──────────────────────────
    await admin.getByLabel('Name of the new number').fill('Backup line');
    await admin.getByRole('button', { name: 'Add number' }).click();
    const card = admin.getByRole('article', { name: 'Backup line' });
    await visible(card.getByRole('img', { name: 'QR code to link Backup line' }));
    await card.getByLabel('Phone number for the simulated scan').fill('+1 555 010 0300');
    await card.getByRole('button', { name: 'Simulate scan' }).click();
    await visible(card.getByText('Connected', { exact: true }));
    const bid = await idOf('Backup line');

    // ── Seed-004 health: 2/3 Bad MAC is still healthy, the 3rd closes the session ───────
    await sim(bid, 'decrypt-errors', { kind: 'bad_mac', from: '+1 555 0100 777', count: 2 });
    const badMac = card.getByRole('meter', { name: 'Bad MAC errors' });
    await until(async () => (await badMac.getAttribute('aria-valuenow')) === '2', 'the Bad MAC count to show 2/3');
    await visible(card.getByText('2 / 3'));
    await visible(card.getByText('Healthy', { exact: true }));
    await shot(admin, '11-numbers-health-warning');
    await sim(bid, 'decrypt-errors', { kind: 'bad_mac', from: '+1 555 0100 777', count: 1 });
    await visible(card.getByText('Closed', { exact: true }));
    await visible(card.getByText('Needs attention', { exact: true }));
    await visible(card.getByText('too many Bad MAC errors', { exact: false }));
    await visible(admin.getByText('Bad MAC errors reached 3/3', { exact: false })); // the session-error toast
    await shot(admin, '12-numbers-closed-by-threshold');

    // ── Start again with the stored credentials: connected and healthy ──────────────────
    await card.getByRole('button', { name: 'Start Backup line', exact: true }).click();
    await visible(card.getByText('Connected', { exact: true }));
    await visible(card.getByText('Healthy', { exact: true }));

    // ── Close, start, restart ──────────────────────────────────────────────────────────
    await card.getByRole('button', { name: 'Close Backup line', exact: true }).click();
    await visible(card.getByText('Closed', { exact: true }));
    await card.getByRole('button', { name: 'Start Backup line', exact: true }).click();
    await visible(card.getByText('Connected', { exact: true }));
    await card.getByRole('button', { name: 'Restart Backup line', exact: true }).click();
    await visible(admin.getByText('Backup line restarted'));
    await visible(card.getByText('Connected', { exact: true }));

    // ── Log out of WhatsApp: a new QR is needed, shown at once, and scanned again ───────
    await card.getByRole('button', { name: 'Disconnect (log out) Backup line', exact: true }).click();
    await visible(card.getByText('Logged out', { exact: true }));
    await visible(card.getByText('logged out from the dashboard', { exact: false }));
    await card.getByRole('button', { name: 'Link Backup line', exact: true }).click();
    await visible(card.getByRole('img', { name: 'QR code to link Backup line' }));
    await card.getByRole('button', { name: 'Simulate scan' }).click();
    await visible(card.getByText('Connected', { exact: true }));

    // ── Delete (with a confirmation) ────────────────────────────────────────────────────
    await card.getByRole('button', { name: 'Delete Backup line', exact: true }).click();
    await card.getByRole('group', { name: 'Confirm deleting Backup line' }).getByRole('button', { name: 'Delete' }).click();
    await gone(card);

    // ── Phone width: every admin screen ─────────────────────────────────────────────────
    await admin.setViewportSize(PHONE);
    for (const name of ['Inbox', 'Numbers', 'Team', 'Stats']) await visible(mainNav(admin).getByRole('link', { name }));
    await visible(supportQr);
    await dismissToasts(admin);
    await shot(admin, '13-numbers-qr-phone');
    await mainNav(admin).getByRole('link', { name: 'Team' }).click();
    await admin.getByLabel('First name').fill('Pavel');
    await admin.getByLabel('Last name').fill('Manager');
    await admin.getByLabel('Email').fill(`pavel.${stamp}@beta.test`);
    await admin.getByLabel('Temporary password').fill(PASSWORD);
    await admin.getByRole('button', { name: 'Create user' }).click();
    await visible(admin.getByLabel('Pavel Manager: read Support line'));
    await dismissToasts(admin);
    await shot(admin, '14-team-phone');
    await admin.getByRole('region', { name: 'People' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const pavelWrites = admin.getByLabel('Pavel Manager: write Support line');
    await pavelWrites.check();
    await until(() => pavelWrites.isEnabled(), 'the grant to be saved');
    await dismissToasts(admin);
    await shot(admin, '14b-team-access-phone');
    await mainNav(admin).getByRole('link', { name: 'Stats' }).click();
    await visible(admin.getByRole('heading', { name: 'Messages' }));
    await shot(admin, '15-stats-phone');
    await mainNav(admin).getByRole('link', { name: 'Inbox' }).click();
    await visible(admin.getByText('This number is not connected', { exact: false }));
    await shot(admin, '16-inbox-empty-phone');

    // ── The unscanned QR refreshed by itself (the simulator shows a new one every 20 s) ──
    await mainNav(admin).getByRole('link', { name: 'Numbers' }).click();
    await until(async () => {
      const src = await supportQr.getAttribute('src');
      return src !== null && src !== firstQr;
    }, 'the QR to refresh live', 30_000);

    // ── Two tabs share one login: a rotation in one is adopted by the other ────────────
    // (presenting a spent refresh token would make the server end every session of the user)
    const tab2 = await newPage(PHONE, admin.context());
    await tab2.goto('/');
    await visible(mainNav(tab2).getByRole('link', { name: 'Numbers' }));
    const pair1 = await stored(admin);
    await expireOnce(tab2, '**/api/whatsapp/stats*');
    await mainNav(tab2).getByRole('link', { name: 'Stats' }).click();
    await visible(tab2.getByRole('heading', { name: 'Messages' }));
    await until(async () => (await stored(tab2))?.refreshToken !== pair1?.refreshToken, 'tab 2 to rotate the pair');
    await expireOnce(admin, '**/api/whatsapp/stats*');
    await mainNav(admin).getByRole('link', { name: 'Stats' }).click();
    await visible(admin.getByRole('heading', { name: 'Messages' }));
    for (const tab of [admin, tab2]) {
      await tab.reload();
      await visible(mainNav(tab).getByRole('link', { name: 'Numbers' }));
    }
    // Logging out in one tab logs out the other.
    await tab2.getByRole('button', { name: 'Log out', exact: true }).click();
    await visible(admin.getByRole('heading', { name: 'Log in' }));

    // ── The login screen at phone width ─────────────────────────────────────────────────
    const anon = await newPage(PHONE);
    await anon.goto('/');
    await visible(anon.getByRole('heading', { name: 'Log in' }));
    await anon.getByRole('tab', { name: 'Register a company' }).click();
    await shot(anon, '17-register-phone');

    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);

  it('a manager scrolls back through history, and is read-only until granted write live', async () => {
    h.shootOnFailure('failure-');
    errors.length = 0;
    const stamp = Date.now();
    const token = await registerCompany('Gamma Foods', `boss.${stamp}@gamma.test`);
    const created = await api<{ data: { sessionId: string } }>(server.baseUrl, 'POST', '/api/whatsapp/sessions', { displayName: 'Orders' }, token);
    const sid = created.body.data.sessionId;
    await api(server.baseUrl, 'GET', `/api/whatsapp/sessions/${sid}/qr`, undefined, token);
    const scan = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sid}/scan`, { phoneNumber: '+1 555 010 0400' }, token);
    expect(scan.status).toBe(200);
    // 70 messages from yesterday: more than two pages of the dashboard's history (30 each).
    const start = Date.now() - 86_400_000;
    for (let i = 1; i <= 70; i++) {
      const res = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sid}/inbound`, {
        from: '+1 555 0100 500',
        fromName: 'Ivan Petrov',
        body: `Order line ${i}`,
        messageId: `HIST${i}`,
        timestamp: new Date(start + i * 60_000).toISOString(),
      }, token);
      expect(res.status).toBe(200);
    }
    const managerEmail = `lena.${stamp}@gamma.test`;
    const mgr = await api<{ data: { id: string } }>(server.baseUrl, 'POST', '/api/users', { email: managerEmail, password: PASSWORD, firstName: 'Lena', lastName: 'Reader', role: 'manager' }, token);
    const grant = (permissions: string[]) => api(server.baseUrl, 'POST', `/api/whatsapp/sessions/${sid}/managers`, { managerId: mgr.body.data.id, permissions }, token);
    expect((await grant(['read'])).status).toBe(201);

    const manager = await logIn(managerEmail);
    const chatLink = manager.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Ivan Petrov/ });
    await visible(chatLink.getByLabel('70 unread'));
    await chatLink.click();
    const conversation = manager.getByRole('region', { name: 'Conversation with Ivan Petrov' });
    const messages = conversation.getByRole('list', { name: 'Messages' });
    await visible(messages.getByText('Order line 70', { exact: true }));
    expect(await messages.getByText('Order line 1', { exact: true }).count()).toBe(0);

    // ── Read-only: marking read is refused, so the composer says why it is disabled ─────
    const composer = conversation.getByRole('textbox', { name: 'Message', exact: true });
    await until(() => composer.isDisabled(), 'the composer to be disabled for read-only access');
    expect(await composer.getAttribute('placeholder')).toBe('You can read this number but not reply');
    await visible(chatLink.getByLabel('70 unread')); // not marked read: no write access

    // ── Scroll back: older pages load at the top, the position holds ────────────────────
    const list = conversation.locator('.messages');
    await until(async () => {
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      return (await messages.getByText('Order line 1', { exact: true }).count()) > 0;
    }, 'the oldest message after scrolling back', 20_000);
    await expect(messages.getByRole('listitem').filter({ hasText: /^Order line \d+/ }).count()).resolves.toBe(70);
    await visible(conversation.getByText('Yesterday', { exact: true }));
    await messages.getByText('Order line 1', { exact: true }).scrollIntoViewIfNeeded();
    await shot(manager, '18-history-scrolled-back');

    // ── The admin grants write: the composer opens live and the chat is marked read ─────
    expect((await grant(['read', 'write'])).status).toBe(200);
    await until(async () => !(await composer.isDisabled()), 'the composer to open after the grant');
    await gone(chatLink.getByLabel('70 unread'));
    await composer.fill('Thanks Ivan, all 70 lines are noted.');
    await composer.press('Enter');
    await visible(messages.getByRole('listitem').filter({ hasText: 'all 70 lines are noted' }).getByRole('img', { name: 'Sent' }));

    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);
});
