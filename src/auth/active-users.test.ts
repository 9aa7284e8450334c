import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { createActiveUserCheck, type UserStanding } from './active-users.js';
import type { AccessClaims } from './tokens.js';

const claims: AccessClaims = { userId: 'u1', companyId: 'c1', role: 'manager', issuedAt: 1000 };

describe('active user check', () => {
  it('asks the database once per window, and again at once after the user is removed or changed', async () => {
    let now = 0;
    const bus = new EventBus(pino({ level: 'silent' }));
    const lookup = vi.fn(async (): Promise<UserStanding | undefined> => ({ role: 'manager', tokensValidAfter: null }));
    const check = createActiveUserCheck({ lookup, bus, clock: { now: () => new Date(now) }, ttlMs: 1000 });
    expect(await check(claims)).toBe(true);
    expect(await check(claims)).toBe(true);
    expect(lookup).toHaveBeenCalledTimes(1);
    now = 1500;
    await check(claims);
    expect(lookup).toHaveBeenCalledTimes(2);
    lookup.mockResolvedValue(undefined);
    bus.publish([{ id: 'e1', name: 'user.access_ended', companyId: 'c1', at: new Date(0).toISOString(), payload: { userId: 'u1' } }]);
    expect(await check(claims)).toBe(false);
    expect(lookup).toHaveBeenCalledTimes(3);
  });

  it('refuses a token of another role, and tokens issued before the user\'s logins were ended', async () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const check = createActiveUserCheck({ lookup: async () => ({ role: 'manager', tokensValidAfter: new Date(5000) }), bus, clock: { now: () => new Date(0) } });
    expect(await check({ ...claims, role: 'admin', issuedAt: 9000 })).toBe(false);
    expect(await check({ ...claims, issuedAt: 4999 })).toBe(false);
    expect(await check({ ...claims, issuedAt: 5000 })).toBe(true);
  });
});
