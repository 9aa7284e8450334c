import { describe, expect, it } from 'vitest';
import { chatKindOf, toCanonicalJid, tryCanonicalJid } from './jid.js';

describe('toCanonicalJid', () => {
  it.each([
    ['77079856339@c.us', '77079856339@c.us'],
    ['77079856339@s.whatsapp.net', '77079856339@c.us'],
    ['77079856339:12@s.whatsapp.net', '77079856339@c.us'],
    ['+7 707 985 63 39', '77079856339@c.us'],
    ['77079856339', '77079856339@c.us'],
    ['(770) 798-5633', '7707985633@c.us'],
    ['120363025246125486@g.us', '120363025246125486@g.us'],
    ['status@broadcast', 'status@broadcast'],
    ['274204117184759@lid', '274204117184759@lid'],
  ])('%s → %s', (input, expected) => {
    expect(toCanonicalJid(input)).toBe(expected);
  });

  it.each(['', 'hello', '12', "1'; drop table chats;--", 'abc@c.us', 'x@example.com', '7'.repeat(40)])('rejects %j', (input) => {
    expect(() => toCanonicalJid(input)).toThrow();
    expect(tryCanonicalJid(input)).toBeNull();
  });

  it('tells chat kinds apart', () => {
    expect(chatKindOf('1@g.us')).toBe('group');
    expect(chatKindOf('status@broadcast')).toBe('status');
    expect(chatKindOf('77079856339@c.us')).toBe('individual');
  });
});
