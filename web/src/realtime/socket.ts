/**
 * One Socket.IO connection per login, typed with the server's event map. The token goes in
 * `auth`; when it is refreshed the socket reconnects with the new one. A refused handshake
 * (expired token) or a socket the server ended (token expired, logins ended) triggers one refresh.
 */
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { api } from '../api/client';
import type { HandshakeErrorData, ServerToClientEvents, SocketEventName, SocketEventPayload } from '../api/types';

export type AppSocket = Socket<ServerToClientEvents, Record<string, never>>;
export type ConnectionState = 'connecting' | 'online' | 'offline';

let socket: AppSocket | null = null;
let state: ConnectionState = 'offline';
const stateListeners = new Set<(s: ConnectionState) => void>();
let unsubToken: (() => void) | null = null;
/** The token of the last handshake, to tell a stale token (just reconnect) from an expired one (refresh). */
let handshakeToken = '';

/** Refusals a newer token may cure: every one but the server's own failure. */
const needsToken = (err: Error): boolean => {
  const { data } = err as Error & { data?: Partial<HandshakeErrorData> };
  return data?.code !== undefined && data.code !== 'internal_error';
};

function setState(s: ConnectionState): void {
  state = s;
  for (const fn of stateListeners) fn(s);
}

export function connectSocket(): AppSocket {
  if (socket) return socket;
  const s: AppSocket = io({
    transports: ['websocket', 'polling'],
    path: '/socket.io/',
    auth: (cb) => {
      handshakeToken = api.accessToken ?? '';
      cb({ token: handshakeToken });
    },
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
  });
  setState('connecting');
  s.on('connect', () => setState('online'));
  s.on('disconnect', (reason) => {
    setState(s.active ? 'connecting' : 'offline');
    // The server ends a socket when its token expires or the user's logins were ended: a refreshed
    // token brings it back (the token listener reconnects); a refused refresh signs the user out.
    if (reason === 'io server disconnect') void api.refresh();
  });
  s.on('connect_error', (err) => {
    setState('connecting');
    if (needsToken(err)) {
      // The handshake was refused (the server does not retry those): with a newer token already
      // at hand just reconnect, otherwise refresh once first.
      if (api.accessToken && api.accessToken !== handshakeToken) s.connect();
      else
        void api.refresh().then((ok) => {
          // On success the token listener below reconnects; on a server hiccup try again later.
          if (!ok && api.accessToken && socket === s) setTimeout(() => socket === s && !s.active && s.connect(), 5000);
        });
    }
  });
  unsubToken = api.onToken(() => {
    // Reconnect with the new token (auth is read again at each handshake).
    if (socket === s) {
      s.disconnect();
      s.connect();
    }
  });
  socket = s;
  return s;
}

export function disconnectSocket(): void {
  unsubToken?.();
  unsubToken = null;
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = null;
  setState('offline');
}

/** Subscribes to one server event for the lifetime of the component; the handler may change freely. */
export function useSocketEvent<E extends SocketEventName>(event: E, handler: (payload: SocketEventPayload<E>) => void): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    const s = connectSocket();
    const fn = (payload: SocketEventPayload<E>): void => ref.current(payload);
    // Socket.IO's typed `on` cannot relate a generic event name to its listener type.
    const on = s.on.bind(s) as (e: string, l: (p: SocketEventPayload<E>) => void) => void;
    const off = s.off.bind(s) as (e: string, l: (p: SocketEventPayload<E>) => void) => void;
    on(event, fn);
    return () => off(event, fn);
  }, [event]);
}

/** Runs `fn` after every reconnection (not the first connection), to refetch what may be stale. */
export function useReconnect(fn: () => void): void {
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(() => {
    const s = connectSocket();
    let first = !s.connected;
    const onConnect = (): void => {
      if (first) {
        first = false;
        return;
      }
      if (!s.recovered) ref.current();
    };
    s.on('connect', onConnect);
    return () => {
      s.off('connect', onConnect);
    };
  }, []);
}

export function useConnectionState(): ConnectionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    stateListeners.add(setS);
    setS(state);
    return () => {
      stateListeners.delete(setS);
    };
  }, []);
  return s;
}
