/**
 * Where generated tests run: mocha and `node:test` in runner.ts, under Node's permission model when
 * `sandbox` is on; jest and vitest through the workspace's test runner (server/src/testing/),
 * exactly the way the project's own tests run from the editor, with the framework generation told
 * the model to use. Both start the tests through the launcher of testing/env.ts with the scrubbed
 * environment.
 */
import type { TestFilesRunner, TestFramework, TestRunResult, TestVerdict } from './model';
import { runTestFiles as runWithOwnRunner } from './runner';

const frameworkNames: Record<TestFramework, 'mocha' | 'node' | 'jest' | 'vitest'> = { mocha: 'mocha', 'node:test': 'node', jest: 'jest', vitest: 'vitest' };

type TestingModule = typeof import('../testing/index');

function loadTesting(): TestingModule | undefined {
  try {
    return require('../testing/index') as TestingModule;
  } catch {
    return undefined;
  }
}

export const workspaceTestRunner: TestFilesRunner = async (input) => {
  // mocha and node:test run in the runner that puts them under Node's permission model.
  if (input.framework === 'mocha' || input.framework === 'node:test') return runWithOwnRunner({ ...input, resolvePaths: [input.workspace] });
  const testing = loadTesting();
  if (!testing || typeof testing.runTestFiles !== 'function') return { verdicts: [], error: `running ${input.framework} tests needs the workspace's test runner, which is not available` };
  const outcome = await testing.runTestFiles(input.dir, input.files, {
    timeoutMs: input.timeoutMs,
    env: input.env,
    secretEnvNames: [],
    signal: input.signal,
    framework: frameworkNames[input.framework],
  });
  const verdicts: TestVerdict[] = outcome.results.map((result) => {
    const detail = result.expected !== undefined || result.actual !== undefined ? `; expected ${result.expected}, got ${result.actual}` : '';
    return {
      path: result.file,
      fullTitle: result.testName,
      title: result.titles[result.titles.length - 1] ?? result.testName,
      outcome: result.outcome === 'errored' ? 'failed' : result.outcome,
      message: result.message ? `${result.message}${detail}`.slice(0, 1500) : undefined,
    };
  });
  const result: TestRunResult = { verdicts };
  if (outcome.cancelled) result.error = 'the test run was cancelled';
  else if (outcome.timedOut) result.error = `the test run took longer than ${input.timeoutMs} ms and was stopped`;
  else if (outcome.problems.length > 0 && verdicts.every((v) => v.outcome !== 'passed')) result.error = outcome.problems.map((p) => p.message).join('; ').slice(0, 2000);
  return result;
};
