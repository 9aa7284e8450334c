import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createEngineDispatcher, type EngineEventConsumers } from './engine-dispatcher.js';
import type { EngineEvent } from './engine.js';

const s1 = { id: 's1', companyId: 'c1' };
const s2 = { id: 's2', companyId: 'c1' };

/** Consumers that record what they got; state handling of a session can be held open. */
function consumers() {
  const got: string[] = [];
  const held = new Map<string, () => void>();
  const c: EngineEventConsumers = {
    async state(session, event) {
      if (event.type === 'connecting') await new Promise<void>((resolve) => held.set(session.id, resolve));
      got.push(`state:${session.id}:${event.type}`);
    },
    conversation: {
      handle: async (session, event) => void got.push(`conversation:${session.id}:${event.type}`),
      drainSession: async () => undefined,
      drain: async () => undefined,
    },
    async health(session, event) {
      got.push(`health:${session.id}:${event.kind}`);
    },
  };
  return { c, got, release: (id: string) => held.get(id)?.() };
}

const typing: EngineEvent = { type: 'typing', chatJid: 'x@c.us', participantJid: 'x@c.us', isTyping: true, timestamp: new Date(0) };
const badMac: EngineEvent = { type: 'decrypt-error', kind: 'bad_mac', senderJid: 'x@c.us', detail: 'Bad MAC' };

describe('engine dispatcher', () => {
  it('routes state, conversation and health events to their consumers', async () => {
    const { c, got } = consumers();
    const d = createEngineDispatcher(c, pino({ level: 'silent' }));
    await Promise.all([d.dispatch(s1, { type: 'qr', qr: 'q' }), d.dispatch(s1, typing), d.dispatch(s1, badMac)]);
    expect(got.sort()).toEqual(['conversation:s1:typing', 'health:s1:bad_mac', 'state:s1:qr']);
  });

  it('keeps one session\'s state events in order, and a drain of one session does not wait for another', async () => {
    const { c, got, release } = consumers();
    const d = createEngineDispatcher(c, pino({ level: 'silent' }));
    const first = d.dispatch(s1, { type: 'connecting' });
    const second = d.dispatch(s1, { type: 'connected', phoneNumber: '+1', jid: '1@c.us' });
    void d.dispatch(s2, { type: 'connecting' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual([]);
    let s1Drained = false;
    const draining = d.drainSession('s1').then(() => (s1Drained = true));
    release('s1');
    await Promise.all([first, second, draining]);
    expect(s1Drained).toBe(true);
    // s2 is still held: its drain is separate.
    expect(got).toEqual(['state:s1:connecting', 'state:s1:connected']);
    release('s2');
    await d.drainSession('s2');
    expect(got).toEqual(['state:s1:connecting', 'state:s1:connected', 'state:s2:connecting']);
  });

  it('hands a consumer\'s failure back to the engine that dispatched the event', async () => {
    const { c } = consumers();
    c.health = async () => {
      throw new Error('database down');
    };
    const d = createEngineDispatcher(c, pino({ level: 'silent' }));
    await expect(d.dispatch(s1, badMac)).rejects.toThrow('database down');
    // The route is not blocked by the failure.
    c.health = async () => undefined;
    await expect(d.dispatch(s1, badMac)).resolves.toBeUndefined();
  });
});
