/**
 * Composition root: builds the database, repositories, services, engines, HTTP and realtime
 * layers, and wires the event subscribers. It never listens; main.ts and the tests do.
 */
import path from 'node:path';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { createActiveUserCheck } from './auth/active-users.js';
import { createAuthRepository } from './auth/auth.repository.js';
import { registerAuthRoutes } from './auth/auth.routes.js';
import { createAuthService } from './auth/auth.service.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { createPasswordHasher, type PasswordHasher } from './auth/password.js';
import { createTokenService } from './auth/tokens.js';
import type { Config } from './config/config.js';
import { openDatabase, type Database } from './db/client.js';
import { guardDeclaredAccess } from './http/access.js';
import { registerAdmissionControl } from './http/admission.js';
import { createAuthHooks } from './http/auth-hooks.js';
import type { HttpApp } from './http/http-app.js';
import { registerDocs } from './http/docs.js';
import { frameworkErrors, registerErrorHandler, registerNotFound } from './http/error-handler.js';
import { createRequestLogController } from './http/request-log.js';
import { registerWeb } from './http/web.js';
import { validatorCompiler } from './http/validation.js';
import { createAccessRepository } from './managers/access.repository.js';
import { createGateway, type Gateway } from './realtime/gateway.js';
import { systemClock, type Clock } from './shared/clock.js';
import { EventBus } from './events/event-bus.js';
import { createEventOutbox } from './events/outbox.js';
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
import { createMessageChanges } from './messages/message-changes.js';
import { createOwnChangesService } from './messages/own-changes.service.js';
import { createSendService } from './messages/send.service.js';
import { createDecryptErrorHandler } from './sessions/decrypt-errors.js';
import { HealthMonitor } from './sessions/health.js';
import { QrBoard } from './sessions/qr-board.js';
import { registerSessionHealthRoutes } from './sessions/session-health.routes.js';
import { createSessionLifecycle } from './sessions/session-lifecycle.js';
import { createSessionsRepository } from './sessions/sessions.repository.js';
import { registerSessionsRoutes } from './sessions/sessions.routes.js';
import { createSessionsService } from './sessions/sessions.service.js';
import { createMediaDownloader } from './media/media-downloader.js';
import { createMediaDownloadsRepository } from './media/media-downloads.repository.js';
import { createMediaCollector } from './media/media-gc.js';
import { createMediaLinks } from './media/media-link.js';
import { registerMediaRoutes } from './media/media.routes.js';
import { createMediaService } from './media/media.service.js';
import { createLocalMediaStorage } from './media/media-storage.js';
import { createErrorNotifier } from './webhooks/error-notifier.js';
import { createWebhookOutbox } from './webhooks/outbox.js';
import { createAuthStateStore } from './whatsapp/auth-store.repository.js';
import type { EngineFactory } from './whatsapp/engine.js';
import { createEngineDispatcher } from './whatsapp/engine-dispatcher.js';
import { createEngineFactory } from './whatsapp/engine-factory.js';
import type { SimulatorControls } from './whatsapp/simulator-control.js';
import { createLocalRegistry, type SessionRegistry } from './whatsapp/registry.js';
import { registerSimulatorRoutes } from './whatsapp/simulator.routes.js';

export interface AppOverrides {
  /** An already open database (tests pass a fresh PGlite); whoever passes it closes it. */
  database?: Database;
  logger?: Logger;
  clock?: Clock;
  /** Tests pass a cheap one: production scrypt is deliberately slow. */
  passwordHasher?: PasswordHasher;
  /** Replaces the engine chosen by WHATSAPP_ENGINE (tests inject fakes, with controls when they play WhatsApp). */
  engines?: { factory: EngineFactory; controls?: SimulatorControls };
}

export interface App {
  readonly http: HttpApp;
  readonly gateway: Gateway;
  readonly database: Database;
  readonly bus: EventBus;
  readonly config: Config;
  readonly registry: SessionRegistry;
  /** The simulator controls, in the simulator and test-server modes. */
  readonly simulatorControls: SimulatorControls | undefined;
  /** Starts what runs in the background (session restore, outbox); call after listen. */
  start(): Promise<void>;
  /** Graceful shutdown: HTTP, sockets, engines, database, in that order. */
  close(): Promise<void>;
}

/** Fastify's trustProxy from ours: a hop count trusts that many proxies nearest to us. */
function trustProxyOption(trust: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  /** What a previous process left unfinished is what was created before this instant. */
  const startedAt = clock.now();
  const database =
    overrides.database ??
    (await openDatabase(
      config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` },
    ));
  const { db } = database;

  const bus = new EventBus(logger);
  const outbox = createEventOutbox({ db, bus, clock });
  const limiter = createMemoryRateLimiter(clock);
  const secret = await resolveJwtSecret(config.jwtSecret, config.dataDir, logger);
  const tokens = createTokenService(secret, config.accessTokenTtlSec, () => clock.now().getTime());
  const mediaStorage = createLocalMediaStorage(path.join(config.dataDir, 'media'));
  const mediaLinks = createMediaLinks({ secret, ttlSec: config.mediaUrlTtlSec, now: () => clock.now().getTime() });
  const mediaCollector = createMediaCollector({ db, storage: mediaStorage, clock, logger });

  const usersRepo = createUsersRepository(db);
  const authRepo = createAuthRepository(db);
  const accessRepo = createAccessRepository(db);

  const isActiveUser = createActiveUserCheck({
    lookup: async (companyId, userId) => {
      const user = await usersRepo.findById(companyId, userId);
      return user && { role: user.role, tokensValidAfter: user.tokensValidAfter };
    },
    bus,
    clock,
  });

  const sessionsRepo = createSessionsRepository(db);
  const policy = createAccessPolicy({ sessions: sessionsRepo, access: accessRepo, bus });
  const health = new HealthMonitor(
    { maxBadMacErrors: config.maxBadMacErrors, maxBadDecryptErrors: config.maxBadDecryptErrors, windowMs: config.errorWindowMs },
    clock,
    sessionsRepo.health,
  );
  const deliveries = createWebhookOutbox({
    db,
    logger,
    clock,
    secretFor: async (d) => (d.url === config.errorWebhookUrl ? config.errorWebhookSecret : undefined),
  });
  const chatsRepo = createChatsRepository(db);
  const messagesRepo = createMessagesRepository(db);
  const messageWrites = createIngestRepository();
  const messageChanges = createMessageChanges({ outbox, collector: mediaCollector, clock, logger });
  const ingest = createIngestService({ repo: messageWrites, chats: chatsRepo, outbox, logger, storage: mediaStorage, changes: messageChanges });
  const engines = await createEngineFactory(config, logger, overrides.engines);
  const registry = createLocalRegistry({
    factory: engines.factory,
    logger,
    authStore: (sessionId) => createAuthStateStore(db, sessionId),
    storedMessage: (sessionId) => async (_chatJid, messageId) => {
      // Lets the engine re-encrypt one of our messages when a recipient asks for a retry.
      const row = await messagesRepo.findByWaId(sessionId, messageId);
      return row?.fromMe && row.body !== null && row.messageType === 'text' ? { type: 'text', text: row.body } : null;
    },
    // The dispatcher is created just below; events only flow once sessions start.
    onEvent: (ref, event) => dispatcher.dispatch(ref, event),
  });
  const qr = new QrBoard();
  const lifecycle = createSessionLifecycle({ repo: sessionsRepo, outbox, health, qr, logger, clock });
  const dispatcher = createEngineDispatcher(
    {
      state: lifecycle.handle,
      conversation: ingest,
      health: createDecryptErrorHandler({
        health,
        repo: sessionsRepo,
        registry,
        outbox,
        errorNotifier: createErrorNotifier(config.errorWebhookUrl, deliveries, clock),
        logger,
        clock,
      }),
    },
    logger,
  );
  const sessions = createSessionsService({
    repo: sessionsRepo,
    policy,
    registry,
    lifecycle,
    dispatcher,
    qrBoard: qr,
    health,
    outbox,
    logger,
    clock,
    qrWaitMs: config.qrWaitMs,
    restartPauseMs: config.restartPauseMs,
    media: mediaCollector,
  });
  const downloads = createMediaDownloader({
    repo: createMediaDownloadsRepository(db),
    storage: mediaStorage,
    registry,
    outbox,
    clock,
    logger: logger.child({ module: 'media' }),
    maxBytes: config.mediaMaxBytes,
    concurrency: config.mediaDownloadConcurrency,
    collector: mediaCollector,
  });
  bus.subscribe((event) => {
    if (event.name === 'message.stored' && event.payload.message.media?.state === 'pending') downloads.kick();
    if (event.name === 'session.connected') {
      downloads.wakeSession(event.payload.sessionId).catch((err: unknown) => logger.warn({ err }, 'media downloads of a session were not resumed'));
    }
  });

  const chatsService = createChatsService({ repo: chatsRepo, policy });
  const messagesService = createMessagesService({ chats: chatsService, repo: messagesRepo, registry, outbox, links: mediaLinks, logger });
  const sendService = createSendService({
    chats: chatsService,
    messages: messagesRepo,
    writes: messageWrites,
    outbox,
    registry,
    limiter,
    idempotency: createIdempotencyStore(db, clock, startedAt),
    clock,
    logger,
    sendRatePerMinute: config.sendRatePerMinute,
    mediaMaxBytes: config.mediaMaxBytes,
    mediaAllowPrivate: config.mediaFetchAllowPrivate,
    storage: mediaStorage,
  });

  const managers = createManagersService({ repo: createManagersRepository(db), policy, outbox, clock });
  const stats = createStatsService({ repo: createStatsRepository(db), policy, clock });

  const passwords = overrides.passwordHasher ?? createPasswordHasher();
  const auth = createAuthService({ repo: authRepo, users: usersRepo, tokens, limiter, clock, passwords, config });
  const users = createUsersService({ users: usersRepo, outbox, passwords, clock, revokeAllTokens: auth.revokeAllTokens });
  const hooks = createAuthHooks(tokens, isActiveUser);

  const http: HttpApp = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: createRequestLogController(),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    // A client's X-Request-Id names the request in our logs only when short and plain; otherwise ours.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : newId();
    },
    ajv: { customOptions: {} },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
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
  // After helmet and CORS: a refusal carries their headers, so a browser can read its Retry-After.
  await registerAdmissionControl(http, {
    maxInFlight: config.overloadMaxInFlight,
    maxEventLoopDelayMs: config.overloadMaxEventLoopDelayMs,
    maxDbWaiting: config.overloadMaxDbWaiting,
    dbWaiting: () => database.waiting(),
  });
  await registerDocs(http);

  http.get('/health', { schema: { hide: true } }, async () => ({
    status: 'ok',
    uptimeSec: Math.round(process.uptime()),
    engine: config.whatsappEngine,
    simulatorControl: engines.controls !== undefined,
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

  guardDeclaredAccess(http, hooks);
  registerAuthRoutes(http, { auth, users });
  registerUsersRoutes(http, { users });
  registerSessionsRoutes(http, { sessions });
  registerSessionHealthRoutes(http, { sessions });
  registerChatsRoutes(http, { chats: chatsService });
  registerManagersRoutes(http, { managers });
  registerStatsRoutes(http, { stats });
  registerMessagesRoutes(http, {
    messages: messagesService,
    send: sendService,
    own: createOwnChangesService({ messages: messagesRepo, chats: chatsService, registry, changes: messageChanges, links: mediaLinks, clock }),
    mediaBodyLimitBytes: config.mediaBodyLimitBytes,
  });
  registerMediaRoutes(http, { media: createMediaService({ messages: messagesRepo, policy, storage: mediaStorage, links: mediaLinks, logger }) });
  if (engines.controls) registerSimulatorRoutes(http, { policy, registry, controls: engines.controls, mediaBodyLimitBytes: config.mediaBodyLimitBytes });

  registerNotFound(http, await registerWeb(http));

  const gateway = createGateway(http.server, {
    logger,
    tokens,
    bus,
    isActiveUser,
    readableSessionIds: async (claims) => (await policy.readableSessionIds(claims)) ?? [],
    corsOrigins: config.corsOrigins,
  });
  const statsCoalescer = createStatsCoalescer({
    bus,
    publish: outbox.publish,
    stats,
    connectedUsers: (companyId) => gateway.connectedUsers(companyId),
    clock,
    logger,
  });

  /** Recorded events are kept a day (webhooks read them), then pruned. */
  const EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;
  let pruneTimer: NodeJS.Timeout | undefined;
  const prune = (): void => {
    outbox.prune(EVENT_RETENTION_MS).catch((err: unknown) => logger.warn({ err }, 'could not prune old domain events'));
  };

  let closed = false;
  return {
    http,
    gateway,
    database,
    bus,
    config,
    registry,
    simulatorControls: engines.controls,
    async start() {
      deliveries.start();
      prune();
      pruneTimer = setInterval(prune, 10 * 60 * 1000).unref();
      await health.restore();
      await sendService.reconcileInterrupted(startedAt);
      // Before the sessions: each one that connects wakes its waiting downloads.
      downloads.start();
      await sessions.restoreAll();
    },
    async close() {
      if (closed) return;
      closed = true;
      // Stop accepting HTTP and drop the sockets together: open websockets would hold the server.
      // Requests already running may finish (new ones on kept-alive connections get 503); past half
      // of the shutdown time, connections still busy are cut so the engines and the ingest get the
      // rest of it — nothing acknowledged depends on them, an unanswered call was never acknowledged.
      statsCoalescer.stop();
      clearInterval(pruneTimer);
      const cut = setTimeout(() => http.server.closeAllConnections(), config.shutdownTimeoutMs / 2);
      cut.unref();
      await Promise.all([http.close(), gateway.close()]);
      clearTimeout(cut);
      await downloads.stop();
      await registry.shutdown();
      await dispatcher.drain();
      await deliveries.stop();
      await engines.close();
      if (!overrides.database) await database.close();
    },
  };
}
