import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessClaims } from '../auth/tokens.js';
import type { AnyDomainEvent, DomainEventMap, DomainEventName } from '../events/domain-events.js';
import { EventBus } from '../events/event-bus.js';
import { toClientEvents, type ClientEvent } from '../realtime/client-events.js';
import { createStatsCoalescer, type StatsCoalescer } from './stats-coalescer.js';
import type { LiveStats } from './stats.service.js';

const figures = (n: number): LiveStats => ({ totalChats: n, unreadChats: 0, totalMessages: n * 10, todayMessages: n, connectedSessions: 1 });
const admin: AccessClaims = { userId: 'a1', companyId: 'c1', role: 'admin' };
const reader: AccessClaims = { userId: 'm1', companyId: 'c1', role: 'manager' };
const idle: AccessClaims = { userId: 'm2', companyId: 'c1', role: 'manager' };

describe('stats coalescer', () => {
  let bus: EventBus;
  let emitted: ClientEvent[];
  let coalescer: StatsCoalescer | undefined;
  let computations: string[];
  let errorLog: ReturnType<typeof vi.fn>;
  let logger: Logger;

  let seq = 0;
  const happened = <K extends DomainEventName>(name: K, companyId: string, payload: DomainEventMap[K]) =>
    bus.publish([{ id: `e${++seq}`, name, companyId, at: '', payload } as AnyDomainEvent]);
  const dirty = (companyId = 'c1') => happened('session.created', companyId, { sessionId: 's', displayName: 'x' });
  const statsEvents = () => emitted.filter((e) => e.name === 'whatsapp:stats-updated');

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-21T12:00:00Z') });
    bus = new EventBus(pino({ level: 'silent' }));
    emitted = [];
    computations = [];

    errorLog = vi.fn();
    logger = { error: errorLog, warn: vi.fn(), info: vi.fn(), debug: vi.fn() } as unknown as Logger;
  });

  afterEach(() => {
    coalescer?.stop();
    coalescer = undefined;
    vi.useRealTimers();
  });

  const start = (overrides: Partial<Parameters<typeof createStatsCoalescer>[0]> = {}) => {
    coalescer = createStatsCoalescer({
      bus,
      // What the outbox would publish, seen as the clients see it.
      publish: async (name, companyId, payload) => void emitted.push(...toClientEvents({ id: 'x', name, companyId, at: '', payload } as AnyDomainEvent)),
      logger,
      intervalMs: 1000,
      connectedUsers: async () => [],
      stats: {
        liveForCompany: async (companyId) => {
          computations.push(companyId);
          return figures(computations.length);
        },
        liveFor: async () => undefined,
      },
      ...overrides,
    });
    return coalescer;
  };

  it('answers the first change at once and folds a burst into one more emission per interval', async () => {
    start();
    for (let i = 0; i < 50; i++) dirty();
    await vi.advanceTimersByTimeAsync(0);
    expect(statsEvents()).toHaveLength(1);
    expect(statsEvents()[0]).toEqual({ name: 'whatsapp:stats-updated', audience: { companyId: 'c1' }, payload: { companyId: 'c1', stats: figures(1) } });

    // More changes inside the interval: nothing until it ends, then exactly one.
    for (let ms = 0; ms < 900; ms += 100) {
      dirty();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(statsEvents()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(statsEvents()).toHaveLength(2);

    // Quiet: no more emissions.
    await vi.advanceTimersByTimeAsync(5000);
    expect(statsEvents()).toHaveLength(2);
    expect(computations).toEqual(['c1', 'c1']);

    // After a quiet period the next change is answered at once again.
    dirty();
    await vi.advanceTimersByTimeAsync(0);
    expect(statsEvents()).toHaveLength(3);
  });

  it('keeps companies apart, and reacts to changes of what it counts but not to other events', async () => {
    start();
    dirty('c1');
    dirty('c2');
    await vi.advanceTimersByTimeAsync(0);
    expect(statsEvents().map((e) => e.audience.companyId).sort()).toEqual(['c1', 'c2']);

    await vi.advanceTimersByTimeAsync(2000);
    happened('session.qr_changed', 'c3', { sessionId: 's', qrCode: 'x' });
    happened('typing.changed', 'c3', { sessionId: 's', chatId: 'x', isTyping: true, participantId: 'x', timestamp: '' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(computations).toEqual(['c1', 'c2']);

    happened('chat.updated', 'c3', { sessionId: 's', chatId: 'x', lastMessageAt: null, lastMessageText: null, unreadCount: 0 });
    await vi.advanceTimersByTimeAsync(2000);
    happened('access.revoked', 'c4', { sessionId: 's', managerId: 'm', managerName: '', revokedBy: 'a', timestamp: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect(computations).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('sends each connected manager figures over its own sessions only, admins excluded', async () => {
    const liveFor = vi.fn(async (user: AccessClaims) => (user.userId === 'm1' ? figures(42) : undefined));
    start({
      connectedUsers: async () => [admin, reader, idle],
      stats: { liveForCompany: async () => figures(7), liveFor },
    });
    dirty();
    await vi.advanceTimersByTimeAsync(0);
    expect(statsEvents().map((e) => ({ audience: e.audience, payload: e.payload }))).toEqual([
      { audience: { companyId: 'c1' }, payload: { companyId: 'c1', stats: figures(7) } },
      { audience: { companyId: 'c1', userIds: ['m1'], excludeAdmins: true }, payload: { companyId: 'c1', stats: figures(42) } },
    ]);
    // Admins get the company figures, not a per-user computation.
    expect(liveFor.mock.calls.map(([u]) => u.userId).sort()).toEqual(['m1', 'm2']);
  });

  it('logs a failing computation, never throws, and recovers on the next change', async () => {
    let fail = true;
    start({
      connectedUsers: async () => [reader],
      stats: {
        liveForCompany: async () => {
          if (fail) throw new Error('database down');
          return figures(1);
        },
        liveFor: async () => {
          throw new Error('manager query failed');
        },
      },
    });
    expect(() => dirty()).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(statsEvents()).toHaveLength(0);
    expect(errorLog).toHaveBeenCalledWith(expect.objectContaining({ companyId: 'c1', err: expect.any(Error) }), expect.any(String));

    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    dirty();
    await vi.advanceTimersByTimeAsync(0);
    // The company event still goes out when one manager's figures fail.
    expect(statsEvents()).toHaveLength(1);
    expect(errorLog).toHaveBeenLastCalledWith(expect.objectContaining({ userId: 'm1' }), expect.any(String));
  });

  it('never overlaps computations of one company; a slow one is followed by a single trailing run', async () => {
    let running = 0;
    let maxRunning = 0;
    start({
      stats: {
        liveForCompany: async (companyId) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          computations.push(companyId);
          await new Promise((resolve) => setTimeout(resolve, 1500));
          running--;
          return figures(1);
        },
        liveFor: async () => undefined,
      },
    });
    dirty();
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 10; i++) dirty();
    await vi.advanceTimersByTimeAsync(1399);
    expect(computations).toHaveLength(1);
    // The first run ends at 1500 ms, already past its interval: the trailing run starts at once.
    await vi.advanceTimersByTimeAsync(1);
    expect(computations).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(computations).toHaveLength(2);
    expect(maxRunning).toBe(1);
  });

  it('stop() cancels pending work and unsubscribes', async () => {
    const c = start();
    dirty();
    await vi.advanceTimersByTimeAsync(0);
    dirty();
    c.stop();
    await vi.advanceTimersByTimeAsync(5000);
    dirty();
    await vi.advanceTimersByTimeAsync(5000);
    expect(computations).toEqual(['c1']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
