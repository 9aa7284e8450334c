/**
 * Whether the user may reply on a number. Admins always may. For a manager the server does not
 * list its own permissions (GET …/managers is admin-only), so read-only access is learnt from a
 * 403 (typing, mark read, send) and from `whatsapp:manager-access-granted`, which carries the
 * new permissions when an admin changes them.
 */
import { useCallback, useState } from 'react';
import type { User } from '../api/types';
import { useSocketEvent } from '../realtime/socket';

export function useWriteAccess(user: User): { readOnly: (sessionId: string) => boolean; forbidden: (sessionId: string) => void } {
  const [readOnlyIds, setReadOnlyIds] = useState<ReadonlySet<string>>(new Set());
  const set = useCallback((sessionId: string, readOnly: boolean) => {
    setReadOnlyIds((cur) => {
      if (cur.has(sessionId) === readOnly) return cur;
      const next = new Set(cur);
      if (readOnly) next.add(sessionId);
      else next.delete(sessionId);
      return next;
    });
  }, []);
  useSocketEvent('whatsapp:manager-access-granted', (e) => {
    if (e.managerId === user.id) set(e.sessionId, !e.permissions.includes('write'));
  });
  const readOnly = useCallback((sessionId: string) => user.role !== 'admin' && readOnlyIds.has(sessionId), [readOnlyIds, user.role]);
  const forbidden = useCallback((sessionId: string) => set(sessionId, true), [set]);
  return { readOnly, forbidden };
}
