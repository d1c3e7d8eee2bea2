/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
 * that CI (which reads that line) and humans agree on what ran. A test file that failed without
 * a failing test (its set-up threw, it did not load) counts as one failure, and so does each
 * error outside any test: such a run must never read as "0 failed".
 */
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []) {
    const count = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedHere++;
        else count.skipped++;
      }
      count.failed += failedHere || (m.state() === 'failed' ? 1 : 0);
    }
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
