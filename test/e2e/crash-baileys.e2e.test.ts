/** Nothing acknowledged is lost across SIGKILLs, on the baileys engine (helpers/crash-run.ts; `npm run crash-test` runs more). */
import { defineCrashSuite } from '../helpers/crash-suite.js';

await defineCrashSuite('baileys');
