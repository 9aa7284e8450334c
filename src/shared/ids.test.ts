import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('looks like the API examples: 25 lowercase letters and digits starting with c', () => {
    for (let i = 0; i < 1000; i++) expect(newId()).toMatch(/^c[a-z0-9]{24}$/);
  });

  it('does not repeat over many ids made in the same milliseconds', () => {
    const ids = new Set(Array.from({ length: 200_000 }, newId));
    expect(ids.size).toBe(200_000);
  });

  it('sorts by creation time across milliseconds', async () => {
    const first = newId();
    await new Promise((r) => setTimeout(r, 5));
    expect(newId() > first).toBe(true);
  });
});
