/**
 * The sessions (WhatsApp numbers) the user can see, kept live by the socket events, with the
 * latest QR of each. Shared by the inbox and the admin pages.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, errorText } from '../api/client';
import type { Session } from '../api/types';
import { useToast } from '../components/Toasts';
import { useReconnect, useSocketEvent } from '../realtime/socket';
import { sessionsApi } from './api';

interface SessionsState {
  sessions: Session[];
  loaded: boolean;
  error: string | null;
  qr: Record<string, string>;
  reload: () => void;
  patch: (id: string, p: Partial<Session>) => void;
  setQr: (id: string, qr: string | null) => void;
}

const Ctx = createContext<SessionsState | null>(null);

export function SessionsProvider({ children }: { children: ReactNode }) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [qr, setQrs] = useState<Record<string, string>>({});
  const toast = useToast();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inflight = useRef(0);

  const load = useCallback(async () => {
    const n = ++inflight.current;
    try {
      const list = await sessionsApi.list();
      if (n !== inflight.current) return;
      setSessions(list);
      setError(null);
    } catch (err) {
      if (n === inflight.current) setError(errorText(err));
    } finally {
      if (n === inflight.current) setLoaded(true);
    }
  }, []);

  /** Coalesces bursts of events into one refetch. */
  const reload = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 250);
  }, [load]);

  useEffect(() => {
    void load();
    return () => clearTimeout(timer.current);
  }, [load]);

  const patch = useCallback((id: string, p: Partial<Session>) => {
    setSessions((list) => list.map((s) => (s.id === id ? { ...s, ...p } : s)));
  }, []);
  const setQr = useCallback((id: string, code: string | null) => {
    setQrs((m) => {
      const next = { ...m };
      if (code) next[id] = code;
      else delete next[id];
      return next;
    });
  }, []);

  useReconnect(reload);
  useSocketEvent('whatsapp:qr-updated', (e) => {
    setQr(e.sessionId, e.qrCode);
    patch(e.sessionId, { status: 'qr', isConnected: false });
    // A QR can come before the list that holds its new session: that list may predate it.
    if (!sessions.some((s) => s.id === e.sessionId)) reload();
  });
  useSocketEvent('whatsapp:session-connected', (e) => {
    setQr(e.sessionId, null);
    patch(e.sessionId, { status: 'connected', isConnected: true, phoneNumber: e.phoneNumber, displayName: e.displayName });
    reload();
  });
  useSocketEvent('whatsapp:session-disconnected', (e) => {
    // Whatever QR was showing is dead now; a restart brings a new one (a stale one would not scan).
    setQr(e.sessionId, null);
    patch(e.sessionId, { isConnected: false });
    reload();
  });
  useSocketEvent('whatsapp:session-error', (e) => {
    const s = sessions.find((x) => x.id === e.sessionId);
    toast(`${s?.displayName ?? 'A number'}: ${e.message}`, 'error');
    reload();
  });
  useSocketEvent('whatsapp:manager-access-granted', (e) => {
    if (e.managerId === api.user?.id) toast('You were given access to a WhatsApp number', 'success');
    reload();
  });
  useSocketEvent('whatsapp:manager-access-revoked', (e) => {
    if (e.managerId === api.user?.id) {
      const s = sessions.find((x) => x.id === e.sessionId);
      setSessions((list) => list.filter((x) => x.id !== e.sessionId));
      toast(`Your access to ${s?.displayName ?? 'a WhatsApp number'} was removed`, 'info');
    }
    reload();
  });

  const value = useMemo(() => ({ sessions, loaded, error, qr, reload, patch, setQr }), [sessions, loaded, error, qr, reload, patch, setQr]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSessions(): SessionsState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSessions outside SessionsProvider');
  return v;
}
