/** socket.io-client helpers: connect as the seed does, and record events for assertions. */
import { io, type Socket } from 'socket.io-client';
import type { SocketEventName, SocketEventPayload } from '../../src/realtime/socket-events.js';
import { SOCKET_EVENT_NAMES } from '../../src/realtime/socket-events.js';

export interface RecordedEvent {
  name: SocketEventName;
  payload: unknown;
  at: number;
}

export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  private waiters: { test: (e: RecordedEvent) => boolean; resolve: (e: RecordedEvent) => void }[] = [];

  constructor(readonly socket: Socket) {
    for (const name of SOCKET_EVENT_NAMES) {
      socket.on(name, (payload: unknown) => {
        const e = { name, payload, at: Date.now() };
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(e)) return true;
          w.resolve(e);
          return false;
        });
      });
    }
  }

  /**
   * Resolves once everything the server emitted to this socket before now has arrived (the
   * `whatsapp:sync` round trip on the same connection): the barrier that proves "nothing came".
   */
  async synced(): Promise<void> {
    await this.socket.timeout(10_000).emitWithAck('whatsapp:sync');
  }

  /** Resolves with the first event (already recorded or future) that matches. */
  wait<E extends SocketEventName>(
    name: E,
    predicate: (p: SocketEventPayload<E>) => boolean = () => true,
    timeoutMs = 15_000,
    { since = 0 }: { since?: number } = {},
  ): Promise<SocketEventPayload<E>> {
    const test = (e: RecordedEvent) => e.name === name && e.at >= since && predicate(e.payload as SocketEventPayload<E>);
    const found = this.events.find(test);
    if (found) return Promise.resolve(found.payload as SocketEventPayload<E>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${name}; got: ${this.events.map((x) => `${x.name} ${JSON.stringify(x.payload).slice(0, 160)}`).join('\n  ')}`));
      }, timeoutMs);
      const done = (e: RecordedEvent): void => {
        clearTimeout(timer);
        resolve(e.payload as SocketEventPayload<E>);
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  of<E extends SocketEventName>(name: E): SocketEventPayload<E>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as SocketEventPayload<E>);
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** Connects exactly as the seed's client does and waits for the connection. */
export async function connectSocket(baseUrl: string, token: string): Promise<{ socket: Socket; events: EventRecorder }> {
  const socket = io(baseUrl, { transports: ['websocket', 'polling'], path: '/socket.io/', auth: { token }, reconnection: false, forceNew: true });
  const events = new EventRecorder(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket connect timed out')), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { socket, events };
}

/** Polls until `check` returns a value (not undefined/false), or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
