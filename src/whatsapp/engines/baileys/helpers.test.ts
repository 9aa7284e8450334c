import { Boom } from '@hapi/boom';
import { describe, expect, it, vi } from 'vitest';
import { classifyDecryptError } from './decrypt-errors.js';
import { resolveChat, toBaileysJid, toCanonical } from './jids.js';
import { decideOnClose } from './reconnect.js';
import { createWaVersionResolver } from './version.js';

describe('decideOnClose', () => {
  const boom = (code: number, msg = 'x') => new Boom(msg, { statusCode: code });
  it.each([
    [401, { action: 'stop', reason: 'logged_out', wipeCreds: true }],
    [403, { action: 'stop', reason: 'forbidden', wipeCreds: false }],
    [402, { action: 'stop', reason: 'forbidden' }],
    [406, { action: 'stop', reason: 'forbidden' }],
    [440, { action: 'stop', reason: 'replaced' }],
    [515, { action: 'restart' }],
    [405, { action: 'retry', refreshVersion: true }],
    [428, { action: 'retry', refreshVersion: false }],
    [408, { action: 'retry' }],
    [500, { action: 'retry' }],
    [503, { action: 'retry' }],
    [411, { action: 'retry' }],
  ])('%i', (code, expected) => {
    expect(decideOnClose(boom(code))).toMatchObject(expected);
  });
  it('408 QR refs attempts ended → qr_expired', () => {
    expect(decideOnClose(boom(408, 'QR refs attempts ended'))).toMatchObject({ action: 'stop', reason: 'qr_expired' });
  });
  it('transport errors are transient whatever their HTTP code', () => {
    expect(decideOnClose(boom(403, 'WebSocket Error (Unexpected server response: 403)'))).toMatchObject({ action: 'retry', code: 403 });
  });
  it('no error at all → retry', () => {
    expect(decideOnClose(undefined)).toMatchObject({ action: 'retry' });
  });
});

describe('classifyDecryptError', () => {
  it.each([
    ['Bad MAC', 'bad_mac'],
    ['Bad MAC Error: Bad MAC', 'bad_mac'],
    ['No matching sessions found for message', 'bad_mac'],
    ['InvalidMessageException', 'bad_decrypt'],
    ['error:1C800064:Provider routines::bad decrypt', 'bad_decrypt'],
    ['ERR_OSSL_BAD_DECRYPT', 'bad_decrypt'],
    ['No SenderKeyRecord found for decryption', 'bad_decrypt'],
    ['Invalid PreKey ID', 'bad_decrypt'],
    ['No session record', 'bad_decrypt'],
    ['something new', 'bad_decrypt'],
    ['Message absent from node', 'ignore'],
  ])('%s → %s', (text, kind) => {
    expect(classifyDecryptError(text)).toBe(kind);
  });
});

describe('jids', () => {
  it('canonical forms', () => {
    expect(toCanonical('5511999:12@s.whatsapp.net')).toBe('5511999@c.us');
    expect(toCanonical('27420411:80@lid')).toBe('27420411@lid');
    expect(toCanonical('1203630@g.us')).toBe('1203630@g.us');
    expect(toCanonical('status@broadcast')).toBe('status@broadcast');
    expect(toCanonical(undefined)).toBeNull();
    expect(toBaileysJid('5511999@c.us')).toBe('5511999@s.whatsapp.net');
    expect(toBaileysJid('1203630@g.us')).toBe('1203630@g.us');
  });
  it('prefers the phone number of a @lid chat, from remoteJidAlt or the lid-mapping', () => {
    expect(resolveChat({ remoteJid: '27420411@lid', remoteJidAlt: '5511999@s.whatsapp.net' })).toEqual({
      chatJid: '5511999@c.us',
      chatAltJid: '27420411@lid',
    });
    expect(resolveChat({ remoteJid: '5511999@s.whatsapp.net', remoteJidAlt: '27420411@lid' })).toEqual({
      chatJid: '5511999@c.us',
      chatAltJid: '27420411@lid',
    });
    expect(resolveChat({ remoteJid: '27420411@lid' }, (lid) => (lid === '27420411@lid' ? '5511999@c.us' : undefined))).toEqual({
      chatJid: '5511999@c.us',
      chatAltJid: '27420411@lid',
    });
    expect(resolveChat({ remoteJid: '27420411@lid' })).toEqual({ chatJid: '27420411@lid' });
  });
});

describe('createWaVersionResolver', () => {
  const latest = { version: [2, 3000, 999] as [number, number, number], isLatest: true };
  it('an override wins without fetching', async () => {
    const fetcher = vi.fn(async () => latest);
    const r = createWaVersionResolver({ override: [2, 1, 1], fallback: [2, 2, 2], fetchLatest: true, fetcher });
    expect(await r()).toEqual([2, 1, 1]);
    expect(fetcher).not.toHaveBeenCalled();
  });
  it('fetchLatest=false never touches the network', async () => {
    const fetcher = vi.fn(async () => latest);
    expect(await createWaVersionResolver({ fallback: [2, 2, 2], fetchLatest: false, fetcher })()).toEqual([2, 2, 2]);
    expect(fetcher).not.toHaveBeenCalled();
  });
  it('fetches once per process with a timeout signal, refreshes on demand', async () => {
    const fetcher = vi.fn(async (_opts?: RequestInit) => latest);
    const r = createWaVersionResolver({ fallback: [2, 2, 2], fetchLatest: true, fetcher });
    expect(await r()).toEqual([2, 3000, 999]);
    await r();
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher.mock.calls[0]![0]!.signal).toBeInstanceOf(AbortSignal);
    await r({ refresh: true });
    expect(fetcher).toHaveBeenCalledTimes(2);
  });
  it('falls back on errors and on Baileys’ own bundled-version fallback', async () => {
    const failing = vi.fn(async () => {
      throw new Error('offline');
    });
    expect(await createWaVersionResolver({ fallback: [2, 2, 2], fetchLatest: true, fetcher: failing })()).toEqual([2, 2, 2]);
    const notLatest = vi.fn(async () => ({ version: [2, 3000, 1] as [number, number, number], isLatest: false, error: new Error('x') }));
    expect(await createWaVersionResolver({ fallback: [2, 2, 2], fetchLatest: true, fetcher: notLatest })()).toEqual([2, 2, 2]);
  });
});
