import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { User } from '../api/types';

/** The logged-in user (null when logged out) and why the last login ended, if it did. */
export function useAuth(): { user: User | null; endedBecause: 'logout' | 'expired' | null; setUser: (u: User | null) => void } {
  const [user, setUser] = useState<User | null>(api.user);
  const [endedBecause, setEnded] = useState<'logout' | 'expired' | null>(null);
  useEffect(
    () =>
      api.onAuthLost((reason) => {
        setEnded(reason);
        setUser(null);
      }),
    [],
  );
  useEffect(
    () =>
      api.onToken(() => {
        setUser(api.user);
        setEnded(null);
      }),
    [],
  );
  return { user, endedBecause, setUser };
}
