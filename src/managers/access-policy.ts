/**
 * The one place that decides who may see or act on a session. Every session-scoped endpoint and
 * every event fan-out asks here. Another company's session and a session a manager may not read
 * look exactly like a missing one (404); a reader without `write` gets 403 on writes.
 */
import type { AccessClaims } from '../auth/tokens.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { AccessRepository } from './access.repository.js';
import type { Permission } from './permission.js';

export type SessionNeed = 'read' | 'write' | 'admin';

export function createAccessPolicy(deps: { sessions: SessionsRepository; access: AccessRepository }) {
  return {
    async session(caller: AccessClaims, sessionId: string, need: SessionNeed): Promise<SessionRow> {
      const session = await deps.sessions.find(caller.companyId, sessionId);
      if (!session) throw new NotFoundError('Session');
      if (caller.role === 'admin') return session;
      const grant = await deps.access.find(caller.companyId, sessionId, caller.userId);
      if (!grant?.canRead) throw new NotFoundError('Session');
      if (need === 'admin') throw new ForbiddenError('Only company admins can do this');
      if (need === 'write' && !grant.canWrite) throw new ForbiddenError('You have read-only access to this session');
      return session;
    },
    /** What the caller may do on a session it can see: admins everything, managers their grant. */
    async permissionsOn(caller: AccessClaims): Promise<(sessionId: string) => Permission[]> {
      if (caller.role === 'admin') return () => ['read', 'write'];
      const grants = await deps.access.grantsOf(caller.companyId, caller.userId);
      return (sessionId) => {
        const g = grants.get(sessionId);
        return g?.canRead ? (g.canWrite ? ['read', 'write'] : ['read']) : [];
      };
    },
    /** Session ids the caller may read; null means all of the company's (admins). */
    async readableSessionIds(caller: AccessClaims): Promise<string[] | null> {
      if (caller.role === 'admin') return null;
      return deps.access.readableSessionIds(caller.companyId, caller.userId);
    },
  };
}

export type AccessPolicy = ReturnType<typeof createAccessPolicy>;
