/**
 * Composition root: builds the database, repositories, services, engines, HTTP and realtime
 * layers, and wires the event subscribers. It never listens; main.ts and the tests do.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createActiveUserCheck } from './auth/active-users.js';
import { createAuthRepository } from './auth/auth.repository.js';
import { registerAuthRoutes } from './auth/auth.routes.js';
import { createAuthService } from './auth/auth.service.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { createTokenService } from './auth/tokens.js';
import type { Config } from './config/config.js';
import { openDatabase, type Database } from './db/client.js';
import { createAuthHooks } from './http/auth-hooks.js';
import { registerDocs } from './http/docs.js';
import { frameworkErrors, registerErrorHandler, registerNotFound } from './http/error-handler.js';
import { createRequestLogController } from './http/request-log.js';
import { registerWeb } from './http/web.js';
import { validatorCompiler } from './http/validation.js';
import { createAccessRepository } from './managers/access.repository.js';
import { createGateway, type Gateway } from './realtime/gateway.js';
import { systemClock, type Clock } from './shared/clock.js';
import { EventBus } from './shared/event-bus.js';
import { newId } from './shared/ids.js';
import { createLogger } from './shared/logger.js';
import { createMemoryRateLimiter } from './shared/rate-limiter.js';
import { createUsersRepository } from './users/users.repository.js';
import { registerUsersRoutes } from './users/users.routes.js';
import { createUsersService } from './users/users.service.js';
import { createAccessPolicy } from './managers/access-policy.js';
import { createManagersRepository } from './managers/managers.repository.js';
import { registerManagersRoutes } from './managers/managers.routes.js';
import { createManagersService } from './managers/managers.service.js';
import { createStatsCoalescer } from './stats/stats-coalescer.js';
import { createStatsRepository } from './stats/stats.repository.js';
import { registerStatsRoutes } from './stats/stats.routes.js';
import { createStatsService } from './stats/stats.service.js';
import { createChatsRepository } from './chats/chats.repository.js';
import { registerChatsRoutes } from './chats/chats.routes.js';
import { createChatsService } from './chats/chats.service.js';
import { createIdempotencyStore } from './messages/idempotency.js';
import { createIngestRepository } from './messages/ingest.repository.js';
import { createIngestService } from './messages/ingest.service.js';
import { createMessagesRepository } from './messages/messages.repository.js';
import { registerMessagesRoutes } from './messages/messages.routes.js';
import { createMessagesService } from './messages/messages.service.js';
import { createSendService } from './messages/send.service.js';
import { HealthMonitor } from './sessions/health.js';
import { registerSeed004Routes } from './sessions/seed004.routes.js';
import { createSessionLifecycle } from './sessions/session-lifecycle.js';
import { createSessionsRepository } from './sessions/sessions.repository.js';
import { registerSessionsRoutes } from './sessions/sessions.routes.js';
import { createSessionsService } from './sessions/sessions.service.js';
import { createErrorNotifier } from './webhooks/error-notifier.js';
import { createWebhookOutbox } from './webhooks/outbox.js';
import { createAuthStateStore } from './whatsapp/auth-store.repository.js';
import type { EngineFactory } from './whatsapp/engine.js';
import { createEngineFactory } from './whatsapp/engine-factory.js';
import { createLocalRegistry, type SessionRegistry } from './whatsapp/registry.js';
import { registerSimulatorRoutes } from './whatsapp/simulator.routes.js';

export interface AppOverrides {
  /** An already open database (tests pass a fresh PGlite); closed by the app's close(). */
  database?: Database;
  logger?: Logger;
  clock?: Clock;
  /** Replaces the engine chosen by WHATSAPP_ENGINE (tests inject fakes). */
  engineFactory?: EngineFactory;
}

export interface App {
  readonly http: FastifyInstance;
  readonly gateway: Gateway;
  readonly database: Database;
  readonly bus: EventBus;
  readonly config: Config;
  readonly registry: SessionRegistry;
  /** Starts what runs in the background (session restore, outbox); call after listen. */
  start(): Promise<void>;
  /** Graceful shutdown: HTTP, sockets, engines, database, in that order. */
  close(): Promise<void>;
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const database =
    overrides.database ??
    (await openDatabase(
      config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` },
    ));
  const { db } = database;

  const bus = new EventBus(logger);
  const limiter = createMemoryRateLimiter(clock);
  const tokens = createTokenService(await resolveJwtSecret(config.jwtSecret, config.dataDir, logger), config.accessTokenTtlSec);

  const usersRepo = createUsersRepository(db);
  const authRepo = createAuthRepository(db);
  const accessRepo = createAccessRepository(db);

  const isActiveUser = createActiveUserCheck({
    lookup: async (claims) => {
      const user = await usersRepo.findById(claims.companyId, claims.userId);
      return user !== undefined && user.role === claims.role;
    },
    bus,
    clock,
  });

  const sessionsRepo = createSessionsRepository(db);
  const policy = createAccessPolicy({ sessions: sessionsRepo, access: accessRepo });
  const health = new HealthMonitor(
    { maxBadMacErrors: config.maxBadMacErrors, maxBadDecryptErrors: config.maxBadDecryptErrors, windowMs: config.errorWindowMs },
    clock,
  );
  const outbox = createWebhookOutbox({
    db,
    logger,
    clock,
    secretFor: async (d) => (d.url === config.errorWebhookUrl ? config.errorWebhookSecret : undefined),
  });
  const chatsRepo = createChatsRepository(db);
  const messagesRepo = createMessagesRepository(db);
  const ingest = createIngestService({ repo: createIngestRepository(db), chats: chatsRepo, bus, logger });
  const engines = await createEngineFactory(config, logger, overrides.engineFactory);
  const registry = createLocalRegistry({
    factory: engines.factory,
    logger,
    authStore: (sessionId) => createAuthStateStore(db, sessionId),
    storedMessage: (sessionId) => async (_chatJid, messageId) => {
      // Lets the engine re-encrypt one of our messages when a recipient asks for a retry.
      const row = await messagesRepo.findByWaId(sessionId, messageId);
      return row?.fromMe && row.body !== null && row.messageType === 'text' ? { type: 'text', text: row.body } : null;
    },
    // The lifecycle is created just below; events only flow once sessions start.
    onEvent: (ref, event) => lifecycle.onEngineEvent(ref, event),
  });
  const lifecycle = createSessionLifecycle({
    repo: sessionsRepo,
    bus,
    health,
    registry,
    conversations: ingest.onEngineEvent,
    errorNotifier: createErrorNotifier(config.errorWebhookUrl, outbox, clock),
    logger,
    clock,
  });
  const sessions = createSessionsService({
    repo: sessionsRepo,
    policy,
    registry,
    lifecycle,
    health,
    bus,
    logger,
    clock,
    qrWaitMs: config.qrWaitMs,
    restartPauseMs: config.restartPauseMs,
  });

  const chatsService = createChatsService({ repo: chatsRepo, policy });
  const messagesService = createMessagesService({ chats: chatsService, repo: messagesRepo, registry, bus, logger });
  const sendService = createSendService({
    chats: chatsService,
    messages: messagesRepo,
    ingest,
    registry,
    limiter,
    idempotency: createIdempotencyStore(db, clock),
    bus,
    clock,
    logger,
    sendRatePerMinute: config.sendRatePerMinute,
    mediaMaxBytes: config.mediaMaxBytes,
    mediaAllowPrivate: config.mediaFetchAllowPrivate,
  });

  const managers = createManagersService({ repo: createManagersRepository(db), policy, bus, clock });
  const stats = createStatsService({ repo: createStatsRepository(db), policy, clock });

  const auth = createAuthService({ repo: authRepo, users: usersRepo, tokens, limiter, clock, config });
  const users = createUsersService({ users: usersRepo, bus, revokeAllTokens: auth.revokeAllTokens });
  const hooks = createAuthHooks(tokens, isActiveUser);

  const http = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: createRequestLogController(),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => newId(),
    ajv: { customOptions: {} },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
  });
  http.setValidatorCompiler(validatorCompiler);
  http.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  registerErrorHandler(http);
  await http.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
      },
    },
  });
  await http.register(cors, { origin: config.corsOrigins.length ? [...config.corsOrigins] : false, credentials: true });
  await registerDocs(http);

  http.get('/health', { schema: { hide: true } }, async () => ({
    status: 'ok',
    uptimeSec: Math.round(process.uptime()),
    engine: config.whatsappEngine,
    simulatorControl: engines.hasSimulatorControl,
  }));
  http.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await database.ping();
      return { status: 'ready', database: { kind: database.kind, ok: true } };
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', database: { kind: database.kind, ok: false } });
    }
  });

  registerAuthRoutes(http, { auth, hooks });
  registerUsersRoutes(http, { users, hooks });
  registerSessionsRoutes(http, { sessions, hooks });
  registerSeed004Routes(http, { sessions, hooks });
  registerChatsRoutes(http, { chats: chatsService, hooks });
  registerManagersRoutes(http, { managers, hooks });
  registerStatsRoutes(http, { stats, hooks });
  registerMessagesRoutes(http, { messages: messagesService, send: sendService, hooks, mediaBodyLimitBytes: config.mediaBodyLimitBytes });
  if (engines.hasSimulatorControl) registerSimulatorRoutes(http, { hooks, policy, registry });

  registerNotFound(http, await registerWeb(http));

  const gateway = createGateway(http.server, {
    logger,
    tokens,
    bus,
    isActiveUser,
    readableSessionIds: async (claims) => (await policy.readableSessionIds(claims)) ?? [],
    corsOrigins: config.corsOrigins,
  });
  const statsCoalescer = createStatsCoalescer({ bus, stats, connectedUsers: (companyId) => gateway.connectedUsers(companyId), clock, logger });

  let closed = false;
  return {
    http,
    gateway,
    database,
    bus,
    config,
    registry,
    async start() {
      outbox.start();
      await sessions.restoreAll();
    },
    async close() {
      if (closed) return;
      closed = true;
      // Stop accepting HTTP and drop the sockets together: open websockets would hold the server.
      statsCoalescer.stop();
      await Promise.all([http.close(), gateway.close()]);
      await registry.shutdown();
      await lifecycle.drain();
      await ingest.drain();
      await outbox.stop();
      await engines.close();
      await database.close();
    },
  };
}
