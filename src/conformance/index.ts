/**
 * The conformance checks: the contract as any client sees it, against any Ordo, from its URL and
 * the registrar token only. Run by `ordo conformance` (src/cli/commands/conformance.ts) against a
 * deployment, and by the contract suite (test/contract/contract.ts) on every runtime. A new check
 * is one more entry of `checks`.
 */
import { correctionsCheck } from './checks/corrections.js';
import { failedCodesAtOnceCheck, failedCodesCheck } from './checks/failed-codes.js';
import { feedCheck } from './checks/feed.js';
import { racesCheck } from './checks/races.js';
import { replayCheck } from './checks/replay.js';
import { pagesCheck, serviceCheck } from './checks/service.js';
import { storyCheck } from './checks/story.js';
import type { Check } from './run.js';

export const checks: readonly Check[] = [serviceCheck, pagesCheck, storyCheck, correctionsCheck, feedCheck, racesCheck, replayCheck, failedCodesCheck, failedCodesAtOnceCheck];

export { CheckFailed } from './expect.js';
export { expectFailedCodeLimit, expectFailedCodesAtOnce, WRONG_CODE, type WrongCodeAttempt } from './checks/failed-codes.js';
export { DEFAULT_LOG_WAIT_MS, newRunTag, runCheck, runChecks, type Check, type CheckResult, type CheckTarget, type Target } from './run.js';
