/** Entry point: loadConfig → buildApp → listen → graceful shutdown. */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { startupBanner } from './http/banner.js';
import { listen } from './http/listen.js';
import { hasWebDashboard } from './http/web.js';
import { createLogger } from './shared/logger.js';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  const building = buildApp(config, { logger });

  // Handled from the start: a stop while PGlite creates or migrates its database (the slow part of
  // a first start) waits for it and closes it, rather than killing the process mid-write.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    building
      .then((app) => app.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  const app = await building;
  if (stopping) return;
  const { url } = await listen(app.http, { port: config.port, host: config.host });
  if (stopping) return;
  await app.start();
  const banner = startupBanner({ url, engine: config.whatsappEngine, database: app.database, dashboard: hasWebDashboard() });
  logger.info(banner.fields, banner.message);
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
