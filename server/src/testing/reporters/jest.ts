/**
 * A jest reporter that sends each test's outcome to Tandem's result channel, one file at a time as
 * jest finishes it. Jest loads it with `--reporters=<this file>` in its main process; the tests run
 * in workers, so a crashed worker shows up here as a file whose execution failed.
 */
import { describeValue, sendToRunner } from './channel';

interface JestAssertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  duration?: number | null;
  failureMessages?: string[];
  failureDetails?: any[];
  location?: { line: number; column: number } | null;
}

interface JestFileResult {
  testFilePath: string;
  testResults: JestAssertion[];
  testExecError?: { message?: string; stack?: string };
  failureMessage?: string | null;
}

const outcomeOf: Record<string, 'passed' | 'failed' | 'skipped'> = {
  passed: 'passed',
  failed: 'failed',
  pending: 'skipped',
  skipped: 'skipped',
  todo: 'skipped',
  disabled: 'skipped',
  focused: 'passed',
};

/** Jest's failure messages carry ANSI colour; the message shown in an editor must not. */
function plain(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

class TandemJestReporter {
  onTestResult(_test: unknown, result: JestFileResult): void {
    for (const assertion of result.testResults) {
      const failure = assertion.failureDetails?.[0];
      const matcher = failure?.matcherResult;
      const raw = assertion.failureMessages?.[0];
      const stack = raw ? plain(raw) : undefined;
      const message = matcher?.message ? plain(String(matcher.message)) : failure?.message ? plain(String(failure.message)) : stack?.split('\n    at ')[0];
      sendToRunner({
        type: 'result',
        file: result.testFilePath,
        titles: [...assertion.ancestorTitles, assertion.title],
        outcome: outcomeOf[assertion.status] ?? 'errored',
        durationMs: assertion.duration ?? undefined,
        message: assertion.status === 'failed' ? message : undefined,
        expected: matcher && 'expected' in matcher ? describeValue(matcher.expected) : undefined,
        actual: matcher && 'actual' in matcher ? describeValue(matcher.actual) : undefined,
        stack,
        line: assertion.location?.line,
        column: assertion.location ? assertion.location.column + 1 : undefined,
      });
    }
    if (result.testExecError) {
      sendToRunner({
        type: 'fileError',
        file: result.testFilePath,
        message: plain(result.testExecError.message ?? result.failureMessage ?? 'the test file failed to run'),
        stack: result.testExecError.stack ? plain(result.testExecError.stack) : undefined,
      });
    }
  }
}

export = TandemJestReporter;
