/**
 * The one place that decides who may see or act on a session. Every session-scoped endpoint and
 * every event fan-out asks here. Another company's session and a session a manager may not read
 * look exactly like a missing one (404); a reader without `write` gets 403 on writes.
 */
import type { AccessClaims } from '../auth/tokens.js';
import type { EventBus } from '../events/event-bus.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { AccessRepository } from './access.repository.js';
import type { Permission } from './permission.js';

export type SessionNeed = 'read' | 'write' | 'admin';

/** What a message or chat operation needs of its session: whose it is, and the number it speaks as. */
export type SessionScope = Pick<SessionRow, 'id' | 'companyId' | 'phoneJid' | 'phoneNumber'>;

const MAX_SCOPES = 10_000;

export function createAccessPolicy(deps: { sessions: SessionsRepository; access: AccessRepository; bus: EventBus }) {
  /**
   * Scopes by session id. A session never changes company; its number changes only when it
   * connects, and it goes only when removed: those events drop the entry, so a hit is current.
   * A read that overlapped such an event is used but not kept (the generation moved on).
   */
  const scopes = new Map<string, SessionScope>();
  let generation = 0;
  deps.bus.subscribe((event) => {
    if (event.name === 'session.removed' || event.name === 'session.connected' || event.name === 'session.disconnected') {
      generation += 1;
      scopes.delete(event.payload.sessionId);
    }
  });
  const ownScope = async (companyId: string, sessionId: string): Promise<SessionScope | undefined> => {
    const hit = scopes.get(sessionId);
    // Another company's session is read like a missing one, so neither answers faster.
    if (hit?.companyId === companyId) return hit;
    const readAt = generation;
    const row = await deps.sessions.find(companyId, sessionId);
    if (!row) return undefined;
    const scope = { id: row.id, companyId: row.companyId, phoneJid: row.phoneJid, phoneNumber: row.phoneNumber };
    if (readAt === generation) {
      if (scopes.size >= MAX_SCOPES) scopes.delete(scopes.keys().next().value!);
      scopes.set(sessionId, scope);
    }
    return scope;
  };
  const authorize = async (caller: AccessClaims, sessionId: string, need: SessionNeed): Promise<void> => {
    if (caller.role === 'admin') return;
    const grant = await deps.access.find(caller.companyId, sessionId, caller.userId);
    if (!grant?.canRead) throw new NotFoundError('Session');
    if (need === 'admin') throw new ForbiddenError('Only company admins can do this');
    if (need === 'write' && !grant.canWrite) throw new ForbiddenError('You have read-only access to this session');
  };

  return {
    /** The whole session row, read now: for what shows the session itself (status, counters). */
    async session(caller: AccessClaims, sessionId: string, need: SessionNeed): Promise<SessionRow> {
      const session = await deps.sessions.find(caller.companyId, sessionId);
      if (!session) throw new NotFoundError('Session');
      await authorize(caller, sessionId, need);
      return session;
    },
    /** The session's scope without a database read when this process knows it (every message sent or received). */
    async scope(caller: AccessClaims, sessionId: string, need: SessionNeed): Promise<SessionScope> {
      const scope = await ownScope(caller.companyId, sessionId);
      if (!scope) throw new NotFoundError('Session');
      await authorize(caller, sessionId, need);
      return scope;
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
