/**
 * Whether the user may reply on a number. The session list says so (`permissions`); a grant
 * change (`whatsapp:manager-access-granted`) or a 403 (typing, mark read, send) updates it live,
 * before the list is fetched again.
 */
import { useCallback, useState } from 'react';
import type { Session, User } from '../api/types';
import { useSocketEvent } from '../realtime/socket';

export function useWriteAccess(
  user: User,
  sessions: readonly Session[],
): { readOnly: (sessionId: string) => boolean; forbidden: (sessionId: string) => void } {
  /** What was learnt since the list was loaded: true = read-only, false = may write. */
  const [learnt, setLearnt] = useState<ReadonlyMap<string, boolean>>(new Map());
  const set = useCallback((sessionId: string, readOnly: boolean) => {
    setLearnt((cur) => (cur.get(sessionId) === readOnly ? cur : new Map(cur).set(sessionId, readOnly)));
  }, []);
  useSocketEvent('whatsapp:manager-access-granted', (e) => {
    if (e.managerId === user.id) set(e.sessionId, !e.permissions.includes('write'));
  });
  const readOnly = useCallback(
    (sessionId: string) => {
      if (user.role === 'admin') return false;
      const known = learnt.get(sessionId);
      if (known !== undefined) return known;
      const listed = sessions.find((s) => s.id === sessionId);
      return listed ? !listed.permissions.includes('write') : false;
    },
    [learnt, sessions, user.role],
  );
  const forbidden = useCallback((sessionId: string) => set(sessionId, true), [set]);
  return { readOnly, forbidden };
}
