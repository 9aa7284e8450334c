/**
 * `npm run wa-server`: the loopback WhatsApp Web test server on its own, for linking a locally
 * running gateway without a phone:
 *
 *   npm run wa-server                                   # ws://127.0.0.1:7878/ws/chat
 *   WHATSAPP_WEB_URL=ws://127.0.0.1:7878/ws/chat npm start
 *
 * Then scan a session's QR through the admin API (see admin-http.ts). WA_SERVER_PORT and
 * WA_SERVER_STATE (default ./data/wa-test-server-standalone.json) configure it. Media files are kept
 * beside the state file and served over HTTPS on WA_SERVER_MEDIA_PORT (default: a free port) with a
 * certificate made at each start, written to WA_SERVER_MEDIA_CA (default: `<state file>.media-ca.pem`)
 * for the gateway's WHATSAPP_MEDIA_CA_FILE, and served at GET /admin/media-ca.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { routeLibsignalConsole } from '../../src/whatsapp/engines/baileys/libsignal-console.js';
import { adminHttp } from './admin-http.js';
import { WaTestServer } from './server.js';

const port = Number(process.env.WA_SERVER_PORT ?? 7878);
const stateFile = process.env.WA_SERVER_STATE ?? path.resolve('data', 'wa-test-server-standalone.json');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });

routeLibsignalConsole(logger);
const mediaPort = Number(process.env.WA_SERVER_MEDIA_PORT ?? 0);
const mediaCaFile = process.env.WA_SERVER_MEDIA_CA ?? `${stateFile}.media-ca.pem`;
const server = await WaTestServer.start({ port, stateFile, mediaPort, logger, http: adminHttp });
writeFileSync(mediaCaFile, server.mediaCa);
logger.info(`loopback WhatsApp Web test server at ${server.url}; media host https://${server.mediaHost}`);
logger.info(
  `start the gateway with WHATSAPP_WEB_URL=${server.url} WHATSAPP_MEDIA_CA_FILE=${mediaCaFile}; admin API at http://127.0.0.1:${server.port}/admin`,
);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
