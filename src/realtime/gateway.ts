/**
 * Socket.IO gateway: handshake authentication, rooms, and the fan-out of domain events.
 * Rooms: `admins:<companyId>` (every event of the company), `session:<sessionId>` (managers who
 * may read that session), `user:<userId>` (events addressed to one user). One emit to a set of
 * rooms reaches each socket once.
 */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { AccessClaims, TokenService } from '../auth/tokens.js';
import type { AnyDomainEvent } from '../events/domain-events.js';
import type { EventBus } from '../events/event-bus.js';
import { authErrors } from '../auth/auth.errors.js';
import { AppError } from '../shared/errors.js';
import { toClientEvents, type ClientEvent } from './client-events.js';
import { handshakeError } from './handshake-errors.js';
import { createRecoveryAdapter } from './recovery-adapter.js';
import type { ClientToServerEvents, ServerToClientEvents } from './socket-events.js';

export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, AccessClaims>;
export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, AccessClaims>;

const rooms = {
  company: (companyId: string) => `company:${companyId}`,
  admins: (companyId: string) => `admins:${companyId}`,
  session: (sessionId: string) => `session:${sessionId}`,
  user: (userId: string) => `user:${userId}`,
};

export interface GatewayDeps {
  logger: Logger;
  tokens: TokenService;
  bus: EventBus;
  isActiveUser: (claims: AccessClaims) => Promise<boolean>;
  /** Session ids a manager may read (the single access policy decides). */
  readableSessionIds: (claims: AccessClaims) => Promise<string[]>;
  corsOrigins: readonly string[];
}

export interface Gateway {
  readonly io: GatewayServer;
  /** The users of a company with a live socket (on every node, with a cluster adapter). */
  connectedUsers(companyId: string): Promise<AccessClaims[]>;
  close(): Promise<void>;
}

function handshakeToken(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token) return auth.token.replace(/^Bearer\s+/i, '');
  const header = socket.handshake.headers.authorization;
  return header?.replace(/^Bearer\s+/i, '') || undefined;
}

export function createGateway(server: HttpServer, deps: GatewayDeps): Gateway {
  const { logger, tokens, bus } = deps;
  const RECOVERY_MS = 2 * 60 * 1000;
  const recovery = createRecoveryAdapter(RECOVERY_MS);
  const io: GatewayServer = new Server(server, {
    path: '/socket.io/',
    serveClient: false,
    cors: deps.corsOrigins.length ? { origin: [...deps.corsOrigins], credentials: true } : undefined,
    // A client that drops for a short while gets the events it missed on reconnect, once
    // authenticated again, and only those it may still receive (recovery-adapter.ts).
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_MS, skipMiddlewares: false },
    adapter: recovery.adapter,
  });

  io.use((socket, next) => {
    const token = handshakeToken(socket);
    if (!token) {
      next(handshakeError('missing_token'));
      return;
    }
    let claims: AccessClaims;
    try {
      claims = tokens.verifyAccess(token);
    } catch (err) {
      const expired = err instanceof AppError && err.code === authErrors.token_expired.code;
      next(handshakeError(expired ? 'token_expired' : 'invalid_token'));
      return;
    }
    deps
      .isActiveUser(claims)
      .then((active) => {
        if (!active) return next(handshakeError('user_not_found'));
        socket.data = claims;
        next();
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'socket handshake failed');
        next(handshakeError('internal_error'));
      });
  });

  const syncRooms = async (socket: GatewaySocket): Promise<void> => {
    const claims = socket.data;
    await socket.join([rooms.user(claims.userId), rooms.company(claims.companyId)]);
    if (claims.role === 'admin') {
      await socket.join(rooms.admins(claims.companyId));
      return;
    }
    const allowed = new Set((await deps.readableSessionIds(claims)).map(rooms.session));
    for (const room of socket.rooms) if (room.startsWith('session:') && !allowed.has(room)) await socket.leave(room);
    await socket.join([...allowed]);
  };

  io.on('connection', (socket) => {
    // A socket lives no longer than its token: the client refreshes and reconnects.
    const expiresAt = socket.data.expiresAt;
    if (expiresAt !== undefined) {
      const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - Date.now()));
      timer.unref();
      socket.once('disconnect', () => clearTimeout(timer));
    }
    const ready = syncRooms(socket)
      .then(() => {
        const replay = socket.emit.bind(socket) as unknown as (...data: unknown[]) => boolean;
        for (const data of recovery.stash.take(socket.id, socket.rooms)) replay(...data);
      })
      .catch((err: unknown) => {
        logger.error({ err, userId: socket.data.userId }, 'could not join rooms; disconnecting socket');
        socket.disconnect(true);
      });
    // Answered once the socket is in its rooms and has its replay: "up to date" includes both.
    socket.on('whatsapp:sync', (ack) => {
      if (typeof ack === 'function') void ready.then(() => ack({ at: new Date().toISOString() }));
    });
  });

  const emit = ({ name, payload, audience }: ClientEvent): void => {
    const targets = audience.excludeAdmins ? [] : [rooms.admins(audience.companyId)];
    if (audience.sessionId) targets.push(rooms.session(audience.sessionId));
    for (const id of audience.userIds ?? []) targets.push(rooms.user(id));
    if (targets.length > 0) (io.to(targets).emit as (n: string, p: unknown) => boolean)(name, payload);
  };

  /** Room changes that access events imply, around the client events themselves. */
  const fanOut = (event: AnyDomainEvent): void => {
    switch (event.name) {
      case 'access.revoked':
        // Leave the room first so the revocation is the last session-scoped thing the manager sees.
        io.in(rooms.user(event.payload.managerId)).socketsLeave(rooms.session(event.payload.sessionId));
        break;
      case 'session.removed':
        io.in(rooms.session(event.payload.sessionId)).socketsLeave(rooms.session(event.payload.sessionId));
        break;
      case 'user.access_ended':
        io.in(rooms.user(event.payload.userId)).disconnectSockets(true);
        break;
      default:
        break;
    }
    for (const client of toClientEvents(event)) emit(client);
    if (event.name === 'access.granted') {
      const target = io.in(rooms.user(event.payload.managerId));
      const room = rooms.session(event.payload.sessionId);
      if (event.payload.permissions.includes('read')) target.socketsJoin(room);
      else target.socketsLeave(room);
    }
  };
  const unsubscribe = bus.subscribe(fanOut);

  return {
    io,
    async connectedUsers(companyId) {
      const sockets = await io.in(rooms.company(companyId)).fetchSockets();
      const byUser = new Map(sockets.map((s) => [s.data.userId, s.data]));
      return [...byUser.values()];
    },
    async close() {
      unsubscribe();
      io.disconnectSockets(true);
      // io.close() would also close the HTTP server, which the caller owns; close only the engine.
      await new Promise<void>((resolve) => {
        io.engine.close();
        resolve();
      });
    },
  };
}
