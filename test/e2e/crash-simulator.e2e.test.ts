/** Nothing acknowledged is lost across SIGKILLs, on the simulator engine (helpers/crash-run.ts; `npm run crash-test` runs more). */
import { defineCrashSuite } from '../helpers/crash-suite.js';

await defineCrashSuite('simulator');
