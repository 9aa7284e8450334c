/**
 * Shared locations and contacts, end to end in headless Chromium against the real server
 * (simulator engine). A contact shares a place (a card with its name, address and coordinates, and
 * a link that opens it on OpenStreetMap in a new tab) and a courier's contact (a card with the name,
 * the number, and "Start chat", which opens the chat with that number). Both show live, and the
 * same from the history after a reload. The page itself asks nothing of any other host.
 * Screenshots go to test-artifacts/screenshots/ (cards-*.png).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server.js';
import { hasChromium, PASSWORD, shot, shots, skippedWithoutChromium, useBrowser, visible, companyWithNumber } from './harness.js';

skippedWithoutChromium('cards.browser.test');

const MAP = 'https://www.openstreetmap.org/?mlat=43.2389&mlon=76.8897#map=16/43.2389/76.8897';

describe.skipIf(!hasChromium)('shared locations and contacts in the dashboard', () => {
  const h = useBrowser();
  const { errors } = h;
  let server!: RunningServer;
  beforeAll(() => {
    server = h.server;
  });

  it('a location card and a contact card: live, with the map link, "Start chat", and after a reload', async () => {
    h.shootOnFailure('cards-failure-');
    const email = `cards.${Date.now()}@echo.test`;
    const { sim } = await companyWithNumber(server, { company: 'Echo Parcels', email, firstName: 'Eli', phoneNumber: '+7 701 555 00 01' });
    const contact = { from: '+7 701 555 00 02', fromName: 'Айгерим' };
    // The courier has written before: "Start chat" opens that chat.
    await sim('inbound', { from: '+7 701 555 00 11', fromName: 'Курьер Ерлан', body: 'Я курьер, буду завтра' });
    await sim('inbound', { ...contact, body: 'Здравствуйте, где забрать заказ?' });

    const page = await h.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.baseUrl) && !/^(data|blob):/.test(r.url())) foreign.push(r.url());
    });
    await page.goto('/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(page.getByText('Live', { exact: true }));
    await page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Айгерим/ }).click();
    const messages = page.getByRole('region', { name: 'Conversation with Айгерим' }).getByRole('list', { name: 'Messages' });
    await visible(messages.getByText('Здравствуйте, где забрать заказ?', { exact: true }));

    // ── Live ──────────────────────────────────────────────────────────────────────────
    await sim('inbound', { ...contact, type: 'location', location: { latitude: 43.2389, longitude: 76.8897, name: 'Пункт выдачи', address: 'Абая 10' } });
    // The server keeps the number as digits: `+77015550011`.
    await sim('inbound', { ...contact, type: 'contact', contacts: [{ name: 'Курьер Ерлан', phones: ['+7 701 555 00 11'] }] });

    const expectCards = async () => {
      const place = messages.getByRole('group', { name: 'Location from Айгерим: Пункт выдачи' });
      await visible(place);
      await visible(place.getByText('Пункт выдачи', { exact: true }));
      await visible(place.getByText('Абая 10', { exact: true }));
      await visible(place.getByText('43.2389, 76.8897', { exact: true }));
      expect(await place.locator('svg').count()).toBe(1);
      const link = place.getByRole('link', { name: 'Open in map' });
      expect(await link.getAttribute('href')).toBe(MAP);
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toContain('noopener');

      const card = messages.getByRole('listitem', { name: 'Contact Курьер Ерлан' });
      await visible(card);
      await visible(card.getByText('Курьер Ерлан', { exact: true }));
      expect(await card.locator('.avatar').textContent()).toBe('КЕ');
      const phone = card.getByRole('link', { name: '+77015550011', exact: true });
      await visible(phone);
      expect(await phone.getAttribute('href')).toBe('tel:+77015550011');
      await visible(card.getByRole('button', { name: 'Start chat with +77015550011' }));
      // No generic chip for either.
      expect(await messages.getByText('Contact card', { exact: true }).count()).toBe(0);
      expect(await messages.locator('.attachment').count()).toBe(0);
      return card;
    };
    await expectCards();
    await messages.screenshot({ path: path.join(shots, 'cards-01-live.png') });

    // ── After a reload, from the history ─────────────────────────────────────────────
    await page.reload();
    const card = await expectCards();
    await shot(page, 'cards-02-after-reload');

    // ── "Start chat" opens the chat with that number ────────────────────────────────
    await card.getByRole('button', { name: 'Start chat with +77015550011' }).click();
    const courier = page.getByRole('region', { name: 'Conversation with Курьер Ерлан' });
    await visible(courier.getByText('Я курьер, буду завтра', { exact: true }));
    await page.waitForFunction(() => !location.hash.includes('77015550011'));
    expect(await page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /^Курьер Ерлан/ }).getAttribute('aria-current')).toBe('true');

    expect(foreign, 'the page asked another host').toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);
});
