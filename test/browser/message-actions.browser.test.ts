/**
 * What an agent does to a message after it was sent, end to end in headless Chromium against the
 * real server (simulator engine): from the small actions button beside a bubble (shown on hover and
 * focus, reachable by keyboard) it reacts to a contact's message (a chip naming "You"; the same
 * emoji again removes it), edits its own text inline (Enter saves, Esc cancels, a refusal said in
 * words; "Edit" is gone after WhatsApp's 15 minutes) and deletes its own message for everyone after
 * a confirm step (a tombstone). WhatsApp (the simulator's sent record) gets each. A manager with
 * read-only access is offered none of it.
 * Screenshots go to test-artifacts/screenshots/ (actions-*.png).
 */
import path from 'node:path';
import { type BrowserContext, type Locator, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, type RunningServer } from '../helpers/server.js';
import { gone, hasChromium, LAPTOP, PASSWORD, PHONE, shot, shots, skippedWithoutChromium, useBrowser, visible, WAIT, companyWithNumber } from './harness.js';

skippedWithoutChromium('message-actions.browser.test');

type SentRecord = { kind: string; messageId?: string; body?: string | null; emoji?: string };

describe.skipIf(!hasChromium)('message actions in the dashboard: react, edit, delete for everyone', () => {
  const h = useBrowser();
  const { errors } = h;
  let server!: RunningServer;
  let adminToken = '';
  let sid = '';
  const stamp = Date.now();
  const agentEmail = `agent.${stamp}@foxtrot.test`;
  const readerEmail = `reader.${stamp}@foxtrot.test`;
  const contact = { from: '+1 555 0100 901', fromName: 'Maria Lopez' };
  const QUESTION = 'Do you have the red helmet in size M?';
  const WELCOME = 'Hello Maria, thanks for writing to Foxtrot Bikes.';
  let questionId = '';

  /** What the session sent to WhatsApp, in order. */
  const sent = async (): Promise<SentRecord[]> => {
    const res = await api<{ data: SentRecord[] }>(server.baseUrl, 'GET', `/api/simulator/sessions/${sid}/sent`, undefined, adminToken);
    expect(res.status).toBe(200);
    return res.body.data;
  };

  /** A company with a connected number, an agent who may reply, a manager who may only read, and a chat. */
  beforeAll(async () => {
    server = h.server;
    const linked = await companyWithNumber(server, { company: 'Foxtrot Bikes', email: `owner.${stamp}@foxtrot.test`, firstName: 'Olivia', lastName: 'Owner', phoneNumber: '+1 555 010 0900' });
    adminToken = linked.token;
    sid = linked.sessionId;

    for (const [email, firstName, permissions] of [
      [agentEmail, 'Alex', ['read', 'write']],
      [readerEmail, 'Rita', ['read']],
    ] as const) {
      const user = await api<{ data: { id: string } }>(server.baseUrl, 'POST', '/api/users', { email, password: PASSWORD, firstName, lastName: 'Staff', role: 'manager' }, adminToken);
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      const grant = await api(server.baseUrl, 'POST', `/api/whatsapp/sessions/${sid}/managers`, { managerId: user.body.data.id, permissions: [...permissions] }, adminToken);
      expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    }

    const said = await api<{ data: { messageId: string } }>(server.baseUrl, 'POST', `/api/simulator/sessions/${sid}/inbound`, { ...contact, body: QUESTION }, adminToken);
    expect(said.status).toBe(200);
    questionId = said.body.data.messageId;
    // Our own message, sent before anyone opens the dashboard (a chat is addressed by its number too).
    const welcome = await api(server.baseUrl, 'POST', `/api/whatsapp/sessions/${sid}/chats/15550100901/messages`, { type: 'text', message: WELCOME }, adminToken);
    expect(welcome.status, JSON.stringify(welcome.body)).toBe(201);
  }, 60_000);

  /** `ctx`: a tab of a browser already logged in, unless `logIn`. */
  async function openChat(email: string, viewport = LAPTOP, ctx?: BrowserContext, logIn = !ctx) {
    const page = await h.newPage(viewport, ctx);
    // Another tab of a browser already logged in: its own size.
    if (ctx) await page.setViewportSize(viewport);
    await page.goto('/');
    if (logIn) {
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
    }
    // The live connection is named in words on wider screens only.
    if (viewport.width > 720) await visible(page.getByText('Live', { exact: true }));
    await page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ }).click();
    const conversation = page.getByRole('region', { name: 'Conversation with Maria Lopez' });
    const messages = conversation.getByRole('list', { name: 'Messages' });
    await visible(messages.getByText(QUESTION, { exact: true }));
    const item = (text: string) => messages.getByRole('listitem').filter({ hasText: text });
    return { page, conversation, messages, item };
  }

  const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
  const opacityOf = (l: Locator) => l.evaluate((el) => getComputedStyle(el).opacity);

  it('an agent reacts, edits its own text and deletes its own message for everyone', async () => {
    h.shootOnFailure('actions-failure-');
    const { page, conversation, messages, item } = await openChat(agentEmail);
    const question = item(QUESTION);
    const trigger = question.getByRole('button', { name: 'Message actions' });

    // ── Unobtrusive: the button shows on hover (and focus), not otherwise ────────────
    await page.mouse.move(1, 1);
    await expect.poll(() => opacityOf(trigger)).toBe('0');
    await question.locator('.bubble').hover();
    await expect.poll(() => opacityOf(trigger)).toBe('1');

    // ── A reaction: a chip naming "You"; the same emoji again removes it ─────────────
    await trigger.click();
    const menu = question.getByRole('menu', { name: 'Message actions' });
    await visible(menu);
    expect(await trigger.getAttribute('aria-expanded')).toBe('true');
    expect(await menu.getByRole('menuitemradio').count()).toBe(6);
    expect(await menu.getByRole('menuitemradio').allTextContents()).toEqual(['👍', '❤️', '😂', '😮', '😢', '🙏']);
    // A contact's message is theirs to edit or delete.
    expect(await menu.getByRole('menuitem').count()).toBe(0);
    await conversation.screenshot({ path: path.join(shots, 'actions-01-menu.png') });
    await menu.getByRole('menuitemradio', { name: 'React with 👍' }).click();
    await gone(menu);
    const mine = question.getByRole('img', { name: '👍 from You', exact: true });
    await visible(mine);
    expect(await mine.getAttribute('class')).toContain('reaction-mine');
    await expect.poll(sent).toContainEqual(expect.objectContaining({ kind: 'reaction', messageId: questionId, emoji: '👍' }));

    // By keyboard: focus is back on the button; the menu opens on the reaction we gave.
    expect(await focusedName(page)).toBe('Message actions');
    await page.keyboard.press('Enter');
    await visible(menu);
    const thumbs = menu.getByRole('menuitemradio', { name: 'React with 👍' });
    expect(await thumbs.getAttribute('aria-checked')).toBe('true');
    expect(await focusedName(page)).toBe('React with 👍');
    await page.keyboard.press('ArrowRight');
    expect(await focusedName(page)).toBe('React with ❤️');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await gone(mine);
    await gone(question.getByRole('group', { name: 'Reactions' }));
    await expect.poll(sent).toContainEqual(expect.objectContaining({ kind: 'reaction', messageId: questionId, emoji: '' }));
    // Esc closes the menu and gives the focus back.
    await page.keyboard.press('Enter');
    await visible(menu);
    expect(await thumbs.getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('Escape');
    await gone(menu);
    expect(await focusedName(page)).toBe('Message actions');

    // ── An edit of our own text: inline, Esc cancels, a refusal in words, Enter saves ─
    const composer = conversation.getByRole('textbox', { name: 'Message', exact: true });
    const first = 'We have it in size L.';
    await composer.fill(first);
    await composer.press('Enter');
    const own = item(first);
    await visible(own.getByRole('img', { name: 'Sent' }));
    const ownId = (await sent()).find((r) => r.kind === 'message' && r.body === first)?.messageId;
    expect(ownId).toBeTruthy();
    const ownTrigger = own.getByRole('button', { name: 'Message actions' });
    const ownMenu = own.getByRole('menu', { name: 'Message actions' });
    await ownTrigger.click();
    await visible(ownMenu.getByRole('menuitem', { name: 'Edit' }));
    await visible(ownMenu.getByRole('menuitem', { name: 'Delete for everyone' }));
    await ownMenu.getByRole('menuitem', { name: 'Edit' }).click();
    // While edited, the bubble holds the text in a box (the item is no longer found by its text).
    const editor = conversation.getByRole('textbox', { name: 'Edited message' });
    await visible(editor);
    expect(await editor.inputValue()).toBe(first);
    expect(await focusedName(page)).toBe('Edited message');
    await editor.fill('Not this');
    await editor.press('Escape');
    await gone(editor);
    await visible(own.getByText(first, { exact: true }));
    expect(await focusedName(page)).toBe('Message actions');

    // WhatsApp's window passed while the editor was open (the server's 409, answered here): said in words.
    await page.route('**/api/whatsapp/sessions/*/chats/*/messages/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({ status: 409, json: { success: false, error: 'WhatsApp allows edits within 15 minutes of sending', code: 'edit_window_passed' } })
        : route.fallback(),
    );
    await ownTrigger.click();
    await ownMenu.getByRole('menuitem', { name: 'Edit' }).click();
    await editor.fill('We have it in size M.');
    await editor.press('Enter');
    await visible(conversation.getByRole('alert').filter({ hasText: 'It is too late to edit this message: WhatsApp allows edits only within 15 minutes of sending.' }));
    expect(await editor.inputValue()).toBe('We have it in size M.');
    await messages.getByRole('listitem').filter({ has: page.getByRole('textbox', { name: 'Edited message' }) }).screenshot({ path: path.join(shots, 'actions-02-edit-refused.png') });
    await page.unrouteAll();

    const edited = 'We have it in size M, in red.';
    await editor.fill(edited);
    await editor.press('Enter');
    await gone(editor);
    const editedItem = item(edited);
    await visible(editedItem.getByText('edited', { exact: true }));
    await gone(messages.getByText(first, { exact: true }));
    await expect.poll(sent).toContainEqual(expect.objectContaining({ kind: 'edit', messageId: ownId, body: edited }));

    // ── Delete for everyone: a confirm step, then a tombstone ────────────────────────
    const oops = 'Sorry, wrong photo, ignore that';
    await composer.fill(oops);
    await composer.press('Enter');
    const oopsItem = item(oops);
    await visible(oopsItem.getByRole('img', { name: 'Sent' }));
    const oopsId = (await sent()).find((r) => r.kind === 'message' && r.body === oops)?.messageId;
    expect(oopsId).toBeTruthy();
    const oopsMenu = oopsItem.getByRole('menu', { name: 'Message actions' });
    const confirm = oopsItem.getByRole('group', { name: 'Delete this message for everyone?' });
    await oopsItem.getByRole('button', { name: 'Message actions' }).click();
    await oopsMenu.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await visible(confirm);
    // The safe choice has the focus; Cancel keeps the message.
    expect(await focusedName(page)).toBe('Cancel');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await gone(confirm);
    await visible(oopsItem);
    await oopsItem.getByRole('button', { name: 'Message actions' }).click();
    await oopsMenu.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await visible(confirm);
    await oopsItem.screenshot({ path: path.join(shots, 'actions-03-confirm-delete.png') });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    const tombstone = messages.getByRole('listitem').filter({ hasText: 'This message was deleted' });
    await visible(tombstone);
    await gone(messages.getByText(oops, { exact: true }));
    expect(await tombstone.getByRole('button', { name: 'Message actions' }).count()).toBe(0);
    await expect.poll(sent).toContainEqual(expect.objectContaining({ kind: 'revoke', messageId: oopsId }));
    await conversation.screenshot({ path: path.join(shots, 'actions-04-after.png') });

    // ── After a reload the history says the same ────────────────────────────────────
    await page.reload();
    await visible(editedItem.getByText('edited', { exact: true }));
    await visible(tombstone);
    expect(await messages.getByText(oops, { exact: true }).count()).toBe(0);
    expect(await question.getByRole('group', { name: 'Reactions' }).count()).toBe(0);

    // ── At phone width: under the bubble where the list has room, above it where not ─
    const phone = await openChat(agentEmail, PHONE, page.context());
    const list = phone.conversation.locator('.messages');
    /** The menu's box, checked to be whole on the screen and within the list. */
    const placed = async (menu: Locator) => {
      await visible(menu);
      const [box, area] = [await menu.boundingBox(), await list.boundingBox()];
      if (!box || !area) throw new Error('the menu or the list has no box');
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(box.y).toBeGreaterThanOrEqual(area.y - 1);
      expect(box.y + box.height).toBeLessThanOrEqual(area.y + area.height + 1);
      return box;
    };
    const lastEdit = phone.item(edited);
    await lastEdit.getByRole('button', { name: 'Message actions' }).click();
    const underBox = await placed(lastEdit.getByRole('menu', { name: 'Message actions' }));
    const editedBubble = await lastEdit.locator('.bubble').boundingBox();
    expect(underBox.y).toBeGreaterThanOrEqual(editedBubble!.y + editedBubble!.height);
    await shot(phone.page, 'actions-05-phone-menu');
    await phone.page.keyboard.press('Escape');
    await gone(lastEdit.getByRole('menu'));
    // The list fills up and our latest message sits at its bottom.
    for (let i = 1; i <= 8; i++) {
      const line = await api(server.baseUrl, 'POST', `/api/simulator/sessions/${sid}/inbound`, { ...contact, body: `Order line ${i}: 2 × inner tube 700c` }, adminToken);
      expect(line.status).toBe(200);
    }
    await visible(phone.item('Order line 8:'));
    const phoneComposer = phone.conversation.getByRole('textbox', { name: 'Message', exact: true });
    await phoneComposer.fill('Anything else I can help with?');
    await phoneComposer.press('Enter');
    const latest = phone.item('Anything else I can help with?');
    await visible(latest.getByRole('img', { name: 'Sent' }));
    await latest.getByRole('button', { name: 'Message actions' }).click();
    const aboveBox = await placed(latest.getByRole('menu', { name: 'Message actions' }));
    const latestBubble = await latest.locator('.bubble').boundingBox();
    expect(aboveBox.y + aboveBox.height).toBeLessThanOrEqual(latestBubble!.y);
    await shot(phone.page, 'actions-06-phone-menu-above');
    await phone.page.keyboard.press('Escape');
    await gone(latest.getByRole('menu'));
    await phone.page.close();

    // ── On a touch screen the button is always there (faded); a tap elsewhere closes the menu ─
    const touchCtx = await h.browser.newContext({ viewport: PHONE, baseURL: server.baseUrl, isMobile: true, hasTouch: true });
    try {
      const touch = await openChat(agentEmail, PHONE, touchCtx, true);
      const touchTrigger = touch.item(QUESTION).getByRole('button', { name: 'Message actions' });
      await expect.poll(() => opacityOf(touchTrigger)).toBe('0.7');
      await touchTrigger.tap();
      const touchMenu = touch.item(QUESTION).getByRole('menu', { name: 'Message actions' });
      await visible(touchMenu);
      await touch.conversation.getByRole('heading', { name: 'Maria Lopez' }).tap();
      await gone(touchMenu);
    } finally {
      await touchCtx.close();
    }

    // ── Past WhatsApp's 15 minutes "Edit" is no longer offered; deleting still is ───
    const later = await h.newPage(LAPTOP, page.context());
    await later.clock.setFixedTime(Date.now() + 16 * 60_000);
    await later.goto('/');
    await visible(later.getByText('Live', { exact: true }));
    await later.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ }).click();
    const laterItem = later.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: edited });
    await laterItem.getByRole('button', { name: 'Message actions' }).click();
    const laterMenu = laterItem.getByRole('menu', { name: 'Message actions' });
    await visible(laterMenu.getByRole('menuitem', { name: 'Delete for everyone' }));
    expect(await laterMenu.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0);
    await later.keyboard.press('Escape');
    await later.close();

    expect(errors, errors.join('\n')).toEqual([]);
  }, 150_000);

  it('a manager with read-only access is offered no actions', async () => {
    h.shootOnFailure('actions-readonly-failure-');
    const { page, conversation, item } = await openChat(readerEmail, PHONE);
    const question = item(QUESTION);
    await visible(item(WELCOME));
    const composer = conversation.getByRole('textbox', { name: 'Message', exact: true });
    await expect.poll(() => composer.isDisabled(), { timeout: WAIT }).toBe(true);
    await question.locator('.bubble').hover();
    await question.locator('.bubble').click();
    expect(await conversation.getByRole('button', { name: 'Message actions' }).count()).toBe(0);
    expect(await conversation.getByRole('menu').count()).toBe(0);
    expect(await conversation.getByRole('menuitem').count()).toBe(0);
    await shot(page, 'actions-07-read-only');
    expect(errors, errors.join('\n')).toEqual([]);
  }, 60_000);
});
