import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createHookedLogger, DECRYPT_FAILURE_LOG, STREAM_ERROR_LOG } from './logger-hook.js';
import { isRestartStreamError } from './reconnect.js';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { lines, logger: pino({ level: 'trace' }, sink) };
}

const streamError = (attrs: Record<string, string>, content?: unknown[]) => ({ tag: 'stream:error', attrs, content });

describe('Baileys log lines through the hook', () => {
  it('the 515 restart after pairing is logged at info, not as an error', () => {
    const { lines, logger } = capture();
    const node = streamError({ code: '515' });
    createHookedLogger(logger, () => undefined).error({ reasonNode: undefined, fullErrorNode: node }, STREAM_ERROR_LOG);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(30);
    expect(lines[0]!.msg).toMatch(/515/);
  });

  it('other stream errors stay errors', () => {
    const { lines, logger } = capture();
    const conflict = streamError({}, [{ tag: 'conflict', attrs: { type: 'replaced' } }]);
    createHookedLogger(logger, () => undefined).error({ fullErrorNode: conflict }, STREAM_ERROR_LOG);
    createHookedLogger(logger, () => undefined).error({ fullErrorNode: streamError({ code: '401' }) }, STREAM_ERROR_LOG);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, STREAM_ERROR_LOG],
      [50, STREAM_ERROR_LOG],
    ]);
  });

  it('the decrypt-failure tap still sees its line', () => {
    const { lines, logger } = capture();
    const seen: string[] = [];
    createHookedLogger(logger, (s) => seen.push(s.detail)).error({ err: new Error('Bad MAC') }, DECRYPT_FAILURE_LOG);
    expect(seen).toEqual(['Bad MAC']);
    expect(lines[0]!.level).toBe(50);
  });
});

describe('isRestartStreamError', () => {
  it.each([
    [streamError({ code: '515' }), true],
    [streamError({ code: '503' }), false],
    [streamError({}, [{ tag: 'conflict', attrs: {} }]), false],
    [undefined, false],
    ['515', false],
    [{ tag: 'stream:error' }, false],
  ])('%j → %s', (node, expected) => {
    expect(isRestartStreamError(node)).toBe(expected);
  });
});
