/**
 * Test-run messages: run tests from the editor, stream their results, cancel a run.
 *
 * Results also reach the trace: a requirement whose linked tests all passed in fresh results is
 * `verified`, one with a failing linked test is `failing` (see `RequirementStatus` in trace.ts).
 * Every run can equally be started with the `tandem.runTests` command (`workspace/executeCommand`,
 * arguments `[RunTestsParams]`), which is what the code lenses use, so no client code is needed.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Location } from './trace';

/**
 * What to run:
 * - `test`: one test (`uri` and `testName`, the full title: suite titles and test title joined by a space);
 * - `file`: every test in the file `uri`;
 * - `requirement`: every test linked to the requirement `id`;
 * - `affected`: the test files that import the changed modules `uris` (directly or not), and those
 *   of `uris` that are test files themselves;
 * - `all`: every package's tests as its own framework configuration selects them (`uri` may
 *   narrow this to one workspace folder).
 */
export type TestRunScope = 'test' | 'file' | 'requirement' | 'affected' | 'all';

export interface RunTestsParams {
  scope: TestRunScope;
  uri?: string;
  testName?: string;
  id?: string;
  uris?: string[];
  /**
   * When false the request answers at once with the run id and `state: 'running'`; results then
   * arrive only through `tandem/testResults`. Default true: the response comes when the run ends.
   */
  wait?: boolean;
}

export type TestOutcome = 'passed' | 'failed' | 'skipped' | 'errored';

/** One test's result in one run. */
export interface TestRunResult {
  /** The test file. */
  uri: string;
  /** The full title: suite titles and test title joined by a space. */
  testName: string;
  titles: string[];
  outcome: TestOutcome;
  durationMs?: number;
  message?: string;
  /** The assertion's expected and actual values, when it states them (rendered as text). */
  expected?: string;
  actual?: string;
  /** Where the test failed: the failing assertion, mapped through the stack trace and source maps. */
  failure?: Location;
  /** ISO 8601 time the run started. */
  at: string;
}

export interface TestRunProblem {
  /** The test file the problem belongs to, when it belongs to one. */
  uri?: string;
  message: string;
}

export interface TestRunCounts {
  passed: number;
  failed: number;
  skipped: number;
  errored: number;
}

/**
 * How a run ended: `passed` (nothing failed), `failed` (a test failed or errored), `cancelled`,
 * `timedOut` (killed after `testing.timeoutMs`), `error` (nothing could run: no framework, not
 * installed, nothing matched the scope; see `problems`).
 */
export type TestRunState = 'running' | 'passed' | 'failed' | 'cancelled' | 'timedOut' | 'error';

export interface RunTestsResult {
  runId: string;
  state: TestRunState;
  counts: TestRunCounts;
  results: TestRunResult[];
  problems: TestRunProblem[];
  durationMs: number;
  /**
   * The code coverage each test process measured (setting `testing.coverage`): `tests` when each
   * test was measured on its own (so a requirement counts only its own tests' lines), `run` when
   * only the whole process was, `none` when it could not be measured (`note` says why).
   */
  coverage?: TestRunCoverage[];
}

export interface TestRunCoverage {
  framework: 'mocha' | 'node' | 'jest' | 'vitest';
  scope: 'tests' | 'run' | 'none';
  /** Workspace files with measured lines. */
  files: number;
  /** Tests measured on their own (scope `tests`). */
  tests: number;
  note?: string;
}

/** Parameters of `tandem/testResults`. */
export interface TestResultsParams {
  runId: string;
  /** `started` first (with the scope), then `results` as they arrive, `finished` last (with the summary). */
  kind: 'started' | 'results' | 'finished';
  scope?: RunTestsParams;
  results: TestRunResult[];
  /** Present on `finished`. */
  summary?: RunTestsResult;
}

export interface CancelTestRunParams {
  /** The run to cancel; absent cancels every running test run. */
  runId?: string;
}

/** Client → server: run tests in the given scope; see `RunTestsParams.wait` for when it answers. */
export namespace RunTestsRequest {
  export const method = 'tandem/runTests' as const;
  export const type = new RequestType<RunTestsParams, RunTestsResult, void>(method);
}

/** Server → client: a test run started, produced results, or finished (batched, at most every 100 ms). */
export namespace TestResultsNotification {
  export const method = 'tandem/testResults' as const;
  export const type = new NotificationType<TestResultsParams>(method);
}

/** Client → server: stop a test run (its whole process tree is killed); answers how many runs were cancelled. */
export namespace CancelTestRunRequest {
  export const method = 'tandem/cancelTestRun' as const;
  export const type = new RequestType<CancelTestRunParams, { cancelled: number }, void>(method);
}
