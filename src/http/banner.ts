import path from 'node:path';
import type { Database } from '../db/client.js';
import { BANNER_LOG_KEY } from '../shared/logger.js';

export interface BannerInput {
  /** Where a browser reaches the server. */
  url: string;
  engine: string;
  database: Pick<Database, 'kind' | 'location'>;
  /** Whether a built dashboard is served at `/`. */
  dashboard: boolean;
}

/** The one start-up line: where to go, what runs behind it, where the data lives. */
export function startupBanner(input: BannerInput): { fields: Record<string, unknown>; message: string } {
  const { kind } = input.database;
  // A relative DATA_DIR depends on the working directory: show where the data really is.
  const location = kind === 'pglite' && input.database.location !== 'memory' ? path.resolve(input.database.location) : input.database.location;
  const dashboardUrl = input.dashboard ? `${input.url}/` : undefined;
  const docsUrl = `${input.url}/docs`;
  const dashboard = dashboardUrl ? `dashboard at ${dashboardUrl}` : 'no dashboard (web/dist not built: npm run build:web)';
  return {
    fields: { [BANNER_LOG_KEY]: { url: input.url, dashboardUrl, docsUrl, engine: input.engine, database: { kind, location } } },
    message: `WA Inbox ready at ${input.url}: ${dashboard}, API docs at ${docsUrl}; engine ${input.engine}, database ${kind} (${location})`,
  };
}
