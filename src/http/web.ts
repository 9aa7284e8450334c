import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Serves the built web dashboard at `/`; returns whether there was one to serve. */
export async function registerWeb(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) return false;
  await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  return true;
}
