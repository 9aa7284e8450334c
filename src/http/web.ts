import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../shared/project-root.js';

const WEB_DIST = path.join(projectRoot, 'web', 'dist');

export function hasWebDashboard(): boolean {
  return existsSync(path.join(WEB_DIST, 'index.html'));
}

/** Serves the built web dashboard at `/`; returns whether there was one to serve. */
export async function registerWeb(app: FastifyInstance): Promise<boolean> {
  if (!hasWebDashboard()) return false;
  await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  return true;
}
