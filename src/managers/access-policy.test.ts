import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AccessClaims } from '../auth/tokens.js';
import { EventBus } from '../events/event-bus.js';
import type { SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { AccessRepository } from './access.repository.js';
import { createAccessPolicy } from './access-policy.js';

const admin: AccessClaims = { userId: 'u1', companyId: 'c1', role: 'admin' };
const stranger: AccessClaims = { userId: 'u9', companyId: 'c9', role: 'admin' };

function setup() {
  const rows = new Map<string, Partial<SessionRow>>([['s1', { id: 's1', companyId: 'c1', phoneJid: '7701@s.whatsapp.net', phoneNumber: '+7701' }]]);
  let reads = 0;
  let pause: Promise<void> | undefined;
  const sessions = {
    async find(companyId: string, id: string) {
      reads += 1;
      const row = rows.get(id);
      await pause;
      return row?.companyId === companyId ? (row as SessionRow) : undefined;
    },
  } as unknown as SessionsRepository;
  const bus = new EventBus(pino({ level: 'silent' }));
  const policy = createAccessPolicy({ sessions, access: {} as AccessRepository, bus });
  const removed = (sessionId: string) => bus.publish([{ id: 'e', name: 'session.removed', companyId: 'c1', at: '', payload: { sessionId } }]);
  return { policy, rows, removed, reads: () => reads, hold: (p: Promise<void> | undefined): void => {
      pause = p;
    },
  };
}

describe('the session scope cache', () => {
  it('answers from memory once read, and reads again after the session is removed', async () => {
    const { policy, rows, removed, reads } = setup();
    expect(await policy.scope(admin, 's1', 'write')).toMatchObject({ id: 's1', phoneNumber: '+7701' });
    await policy.scope(admin, 's1', 'write');
    expect(reads()).toBe(1);
    rows.delete('s1');
    removed('s1');
    await expect(policy.scope(admin, 's1', 'write')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('another company reads like a missing id, cached or not', async () => {
    const { policy, reads } = setup();
    await policy.scope(admin, 's1', 'read');
    await expect(policy.scope(stranger, 's1', 'read')).rejects.toMatchObject({ statusCode: 404 });
    await expect(policy.scope(stranger, 'nope', 'read')).rejects.toMatchObject({ statusCode: 404 });
    expect(reads()).toBe(3);
  });

  it('a read that overlapped a removal is not kept', async () => {
    const { policy, rows, removed, reads, hold } = setup();
    let release!: () => void;
    hold(new Promise<void>((r) => (release = r)));
    const reading = policy.scope(admin, 's1', 'read');
    rows.delete('s1');
    removed('s1');
    release();
    await reading;
    hold(undefined);
    await expect(policy.scope(admin, 's1', 'read')).rejects.toMatchObject({ statusCode: 404 });
    expect(reads()).toBe(2);
  });
});
