import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { routeLibsignalConsole } from './libsignal-console.js';

describe('libsignal console lines', () => {
  it('never reach the console with their session objects; other lines do', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    routeLibsignalConsole(logger);
    const secret = { currentRatchet: { ephemeralKeyPair: { privKey: Buffer.from('secret-private-key') } } };
    console.info('Closing session:', secret);
    console.warn('Closing open session in favor of incoming prekey bundle');
    console.info('an unrelated line', 42);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith('an unrelated line', 42);
    expect(warn).not.toHaveBeenCalled();
    expect(lines.join('')).toContain('Closing session:');
    expect(lines.join('')).not.toContain('secret-private-key');
    expect(lines.join('')).not.toContain(Buffer.from('secret-private-key').toString('hex'));
  });
});
