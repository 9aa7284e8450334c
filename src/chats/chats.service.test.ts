import { describe, expect, it } from 'vitest';
import { chatTypesFor } from './chats.service.js';

describe('chatTypesFor (docs/api.md §5, seed 000 filters)', () => {
  it.each([
    [{}, ['individual']],
    [{ includeGroups: true }, ['individual', 'group']],
    [{ includeStatus: true }, ['individual', 'status']],
    [{ includeGroups: true, includeStatus: true }, ['individual', 'group', 'status']],
    [{ chatType: 'group' as const }, ['group']],
    [{ chatType: 'status' as const, includeGroups: true }, ['status']],
    [{ chatType: 'all' as const }, ['individual', 'group', 'status']],
  ])('%j → %j', (q, expected) => {
    expect(chatTypesFor(q)).toEqual(expected);
  });
});
