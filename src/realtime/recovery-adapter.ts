/**
 * Socket.IO connection-state recovery without its hole. Stock recovery restores a reconnecting
 * socket's rooms, data and missed events in the socket's constructor, before any middleware has
 * checked the token: anyone holding a previous session id and offset got another identity's
 * stream. Here the restore hands over nothing at that point; the missed events are kept aside and
 * replayed only after authentication, and only those that the authenticated identity's rooms
 * would receive now.
 */
import { SessionAwareAdapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session } from 'socket.io-adapter';

interface Addressed {
  rooms: Room[];
  except: Room[];
  at: number;
}

export interface RecoveryStash {
  /** The events a recovered socket missed that its current rooms receive, in order; then forgotten. */
  take(socketId: string, rooms: ReadonlySet<Room>): unknown[][];
}

/** Socket.IO's `adapter` option (a class), and the stash the gateway replays from. */
export function createRecoveryAdapter(maxDisconnectionMs: number): { adapter: typeof SessionAwareAdapter; stash: RecoveryStash } {
  const withheld = new Map<string, { packets: unknown[][]; at: number }>();
  /** Where each stored packet went, by the offset Socket.IO appended to it. */
  const addressed = new Map<string, Addressed>();

  const sweep = (now: number): void => {
    for (const [k, v] of withheld) if (now - v.at > maxDisconnectionMs) withheld.delete(k);
    for (const [k, v] of addressed) {
      if (now - v.at <= maxDisconnectionMs) break;
      addressed.delete(k);
    }
  };

  class AuthenticatedRecoveryAdapter extends SessionAwareAdapter {
    override broadcast(packet: { type: number; data: unknown[]; id?: number }, opts: BroadcastOptions): void {
      super.broadcast(packet, opts);
      // The parent appended the packet's offset when it stored it for recovery.
      const offset = packet.data.at(-1);
      if (typeof offset === 'string') addressed.set(offset, { rooms: [...opts.rooms], except: [...(opts.except ?? [])], at: Date.now() });
    }

    override async restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
      const session = await super.restoreSession(pid, offset);
      if (!session) return session;
      sweep(Date.now());
      withheld.set(session.sid, { packets: session.missedPackets, at: Date.now() });
      // The socket starts with no rooms and no identity: the middleware decides who it is.
      return { ...session, rooms: [], data: undefined, missedPackets: [] };
    }
  }

  const stash: RecoveryStash = {
    take(socketId, rooms) {
      const entry = withheld.get(socketId);
      withheld.delete(socketId);
      if (!entry) return [];
      return entry.packets.filter((data) => {
        const where = addressed.get(String(data.at(-1)));
        if (!where) return false;
        const included = where.rooms.length === 0 || where.rooms.some((r) => rooms.has(r));
        return included && !where.except.some((r) => rooms.has(r));
      });
    },
  };
  return { adapter: AuthenticatedRecoveryAdapter, stash };
}
