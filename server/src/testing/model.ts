/**
 * The plain data of test runs: which framework a package uses, what a run is asked to do, and
 * what each test did. Nothing here knows LSP; paths are absolute, lines and columns one-based as
 * stack traces write them (the LSP layer converts).
 */
import type { TestResultRecord } from '../trace/model';
import type { CoverageMap } from './coverage/model';

export type { TestResultRecord };

/** The JavaScript test frameworks Tandem runs itself; other languages report through JUnit XML. */
export type FrameworkName = 'mocha' | 'node' | 'jest' | 'vitest';

export const frameworkNames: readonly FrameworkName[] = ['mocha', 'node', 'jest', 'vitest'];

/** A package's test framework, as detected from its manifest and config files. */
export interface FrameworkInfo {
  name: FrameworkName;
  /** The folder holding the package's `package.json`; runs start here. */
  packageDir: string;
  /** The framework's command-line entry (a JavaScript file run with Node); absent for `node:test`. */
  entry?: string;
  /** The framework's version, when installed. */
  version?: string;
  /** Why this framework was chosen, for logs and `tandem/testFrameworks`. */
  reason: string;
}

/** A detection that found a framework the package names but has not installed. */
export interface FrameworkMissing {
  name: FrameworkName;
  packageDir: string;
  reason: string;
  /** What to do about it, in one sentence. */
  problem: string;
}

/** One child process's worth of work: a framework in a package, some files, optionally some tests. */
export interface RunPlan {
  framework: FrameworkInfo;
  /** Test files to run; empty means every test the framework's own configuration selects. */
  files: string[];
  /**
   * Tests to run, each as its suite titles and test title; empty means every test in `files`.
   * Frameworks filter by pattern, so only results for these tests are kept from the run.
   */
  tests: string[][];
}

export type TestOutcomeKind = 'passed' | 'failed' | 'skipped' | 'errored';

/** What one test did in one run. */
export interface TestOutcome {
  /** The test file. */
  file: string;
  /** Suite titles and test title. */
  titles: string[];
  /** `titles` joined by a single space: what the trace matches tags and titles on. */
  testName: string;
  outcome: TestOutcomeKind;
  durationMs?: number;
  /** The failure's message, with expected and actual when the assertion says them. */
  message?: string;
  expected?: string;
  actual?: string;
  stack?: string;
  /** Where the test is declared (one-based), when the framework says. */
  declaredAt?: { line: number; column: number };
  /** Where it failed: the innermost stack frame in the test file, else in the package's own code (one-based). */
  failedAt?: { file: string; line: number; column: number };
}

/** A failure of a whole file or run rather than one test. */
export interface RunProblem {
  file?: string;
  message: string;
}

/** How one child process ended. */
export interface ProcessEnd {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The output exceeded the limit and only its tail was kept. */
  outputTruncated: boolean;
  durationMs: number;
  /** The last part of stdout and stderr, for a person to read when something went wrong. */
  outputTail: string;
}

/** The result of running one or more plans. */
export interface RunOutcome {
  results: TestOutcome[];
  problems: RunProblem[];
  processes: (ProcessEnd & { framework: FrameworkName; packageDir: string; command: string[] })[];
  startedAt: string;
  durationMs: number;
  /** True when any process was killed for the timeout. */
  timedOut: boolean;
  cancelled: boolean;
  /** What each process measured, when coverage was asked for (`RunOptions.coverage`). */
  coverage?: RunCoverage[];
}

export interface RunOptions {
  /** Kills the whole process tree of a run after this long. */
  timeoutMs: number;
  /** The environment of the child processes, already scrubbed of secrets. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called as each test's result arrives. */
  onResult?: (result: TestOutcome) => void;
  /** How many child processes may run at once. */
  concurrency: number;
  /** Output kept per process (the tail) beyond which the rest is dropped. */
  maxOutputBytes?: number;
  /** Measure code coverage (per test where the framework allows it; see `coverage/collect.ts`). */
  coverage?: boolean;
}

/** What a run measured of code coverage: all its lines, and per test when the framework allows it (see `coverage/collect.ts`). */
export interface RunCoverage {
  framework: FrameworkName;
  scope: 'tests' | 'run' | 'none';
  /** Every measured line of the run (all tests together). */
  lines: CoverageMap;
  /** Per test, when `scope` is `tests`: its file, full title and the lines it ran. */
  tests: { file: string; testName: string; lines: CoverageMap }[];
  note?: string;
  problems: string[];
}
