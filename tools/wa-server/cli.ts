/**
 * `npm run wa-server`: the loopback WhatsApp Web test server on its own, for linking a locally
 * running gateway without a phone:
 *
 *   npm run wa-server                                   # ws://127.0.0.1:7878/ws/chat
 *   WHATSAPP_WEB_URL=ws://127.0.0.1:7878/ws/chat npm start
 *
 * Then scan a session's QR through the admin API (see admin-http.ts). WA_SERVER_PORT and
 * WA_SERVER_STATE (default ./data/wa-test-server-standalone.json) configure it.
 */
import path from 'node:path';
import pino from 'pino';
import { routeLibsignalConsole } from '../../src/whatsapp/engines/baileys/libsignal-console.js';
import { adminHttp } from './admin-http.js';
import { WaTestServer } from './server.js';

const port = Number(process.env.WA_SERVER_PORT ?? 7878);
const stateFile = process.env.WA_SERVER_STATE ?? path.resolve('data', 'wa-test-server-standalone.json');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });

routeLibsignalConsole(logger);
const server = await WaTestServer.start({ port, stateFile, logger, http: adminHttp });
logger.info(`loopback WhatsApp Web test server at ${server.url}`);
logger.info(`start the gateway with WHATSAPP_WEB_URL=${server.url}; admin API at http://127.0.0.1:${server.port}/admin`);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
