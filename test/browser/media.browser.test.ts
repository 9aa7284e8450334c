/**
 * Files in the dashboard, end to end in headless Chromium against the real server (simulator
 * engine). A contact sends a photo, a voice note, a sticker, a video and documents while the
 * conversation is open (each arrives announced and shows once stored, live): the photo shows inline,
 * really decoded, and enlarges; the voice note plays and seeks (Range); a document downloads its
 * exact bytes; a file over the server's limit says so in words, as do files pending, corrupt or
 * expired. An agent attaches a photo through the composer: it shows as our own message and reaches
 * WhatsApp with the same hash; a file the server refuses stays in the composer with the reason. A
 * read-only manager sees the files and has nothing to attach with.
 * Screenshots go to test-artifacts/screenshots/ (media-*.png).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, type RunningServer } from '../helpers/server.js';
import { hasChromium, PASSWORD, PHONE, root, shot, shots, skippedWithoutChromium, useBrowser, visible, gone, WAIT, companyWithNumber } from './harness.js';

skippedWithoutChromium('media.browser.test');


/** The server keeps files up to 1 MB here: big enough for the fixtures, small enough to refuse one. */
const MAX_BYTES = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeout = WAIT): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A mono 16-bit PCM WAV of a sine tone: a real file Chromium decodes and plays. */
function wavTone(seconds: number, hz: number, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 0.4 * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); // bytes per second
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** A small document with varied bytes (a download that drops or mangles any is caught). */
function documentBytes(size: number): Buffer {
  const b = Buffer.alloc(size);
  b.write('%PDF-1.4\n% price list\n', 0, 'latin1');
  for (let i = 24; i < size; i++) b[i] = (i * 31 + 7) % 256;
  return b;
}

describe.skipIf(!hasChromium)('files in the dashboard', () => {
  const h = useBrowser({ env: { MEDIA_MAX_BYTES: String(MAX_BYTES) }, args: ['--autoplay-policy=no-user-gesture-required'], acceptDownloads: true });
  const { errors } = h;
  const newPage = (viewport?: { width: number; height: number }, ctx?: BrowserContext) => h.newPage(viewport, ctx);
  let server!: RunningServer;
  beforeAll(() => {
    server = h.server;
  });

  it('a contact sends photo, voice note, sticker, video and documents; an agent sends a photo; a reader only views', async () => {
    h.shootOnFailure('media-failure-');
    const stamp = Date.now();
    const email = `files.${stamp}@delta.test`;
    const { token, sessionId: sid, sim } = await companyWithNumber(server, { company: 'Delta Bikes', email, firstName: 'Dana', number: 'Workshop', phoneNumber: '+1 555 010 0600' });
    const contact = { from: '+1 555 0100 601', fromName: 'Maria Lopez' };
    await sim('inbound', { ...contact, body: 'Hi! Sending you pictures of the damage.' });

    // ── The agent opens the conversation ─────────────────────────────────────────────
    const page = await newPage();
    const mediaResponses: { url: string; status: number; range: string | undefined }[] = [];
    page.on('response', (r) => {
      if (/\/media\?/.test(r.url())) mediaResponses.push({ url: r.url(), status: r.status(), range: r.request().headers().range });
    });
    await page.goto('/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await until(() => page.getByText('Live', { exact: true }).isVisible(), 'the socket to connect');
    await page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ }).click();
    const conversation = page.getByRole('region', { name: 'Conversation with Maria Lopez' });
    const messages = conversation.getByRole('list', { name: 'Messages' });
    await visible(messages.getByText('Sending you pictures of the damage.'));

    // ── A photo arrives live: announced, then stored; shown inline and really decoded ──
    const photo = readFileSync(path.join(root, 'test/fixtures/photo.jpg'));
    await sim('inbound', { ...contact, type: 'image', media: { base64: photo.toString('base64'), mimetype: 'image/jpeg', caption: 'The scratch on the frame' } });
    const photoItem = messages.getByRole('listitem').filter({ hasText: 'The scratch on the frame' });
    const img = photoItem.getByRole('img', { name: 'Photo from Maria Lopez', exact: true });
    await visible(img);
    const natural = await until(
      () => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0 && [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight]),
      'the photo to be decoded',
    );
    expect(natural).toEqual([320, 240]);
    expect(await img.getAttribute('src')).toMatch(/\/media\?exp=\d+&sig=/);

    // ── Enlarged on click; Esc closes it, and so does a click ───────────────────────
    const enlarge = photoItem.getByRole('button', { name: 'Enlarge: Photo from Maria Lopez' });
    await enlarge.click();
    const dialog = page.getByRole('dialog', { name: 'Photo from Maria Lopez' });
    await visible(dialog);
    await until(() => dialog.getByRole('img').evaluate((el) => (el as HTMLImageElement).naturalWidth > 0), 'the enlarged photo');
    await shot(page, 'media-01-photo-enlarged');
    await page.keyboard.press('Escape');
    await gone(dialog);
    await enlarge.click();
    await visible(dialog);
    await dialog.click({ position: { x: 20, y: 20 } });
    await gone(dialog);

    // ── A voice note: plays, has its length, and seeks (the server answers ranges) ───
    const tone = wavTone(1, 440);
    await sim('inbound', { ...contact, type: 'audio', media: { base64: tone.toString('base64'), mimetype: 'audio/wav', isVoiceNote: true } });
    const voiceItem = messages.getByRole('listitem').filter({ hasText: 'Voice note' });
    const audio = voiceItem.locator('audio');
    await visible(audio);
    expect(await audio.getAttribute('aria-label')).toMatch(/^Voice note from Maria Lopez/);
    await until(() => audio.evaluate((a) => (a as HTMLAudioElement).readyState >= 1), 'the voice note metadata');
    expect(await audio.evaluate((a) => (a as HTMLAudioElement).duration)).toBeCloseTo(1, 1);
    await visible(voiceItem.getByText('0:01', { exact: true }));
    await audio.evaluate((a) => (a as HTMLAudioElement).play());
    await until(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime > 0), 'the voice note to play');
    const seeked = await audio.evaluate(
      (a) =>
        new Promise<number>((resolve) => {
          const el = a as HTMLAudioElement;
          el.pause();
          el.addEventListener('seeked', () => resolve(el.currentTime), { once: true });
          el.currentTime = 0.5;
        }),
    );
    expect(seeked).toBeCloseTo(0.5, 1);
    expect(await audio.evaluate((a) => (a as HTMLAudioElement).error)).toBeNull();
    const audioSrc = (await audio.getAttribute('src')) ?? '';
    expect(mediaResponses.some((r) => audioSrc && r.url.endsWith(audioSrc) && r.status === 206), JSON.stringify(mediaResponses)).toBe(true);

    // ── A sticker and a short video, both made by Chromium itself (WebP, WebM) ───────
    const made = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const g = canvas.getContext('2d')!;
      const paint = (t: number) => {
        g.fillStyle = '#0f766e';
        g.fillRect(0, 0, 160, 120);
        g.fillStyle = '#fde68a';
        g.beginPath();
        g.arc(40 + t * 80, 60, 30, 0, Math.PI * 2);
        g.fill();
      };
      paint(0);
      const sticker = canvas.toDataURL('image/webp').split(',')[1]!;
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start();
      const start = performance.now();
      await new Promise<void>((done) => {
        const frame = () => {
          const t = (performance.now() - start) / 800;
          paint(Math.min(t, 1));
          if (t < 1) requestAnimationFrame(frame);
          else done();
        };
        frame();
      });
      recorder.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks, { type: 'video/webm' }).arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      return { sticker, video: btoa(bin) };
    });
    await sim('inbound', { ...contact, type: 'sticker', media: { base64: made.sticker, mimetype: 'image/webp' } });
    const sticker = messages.getByRole('img', { name: 'Sticker from Maria Lopez', exact: true });
    await visible(sticker);
    await until(() => sticker.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth === 160), 'the sticker to be decoded');
    expect(await messages.locator('.bubble-sticker').count()).toBe(1);
    await sim('inbound', { ...contact, type: 'video', media: { base64: made.video, mimetype: 'video/webm', caption: 'It rattles like this' } });
    const video = messages.getByRole('listitem').filter({ hasText: 'It rattles like this' }).locator('video');
    await visible(video);
    expect(await video.getAttribute('poster')).toMatch(/\/media\?thumbnail=true&exp=/);
    await until(() => video.evaluate((v) => (v as HTMLVideoElement).readyState >= 1 && (v as HTMLVideoElement).videoWidth === 160), 'the video metadata');

    // ── A document: its name and size, and a link that downloads the exact bytes ─────
    const doc = documentBytes(5000);
    await sim('inbound', { ...contact, type: 'document', media: { base64: doc.toString('base64'), mimetype: 'application/pdf', fileName: 'price-list-2025.pdf' } });
    const docLink = messages.getByRole('link', { name: /^Download price-list-2025\.pdf/ });
    await visible(docLink);
    await visible(docLink.getByText('price-list-2025.pdf', { exact: true }));
    await visible(docLink.getByText('PDF · 4.9 KB', { exact: true }));
    expect(await docLink.getAttribute('download')).toBe('price-list-2025.pdf');
    const href = (await docLink.getAttribute('href')) ?? '';
    const fetched = await page.evaluate(async (url) => {
      const res = await fetch(url);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return { status: res.status, length: bytes.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }, href);
    expect(fetched).toEqual({ status: 200, length: doc.length, sha256: sha256(doc) });
    const download = page.waitForEvent('download');
    await docLink.click();
    expect((await download).suggestedFilename()).toBe('price-list-2025.pdf');

    // ── A document over the server's limit: the reason, in words ────────────────────
    await sim('inbound', { ...contact, type: 'document', media: { base64: documentBytes(MAX_BYTES + 50_000).toString('base64'), mimetype: 'application/pdf', fileName: 'full-catalogue.pdf' } });
    const bigItem = messages.getByRole('listitem').filter({ hasText: 'full-catalogue.pdf' });
    await visible(bigItem.getByText("File is larger than the server's limit"));
    expect(await bigItem.getByRole('link').count()).toBe(0);
    await shot(page, 'media-02-conversation');

    // ── The agent attaches a photo through the composer ──────────────────────────────
    const receipt = readFileSync(path.join(root, 'test/fixtures/thumbnail.jpg'));
    await conversation.getByLabel('Choose a file to send').setInputFiles({ name: 'receipt.jpg', mimeType: 'image/jpeg', buffer: receipt });
    await visible(conversation.getByText('receipt.jpg'));
    await conversation.getByRole('textbox', { name: 'Caption', exact: true }).fill('Here is your repair receipt');
    await conversation.getByRole('button', { name: 'Send message' }).click();
    const ownItem = messages.getByRole('listitem').filter({ hasText: 'Here is your repair receipt' });
    await visible(ownItem.getByRole('img', { name: 'Sent' }));
    const ownImg = ownItem.getByRole('img', { name: 'Photo you sent', exact: true });
    // Shown from the server's stored copy (a signed link), not only from the browser's own preview.
    await until(async () => /\/media\?exp=/.test((await ownImg.getAttribute('src').catch(() => null)) ?? ''), 'our photo to be linked to the stored copy');
    await until(() => ownImg.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 'our photo to be decoded');
    await gone(conversation.getByText('receipt.jpg'));
    const sent = await until(async () => {
      type Sent = { kind: string; messageType?: string; body?: string; media?: { sha256: string; sizeBytes: number; mimetype: string; fileName?: string } };
      const res = await api<{ data: Sent[] }>(server.baseUrl, 'GET', `/api/simulator/sessions/${sid}/sent`, undefined, token);
      return res.body.data.find((r) => r.kind === 'message' && r.body === 'Here is your repair receipt');
    }, 'our photo to reach WhatsApp');
    expect(sent.messageType).toBe('image');
    expect(sent.media).toMatchObject({ sha256: sha256(receipt), sizeBytes: receipt.length, mimetype: 'image/jpeg', fileName: 'receipt.jpg' });

    // ── A file the server refuses stays in the composer with the reason ──────────────
    await conversation.getByLabel('Choose a file to send').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: documentBytes(MAX_BYTES + 10_000) });
    await conversation.getByRole('button', { name: 'Send message' }).click();
    await visible(conversation.getByRole('alert').filter({ hasText: "The file is larger than the server's limit of 1.0 MB" }));
    expect(await messages.getByRole('listitem').filter({ hasText: 'scan.pdf' }).count()).toBe(0);
    await conversation.getByRole('button', { name: 'Remove attachment scan.pdf' }).click();
    await gone(conversation.getByText('scan.pdf'));

    // ── Files not (or no longer) there say so in words (the history answer rewritten) ──
    const listing = '**/api/whatsapp/sessions/*/chats/*/messages?*';
    await page.route(listing, async (route) => {
      const res = await route.fetch();
      const json = (await res.json()) as { data: { body: string | null; media: Record<string, unknown> | null }[] };
      for (const m of json.data) {
        if (!m.media) continue;
        const { url: _url, ...rest } = m.media;
        if (m.body === 'The scratch on the frame') m.media = { ...rest, state: 'pending' };
        else if (m.media.isVoiceNote) m.media = { ...rest, state: 'failed', error: 'integrity' };
        else if (m.media.fileName === 'price-list-2025.pdf') m.media = { ...rest, state: 'expired' };
      }
      await route.fulfill({ response: res, json });
    });
    await page.reload();
    await visible(messages.getByRole('img', { name: 'Photo from Maria Lopez: Downloading…', exact: true }));
    await visible(messages.getByText('File did not match what WhatsApp announced'));
    await visible(messages.getByRole('listitem').filter({ hasText: 'price-list-2025.pdf' }).getByText('No longer available on WhatsApp'));
    expect(await messages.locator('audio').count()).toBe(0);
    await shot(page, 'media-03-states');
    await photoItem.screenshot({ path: path.join(shots, 'media-03-downloading.png') });
    await page.unroute(listing);

    // ── After a reload everything is there from the history, with fresh links ────────
    await page.reload();
    await visible(messages.getByRole('img', { name: 'Photo from Maria Lopez', exact: true }));
    await visible(messages.getByRole('link', { name: /^Download price-list-2025\.pdf/ }));
    await visible(messages.locator('audio'));
    // Photos take their size as they load, after the list is laid out: the newest stays in view.
    await until(() => messages.locator('img').evaluateAll((els) => els.every((i) => (i as HTMLImageElement).complete)), 'the photos to load');
    await until(
      () => conversation.locator('.messages').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 4),
      'the conversation to stay scrolled to the newest message',
    );
    await visible(ownItem);

    // ── Phone width: the photo fits the bubble ───────────────────────────────────────
    await page.setViewportSize(PHONE);
    const photoNow = messages.getByRole('img', { name: 'Photo from Maria Lopez', exact: true });
    await photoNow.scrollIntoViewIfNeeded();
    const [imgBox, listBox] = [await photoNow.boundingBox(), await messages.boundingBox()];
    expect(imgBox && listBox && imgBox.x >= listBox.x && imgBox.x + imgBox.width <= listBox.x + listBox.width + 1).toBe(true);
    await shot(page, 'media-04-conversation-phone');

    // ── A manager who may only read sees the files, and has nothing to attach with ────
    const readerEmail = `reader.${stamp}@delta.test`;
    const reader = await api<{ data: { id: string } }>(server.baseUrl, 'POST', '/api/users', { email: readerEmail, password: PASSWORD, firstName: 'Rita', lastName: 'Reader', role: 'manager' }, token);
    expect(reader.status).toBe(201);
    const grant = await api(server.baseUrl, 'POST', `/api/whatsapp/sessions/${sid}/managers`, { managerId: reader.body.data.id, permissions: ['read'] }, token);
    expect(grant.status).toBe(201);
    const readerPage = await newPage();
    await readerPage.goto('/');
    await readerPage.getByLabel('Email').fill(readerEmail);
    await readerPage.getByLabel('Password').fill(PASSWORD);
    await readerPage.getByRole('button', { name: 'Log in' }).click();
    await readerPage.getByRole('list', { name: 'Chats' }).getByRole('link', { name: /Maria Lopez/ }).click();
    const readerConversation = readerPage.getByRole('region', { name: 'Conversation with Maria Lopez' });
    const readerPhoto = readerConversation.getByRole('img', { name: 'Photo from Maria Lopez', exact: true });
    await visible(readerPhoto);
    await until(() => readerPhoto.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 'the photo for the reader');
    await until(() => readerConversation.getByRole('textbox', { name: 'Message', exact: true }).isDisabled(), 'the composer to be read-only');
    expect(await readerConversation.getByRole('button', { name: 'Attach a file' }).count()).toBe(0);
    expect(await readerConversation.getByLabel('Choose a file to send').count()).toBe(0);

    expect(errors, errors.join('\n')).toEqual([]);
  }, 150_000);
});
