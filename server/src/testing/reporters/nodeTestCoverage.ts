/**
 * Per-test coverage for `node:test`: preloaded (`--require`) into the test runner and, through
 * it, into every test file's process. In a test file's process (`NODE_TEST_CONTEXT` is set there)
 * root hooks around every test write V8's counters out per test (see `perTestCoverage.ts`); the
 * runner's own process registers nothing.
 */
import { afterEach, beforeEach } from 'node:test';
import { perTestCoverage, takeCoverage } from './perTestCoverage';

if (perTestCoverage && process.env.NODE_TEST_CONTEXT) {
  let first = true;
  beforeEach(() => {
    if (first) takeCoverage();
    first = false;
  });
  afterEach((context: { name: string; fullName?: string }) => {
    const titles = typeof context.fullName === 'string' ? context.fullName.split(' > ') : [context.name];
    takeCoverage({ file: process.argv[1] ?? '', titles });
  });
}
