import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/client';
import type { CompanyStats, StatsUpdatedEvent, User } from '../api/types';
import { useReconnect, useSocketEvent } from '../realtime/socket';
import { statsApi } from './api';

function Tile({ label, value, hint }: { label: string; value: number | undefined; hint?: string }) {
  return (
    <div className="tile">
      <dt>{label}</dt>
      <dd>{value ?? '—'}</dd>
      {hint && <small className="muted">{hint}</small>}
    </div>
  );
}

export function StatsPage({ user }: { user: User }) {
  const [stats, setStats] = useState<CompanyStats | null>(null);
  const [live, setLive] = useState<StatsUpdatedEvent['stats'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      setStats(await statsApi.get());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);

  useEffect(() => {
    void load();
    return () => clearTimeout(timer.current);
  }, [load]);
  useReconnect(() => void load());
  useSocketEvent('whatsapp:stats-updated', (e) => {
    if (e.companyId !== user.companyId) return;
    setLive(e.stats);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 500);
  });

  return (
    <main className="page" aria-labelledby="stats-title">
      <div className="page-head">
        <div>
          <h1 id="stats-title">Statistics</h1>
          <p className="muted">{user.role === 'admin' ? 'The whole company, updated live.' : 'The numbers you have access to, updated live.'}</p>
        </div>
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          Could not load statistics: {error}
        </p>
      )}
      {live && (
        <section className="card" aria-labelledby="live-title">
          <h2 id="live-title">Right now</h2>
          <dl className="tiles">
            <Tile label="Unread chats" value={live.unreadChats} />
            <Tile label="Messages today" value={live.todayMessages} />
            <Tile label="Connected numbers" value={live.connectedSessions} />
            <Tile label="Chats" value={live.totalChats} />
          </dl>
        </section>
      )}
      <div className="stats-grid">
        <section className="card" aria-labelledby="st-sessions">
          <h2 id="st-sessions">Numbers</h2>
          <dl className="tiles">
            <Tile label="Total" value={stats?.sessions.total} />
            <Tile label="Active" value={stats?.sessions.active} />
            <Tile label="Connected" value={stats?.sessions.connected} />
          </dl>
        </section>
        <section className="card" aria-labelledby="st-messages">
          <h2 id="st-messages">Messages</h2>
          <dl className="tiles">
            <Tile label="Total" value={stats?.messages.total} />
            <Tile label="Today" value={stats?.messages.today} />
            <Tile label="Sent" value={stats?.messages.sent} />
            <Tile label="Received" value={stats?.messages.received} />
          </dl>
        </section>
        <section className="card" aria-labelledby="st-chats">
          <h2 id="st-chats">Chats</h2>
          <dl className="tiles">
            <Tile label="Total" value={stats?.chats.total} />
            <Tile label="Individual" value={stats?.chats.individual} />
            <Tile label="Groups" value={stats?.chats.groups} />
          </dl>
        </section>
        <section className="card" aria-labelledby="st-managers">
          <h2 id="st-managers">Managers</h2>
          <dl className="tiles">
            <Tile label="Total" value={stats?.managers.total} />
            <Tile label="With access" value={stats?.managers.withAccess} />
          </dl>
        </section>
      </div>
    </main>
  );
}
