/**
 * A mocha reporter that sends each test's outcome to Tandem's result channel. Mocha loads it by
 * path (`--reporter <this file>`) and constructs it with the runner; it prints nothing itself.
 */
import { describeValue, sendToRunner } from './channel';
import { perTestCoverage, takeCoverage } from './perTestCoverage';

interface MochaRunnable {
  title: string;
  file?: string;
  duration?: number;
  type?: string;
  parent?: MochaRunnable & { root?: boolean };
  root?: boolean;
  ctx?: { currentTest?: MochaRunnable };
}

interface MochaRunner {
  on(event: string, listener: (...args: any[]) => void): void;
}

function titlesOf(runnable: MochaRunnable): string[] {
  const titles: string[] = [];
  for (let node: MochaRunnable | undefined = runnable; node && !node.root; node = node.parent) {
    if (node.title) titles.unshift(node.title);
  }
  return titles;
}

class TandemMochaReporter {
  constructor(runner: MochaRunner) {
    if (perTestCoverage) {
      // Mocha runs tests one at a time in this process, so V8's counters between the end of one test
      // and the end of the next are that test's (its hooks included); what ran before the first
      // test (loading the files) belongs to no test.
      let first = true;
      runner.on('test', () => {
        if (first) takeCoverage();
        first = false;
      });
      runner.on('test end', (test: MochaRunnable) => takeCoverage({ file: test.file ?? '', titles: titlesOf(test) }));
    }
    runner.on('pass', (test: MochaRunnable) =>
      sendToRunner({ type: 'result', file: test.file ?? '', titles: titlesOf(test), outcome: 'passed', durationMs: test.duration }),
    );
    runner.on('pending', (test: MochaRunnable) => sendToRunner({ type: 'result', file: test.file ?? '', titles: titlesOf(test), outcome: 'skipped' }));
    runner.on('fail', (test: MochaRunnable, error: any) => {
      const message = String(error?.message ?? error);
      if (test.type === 'hook') {
        // A failing hook fails the tests it guards; mocha names the hook, so report it against its suite.
        const current = test.ctx?.currentTest;
        if (current) {
          sendToRunner({ type: 'result', file: current.file ?? test.file ?? '', titles: titlesOf(current), outcome: 'errored', message: `${test.title}: ${message}`, stack: error?.stack });
        } else {
          sendToRunner({ type: 'fileError', file: test.file, message: `${test.title}: ${message}`, stack: error?.stack });
        }
        return;
      }
      sendToRunner({
        type: 'result',
        file: test.file ?? '',
        titles: titlesOf(test),
        outcome: 'failed',
        durationMs: test.duration,
        message,
        expected: error && 'expected' in error && error.showDiff !== false ? describeValue(error.expected) : undefined,
        actual: error && 'actual' in error && error.showDiff !== false ? describeValue(error.actual) : undefined,
        stack: typeof error?.stack === 'string' ? error.stack : undefined,
      });
    });
  }
}

export = TandemMochaReporter;
