/** A small hash router: `#/inbox/<sessionId>/<chatId>`, `#/numbers`, `#/team`, `#/stats`. */
import { useEffect, useState } from 'react';

export type Page = 'inbox' | 'numbers' | 'team' | 'stats';
export interface Route {
  page: Page;
  sessionId?: string;
  chatId?: string;
}

const PAGES: readonly Page[] = ['inbox', 'numbers', 'team', 'stats'];

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const page = PAGES.find((p) => p === parts[0]) ?? 'inbox';
  return { page, sessionId: parts[1], chatId: parts[2] };
}

export function href(route: Route): string {
  const parts: string[] = [route.page];
  if (route.sessionId) parts.push(route.sessionId);
  if (route.sessionId && route.chatId) parts.push(route.chatId);
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function navigate(route: Route, replace = false): void {
  const target = href(route);
  if (location.hash === target) return;
  if (replace) history.replaceState(null, '', target);
  else location.hash = target;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
