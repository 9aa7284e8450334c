/**
 * What happens to a message after it was sent, end to end in headless Chromium against the real
 * server (simulator engine). A contact reacts to a message (a chip under the bubble, with who in its
 * tooltip), edits another (the new text and "edited"), and deletes a third for everyone (a
 * tombstone): each shows live, applied in place without fetching the history again, and shows the
 * same from the history after a reload. In a group, reactions with the same emoji are counted and
 * name who gave them; a newer reaction of one member replaces theirs.
 * Screenshots go to test-artifacts/screenshots/ (reactions-*.png).
 */
import path from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server.js';
import { hasChromium, PASSWORD, shot, shots, skippedWithoutChromium, useBrowser, visible, gone, companyWithNumber } from './harness.js';

skippedWithoutChromium('reactions.browser.test');


/** The history of one chat (not the chat list, not a file). */
const HISTORY = /\/api\/whatsapp\/sessions\/[^/]+\/chats\/[^/]+\/messages(\?|$)/;

describe.skipIf(!hasChromium)('reactions, edits and deletions in the dashboard', () => {
  const h = useBrowser();
  const { errors } = h;
  const newPage = (viewport?: { width: number; height: number }, ctx?: BrowserContext) => h.newPage(viewport, ctx);
  let server!: RunningServer;
  beforeAll(() => {
    server = h.server;
  });

  /** A company with one connected number; `say` is a contact's message and answers its WhatsApp id. */
  async function connectedNumber(tag: string, phoneNumber: string) {
    const email = `${tag}.${Date.now()}@echo.test`;
    const { sim } = await companyWithNumber(server, { company: 'Echo Cycles', email, firstName: 'Eli', phoneNumber });
    const say = async (message: Record<string, unknown>) => (await sim<{ messageId: string }>('inbound', message)).messageId;
    return { email, sim, say };
  }

  async function openChat(email: string, name: string) {
    const page = await newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(page.getByText('Live', { exact: true }));
    await page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: new RegExp(name) }).click();
    const conversation = page.getByRole('region', { name: `Conversation with ${name}` });
    return { page, conversation, messages: conversation.getByRole('list', { name: 'Messages' }) };
  }

  it('a contact reacts, edits and deletes: shown live in place, and the same after a reload', async () => {
    h.shootOnFailure('reactions-failure-');
    const { email, sim, say } = await connectedNumber('changes', '+1 555 010 0700');
    const contact = { from: '+1 555 0100 701', fromName: 'Maria Lopez' };
    const first = await say({ ...contact, body: 'Is the blue bike still available?' });

    const { page, conversation, messages } = await openChat(email, 'Maria Lopez');
    const firstItem = messages.getByRole('listitem').filter({ hasText: 'Is the blue bike still available?' });
    await visible(firstItem);
    const second = await say({ ...contact, body: 'I can come by at 5 pm' });
    await visible(messages.getByText('I can come by at 5 pm', { exact: true }));

    // From here on every change is applied from its event: the history is not fetched again.
    const refetches: string[] = [];
    page.on('request', (r) => {
      if (HISTORY.test(r.url())) refetches.push(r.url());
    });

    // ── A reaction: a chip under the bubble, naming who in its tooltip ───────────────
    await sim('reaction', { messageId: first, from: contact.from, emoji: '👍' });
    const thumbs = firstItem.getByRole('img', { name: '👍 from Maria Lopez', exact: true });
    await visible(thumbs);
    expect(await thumbs.getAttribute('title')).toBe('Maria Lopez');
    expect(await thumbs.textContent()).toBe('👍');
    expect(await firstItem.getByRole('group', { name: 'Reactions' }).getByRole('img').count()).toBe(1);
    // Removed, and given again.
    await sim('reaction', { messageId: first, from: contact.from, emoji: '' });
    await gone(firstItem.getByRole('group', { name: 'Reactions' }));
    await sim('reaction', { messageId: first, from: contact.from, emoji: '👍' });
    await visible(thumbs);

    // ── An edit: the new text in place, marked "edited" ──────────────────────────────
    await sim('edit', { messageId: second, from: contact.from, body: 'I can come by at 6 pm instead' });
    const secondItem = messages.getByRole('listitem').filter({ hasText: 'I can come by at 6 pm instead' });
    await visible(secondItem);
    await visible(secondItem.getByText('edited', { exact: true }));
    await gone(messages.getByText('I can come by at 5 pm', { exact: true }));
    expect(await firstItem.getByText('edited', { exact: true }).count()).toBe(0);

    // ── A deletion for everyone: a tombstone, without the text ───────────────────────
    const third = await say({ ...contact, body: 'Oops, wrong chat, ignore this' });
    await visible(messages.getByText('Oops, wrong chat, ignore this', { exact: true }));
    await sim('revoke', { messageId: third, from: contact.from });
    const tombstone = messages.getByRole('listitem').filter({ hasText: 'This message was deleted' });
    await visible(tombstone);
    await gone(messages.getByText('Oops, wrong chat, ignore this', { exact: true }));
    expect(await tombstone.count()).toBe(1);
    expect(await tombstone.locator('.tombstone').evaluate((el) => getComputedStyle(el).fontStyle)).toBe('italic');
    expect(await tombstone.locator('.tombstone svg').count()).toBe(1);
    expect(await tombstone.getByRole('group', { name: 'Reactions' }).count()).toBe(0);
    // The other messages are as they were.
    await visible(thumbs);
    await visible(secondItem.getByText('edited', { exact: true }));
    expect(await messages.getByRole('listitem').count()).toBeGreaterThanOrEqual(3);
    expect(refetches, 'the history was fetched again for a change its event carried').toEqual([]);
    await conversation.screenshot({ path: path.join(shots, 'reactions-01-live.png') });

    // ── After a reload the history shows the same ───────────────────────────────────
    await page.reload();
    await visible(messages.getByText('Is the blue bike still available?', { exact: true }));
    await visible(firstItem.getByRole('img', { name: '👍 from Maria Lopez', exact: true }));
    await visible(secondItem.getByText('edited', { exact: true }));
    await visible(tombstone);
    expect(await messages.getByText('I can come by at 5 pm', { exact: true }).count()).toBe(0);
    expect(await messages.getByText('Oops, wrong chat, ignore this', { exact: true }).count()).toBe(0);
    expect(await tombstone.count()).toBe(1);
    expect(await firstItem.getByRole('group', { name: 'Reactions' }).getByRole('img').count()).toBe(1);
    await shot(page, 'reactions-02-after-reload');

    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);

  it('in a group, the same emoji is counted and names who gave it; a newer reaction replaces one', async () => {
    const { email, sim, say } = await connectedNumber('group', '+1 555 010 0800');
    const group = { groupId: '120363025550100800@g.us', groupName: 'Sunday Riders' };
    const ana = { from: '+1 555 0100 801', fromName: 'Ana Silva' };
    const ben = { from: '+1 555 0100 802', fromName: 'Ben Okafor' };
    const plan = await say({ ...group, ...ana, body: 'Ride on Sunday at 9?' });
    await say({ ...group, ...ben, body: 'Count me in' });

    const { page, conversation, messages } = await openChat(email, 'Sunday Riders');
    const planItem = messages.getByRole('listitem').filter({ hasText: 'Ride on Sunday at 9?' });
    await visible(planItem);

    await sim('reaction', { messageId: plan, from: ana.from, emoji: '👍' });
    await visible(planItem.getByRole('img', { name: '👍 from Ana Silva', exact: true }));
    await sim('reaction', { messageId: plan, from: ben.from, emoji: '👍' });
    const both = planItem.getByRole('img', { name: '👍 from Ana Silva and Ben Okafor', exact: true });
    await visible(both);
    expect(await both.textContent()).toBe('👍2');
    expect(await both.getAttribute('title')).toBe('Ana Silva\nBen Okafor');
    await planItem.screenshot({ path: path.join(shots, 'reactions-03-counted.png') });

    // Someone who has not written in the group is named by their number.
    await sim('reaction', { messageId: plan, from: '+1 555 0100 803', emoji: '🎉' });
    await visible(planItem.getByRole('img', { name: '🎉 from +15550100803', exact: true }));

    // One reaction per member: Ben's heart replaces his thumbs up.
    await sim('reaction', { messageId: plan, from: ben.from, emoji: '❤️' });
    await visible(planItem.getByRole('img', { name: '❤️ from Ben Okafor', exact: true }));
    await visible(planItem.getByRole('img', { name: '👍 from Ana Silva', exact: true }));
    await gone(both);
    expect(await planItem.getByRole('group', { name: 'Reactions' }).getByRole('img').allTextContents()).toEqual(['👍', '🎉', '❤️']);
    await conversation.screenshot({ path: path.join(shots, 'reactions-04-group.png') });

    await page.reload();
    await visible(planItem.getByRole('img', { name: '❤️ from Ben Okafor', exact: true }));
    expect(await planItem.getByRole('group', { name: 'Reactions' }).getByRole('img').allTextContents()).toEqual(['👍', '🎉', '❤️']);

    expect(errors, errors.join('\n')).toEqual([]);
  }, 90_000);
});
