import { useEffect, useState } from 'react';
import { api } from './api/client';
import type { User } from './api/types';
import { AuthScreen } from './auth/AuthScreen';
import { useAuth } from './auth/useAuth';
import { InboxPage } from './chats/InboxPage';
import { InboxIcon, PhoneIcon, StatsIcon, TeamIcon } from './components/Icons';
import { href, navigate, useRoute, type Page } from './components/router';
import { ToastProvider } from './components/Toasts';
import { TeamPage } from './managers/TeamPage';
import { disconnectSocket, useConnectionState } from './realtime/socket';
import { NumbersPage } from './sessions/NumbersPage';
import { SessionsProvider } from './sessions/SessionsContext';
import { StatsPage } from './stats/StatsPage';

export function App() {
  const { user, endedBecause, setUser } = useAuth();
  useEffect(() => {
    if (!user) disconnectSocket();
  }, [user]);
  return (
    <ToastProvider>
      {user ? (
        <Shell key={user.id} user={user} />
      ) : (
        <AuthScreen notice={endedBecause === 'expired' ? 'Your session has expired. Please log in again.' : null} onLoggedIn={(u) => setUser(u)} />
      )}
    </ToastProvider>
  );
}

const NAV: { page: Page; label: string; icon: () => React.JSX.Element; adminOnly: boolean }[] = [
  { page: 'inbox', label: 'Inbox', icon: InboxIcon, adminOnly: false },
  { page: 'numbers', label: 'Numbers', icon: PhoneIcon, adminOnly: true },
  { page: 'team', label: 'Team', icon: TeamIcon, adminOnly: true },
  { page: 'stats', label: 'Stats', icon: StatsIcon, adminOnly: false },
];

function Shell({ user }: { user: User }) {
  const route = useRoute();
  const isAdmin = user.role === 'admin';
  const connection = useConnectionState();
  const [loggingOut, setLoggingOut] = useState(false);
  const allowed = NAV.filter((n) => isAdmin || !n.adminOnly);
  const page = allowed.some((n) => n.page === route.page) ? route.page : 'inbox';

  useEffect(() => {
    if (page !== route.page) navigate({ page }, true);
  }, [page, route.page]);

  return (
    <SessionsProvider>
      <div className={`shell page-${page}`}>
        <header className="topbar">
          <a className="brand" href="#/inbox" aria-label="Team Inbox home">
            <span className="brand-mark" aria-hidden="true">
              WA
            </span>
            <span className="brand-name">Team Inbox</span>
          </a>
          <nav aria-label="Main" className="mainnav">
            {allowed.map((n) => (
              <a key={n.page} href={href({ page: n.page })} className={page === n.page ? 'navlink active' : 'navlink'} aria-current={page === n.page ? 'page' : undefined}>
                <n.icon />
                <span>{n.label}</span>
              </a>
            ))}
          </nav>
          <div className="topbar-right">
            <span className={`conn conn-${connection}`} role="status" aria-label={`Live updates: ${connection}`} title={`Live updates: ${connection}`}>
              <span className="dot" aria-hidden="true" />
              <span className="conn-text">{connection === 'online' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Offline'}</span>
            </span>
            <span className="whoami" title={user.email}>
              {user.firstName} {user.lastName}
              <small>{isAdmin ? 'Admin' : 'Manager'}</small>
            </span>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              disabled={loggingOut}
              onClick={() => {
                setLoggingOut(true);
                void api.logout();
              }}
            >
              Log out
            </button>
          </div>
        </header>
        <div className="content">
          {page === 'inbox' && <InboxPage user={user} route={route} />}
          {page === 'numbers' && <NumbersPage />}
          {page === 'team' && <TeamPage />}
          {page === 'stats' && <StatsPage user={user} />}
        </div>
      </div>
    </SessionsProvider>
  );
}
