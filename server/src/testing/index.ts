/**
 * Test runs as plain data: detect a package's framework, plan and run tests in child processes,
 * read JUnit XML, track the import graph and the freshness of results. The server's features and
 * the `tandem` CLI use this module; nothing here knows LSP.
 */
import * as path from 'node:path';
import type { TestResultRecord } from '../trace/model';
import { detectFramework, isMissing } from './detect';
import { readSavedResults, TestResultStore } from './results';
import type { FrameworkName, RunOutcome } from './model';
import { runTests, scrubbedEnv } from './runner';
import { savedResultsFile } from './session';

export * from './model';
export { chooseFramework, detectFramework, findPackageDir, isMissing } from './detect';
export { commandLine, escapeRegExp } from './commands';
export { runTests, scrubbedEnv, toOutcome } from './runner';
export { JUnitReader, loadJUnitResults, parseJUnitCases, parseJUnitXml, requirementPropertyNames, resolveTestFile } from './junit';
export { ImportGraph, isCodeFile, relativeSpecifiers, resolveSpecifier } from './importGraph';
export { TestResultStore, diskFingerprints, fingerprint, readSavedResults, type StoredResult } from './results';
export { failingFrame, mapThroughSourceMap, parseStack } from './stack';
export { testingSettingsDefaults, validateTestingSettings, type TestingSettings } from './settings';

export interface RunTestFilesOptions {
  /** Kills the run's whole process tree after this long (default two minutes). */
  timeoutMs?: number;
  /** Environment variable names removed from the child's environment (model API keys). */
  secretEnvNames?: readonly string[];
  /** The environment to start from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Forces a framework instead of detecting it from `dir`'s package.json. */
  framework?: FrameworkName;
  /**
   * Where to find the framework's install, for a scratch copy without node_modules: the project it
   * was copied from (default: `dir` itself). Test files that import the framework (vitest) still
   * need node_modules reachable from `dir`, e.g. a symbolic link.
   */
  resolvePaths?: string[];
  onResult?: RunOutcomeListener;
  /** Measure code coverage (see `coverage/collect.ts`). */
  coverage?: boolean;
}

type RunOutcomeListener = (result: RunOutcome['results'][number]) => void;

/**
 * Runs the given test files of the package in `dir` (a project or a scratch copy of one) with the
 * package's framework, a timeout and a scrubbed environment, and returns every test's outcome with
 * its failure message. Never rejects: a package without a framework, a missing install, a crash or
 * a timeout are reported in `problems` (and as `errored` outcomes where tests were named).
 */
export async function runTestFiles(dir: string, files: string[], options: RunTestFilesOptions = {}): Promise<RunOutcome> {
  const packageDir = path.resolve(dir);
  const detected = detectFramework(packageDir, options.framework, [packageDir, ...(options.resolvePaths ?? [])]);
  if (!detected || isMissing(detected)) {
    return {
      results: [],
      problems: [{ message: detected ? detected.problem : `no test framework found in ${packageDir} (looked at package.json scripts, config files and dependencies)` }],
      processes: [],
      startedAt: new Date().toISOString(),
      durationMs: 0,
      timedOut: false,
      cancelled: false,
    };
  }
  return runTests([{ framework: detected, files: files.map((file) => path.resolve(packageDir, file)), tests: [] }], {
    timeoutMs: options.timeoutMs ?? 120000,
    env: scrubbedEnv(options.env ?? process.env, options.secretEnvNames ?? []),
    signal: options.signal,
    onResult: options.onResult,
    concurrency: 1,
    coverage: options.coverage,
  });
}

export { savedResultsFile };

/**
 * Reads the results the server saved in each folder's `.tandem/test-results.json` (for `tandem
 * check` and `tandem trace` after tests ran in the editor). A result whose test file or imported
 * modules changed on disk since is returned stale. Missing files are not problems; unreadable ones are.
 */
export function loadSavedTestResults(folders: string[]): { records: TestResultRecord[]; problems: string[] } {
  const store = new TestResultStore();
  const problems: string[] = [];
  for (const folder of folders) {
    const file = path.join(folder, savedResultsFile);
    try {
      store.load(readSavedResults(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { records: store.records(), problems };
}
