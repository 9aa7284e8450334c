import { describe, expect, it } from 'vitest';
import type { AccessClaims } from '../auth/tokens.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { fakeOutbox } from '../../test/helpers/fake-outbox.js';
import type { AccessPolicy } from './access-policy.js';
import type { ManagersRepository } from './managers.repository.js';
import { createManagersService } from './managers.service.js';

const admin: AccessClaims = { userId: 'a1', companyId: 'c1', role: 'admin' };
const clock = { now: () => new Date('2026-11-21T12:00:00Z') };
const policy = { session: async () => ({ id: 's1' }), readableSessionIds: async () => null } as unknown as AccessPolicy;
const manager = { id: 'm1', firstName: 'Anna', lastName: 'Ivanova', email: 'a@example.com', role: 'manager' as const };

function setup(repo: Partial<ManagersRepository>) {
  const outbox = fakeOutbox();
  const service = createManagersService({ repo: { findUser: async () => manager, ...repo } as ManagersRepository, policy, outbox, clock });
  return { service, events: outbox.events };
}

describe('managers service', () => {
  it('checks the write-requires-read rule itself, not only through the HTTP schema', async () => {
    const { service, events } = setup({});
    for (const permissions of [[], ['write'], ['read', 'read'], ['owner']]) {
      await expect(service.grant(admin, 's1', 'm1', permissions), JSON.stringify(permissions)).rejects.toMatchObject({
        constructor: ValidationError,
        details: [{ field: 'permissions', message: expect.any(String) }],
      });
    }
    expect(events).toEqual([]);
  });

  it('answers 404 when the session or the manager disappears between the checks and the write, and publishes nothing', async () => {
    const fkError = Object.assign(new Error('insert failed'), { cause: Object.assign(new Error('fk'), { code: '23503' }) });
    const { service, events } = setup({
      upsert: async () => {
        throw fkError;
      },
    });
    await expect(service.grant(admin, 's1', 'm1', ['read'])).rejects.toBeInstanceOf(NotFoundError);
    expect(events).toEqual([]);
  });

  it('lets other write failures through as they are, and publishes nothing', async () => {
    const { service, events } = setup({
      upsert: async () => {
        throw new Error('disk full');
      },
    });
    await expect(service.grant(admin, 's1', 'm1', ['read'])).rejects.toThrow('disk full');
    expect(events).toEqual([]);
  });
});
