// npm's prestart: builds the server (dist/) and the web dashboard (web/dist) when missing or older
// than their sources, so `npm start` on a fresh clone or after a pull runs what is checked out.
// It runs before, not around, the server: `npm start` then execs node on dist/ with no wrapper
// process in between to swallow SIGTERM or outlive the server.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isStale, root } from './lib/freshness.mjs';
import { buildServer, serverInputs, serverStamp } from './build-server.mjs';
import { buildWeb, webInputs, webStamp } from './build-web.mjs';

async function step(what, build) {
  const t0 = performance.now();
  process.stdout.write(`building the ${what}… `);
  try {
    await build();
  } catch (err) {
    process.stdout.write('failed\n');
    // Installed without devDependencies, the build tools are missing: say what to do instead.
    if (err?.code === 'ERR_MODULE_NOT_FOUND') {
      console.error(`cannot build the ${what}: ${err.message}\nRun \`npm install\` (with devDependencies) or ship a built tree (\`npm run build\`).`);
    } else {
      console.error(err instanceof Error ? err.message : err);
    }
    process.exit(1);
  }
  process.stdout.write(`done in ${Math.round(performance.now() - t0)} ms\n`);
}

if (isStale(serverStamp, serverInputs)) await step('server', buildServer);
if (existsSync(path.join(root, 'web', 'index.html')) && isStale(webStamp, webInputs)) await step('web dashboard', buildWeb);
