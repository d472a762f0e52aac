/**
 * The `testing` section of Tandem's settings. The defaults need no configuration: the framework
 * is detected per package, runs are bounded in time and output, and nothing runs unasked.
 */

import { durationProblem } from '../limits';

export interface TestingSettings {
  /** Kill a test run's whole process tree after this many milliseconds. */
  timeoutMs: number;
  /** How many test processes may run at once across the workspace. */
  concurrency: number;
  /** Run the tests affected by a saved file (through the import graph) after each save. */
  runOnSave: boolean;
  /** How long to wait after the last save before a run-on-save starts. */
  runOnSaveDelayMs: number;
  /** Bytes of each run's output kept (the tail) for error messages; the rest is discarded. */
  maxOutputBytes: number;
  /**
   * JUnit XML report files (paths or globs relative to the workspace folder) read as test results
   * and read again when they change: pytest `--junitxml`, go-junit-report, Maven Surefire, nextest.
   */
  junitReports: string[];
  /** `auto` detects the framework per package; a name forces it for every package. */
  framework: 'auto' | 'mocha' | 'node' | 'jest' | 'vitest';
  /** Show failing tests as diagnostics at the failing assertion. */
  failureDiagnostics: boolean;
  /** Show "run" and last-result code lenses over tests and requirements. */
  codeLens: boolean;
  /** Keep results across restarts in `.tandem/test-results.json` of the workspace folder. */
  persistResults: boolean;
  /**
   * Measure code coverage on Tandem's own runs: Node's V8 coverage for mocha and `node:test` (per
   * test), the framework's own V8 provider for jest and vitest (per run).
   */
  coverage: boolean;
  /** Coverage reports (LCOV, Cobertura, JaCoCo, coverage.py JSON; paths or globs relative to the folder), read and watched. */
  coverageReports: string[];
  /** Show each block of an implementing symbol that no test ran as an information diagnostic. */
  showUncovered: boolean;
}

export const testingSettingsDefaults: TestingSettings = {
  timeoutMs: 120000,
  concurrency: 2,
  runOnSave: false,
  runOnSaveDelayMs: 400,
  maxOutputBytes: 1024 * 1024,
  junitReports: [],
  framework: 'auto',
  failureDiagnostics: true,
  codeLens: true,
  persistResults: true,
  coverage: true,
  coverageReports: [],
  showUncovered: false,
};

/** Checks beyond types: one message per invalid value, each starting with its key. */
export function validateTestingSettings(value: TestingSettings): string[] {
  const problems: string[] = [];
  for (const problem of [durationProblem('testing.timeoutMs', value.timeoutMs, 1000), durationProblem('testing.runOnSaveDelayMs', value.runOnSaveDelayMs, 0)]) {
    if (problem) problems.push(problem);
  }
  if (!(Number.isInteger(value.concurrency) && value.concurrency >= 1 && value.concurrency <= 64)) problems.push('testing.concurrency must be a whole number from 1 to 64');
  if (!(value.maxOutputBytes >= 4096)) problems.push('testing.maxOutputBytes must be at least 4096');
  if (!['auto', 'mocha', 'node', 'jest', 'vitest'].includes(value.framework)) problems.push('testing.framework must be one of auto, mocha, node, jest, vitest');
  return problems;
}
