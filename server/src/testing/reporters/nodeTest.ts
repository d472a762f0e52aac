/**
 * A `node:test` reporter that sends each test's outcome to Tandem's result channel. Node loads it
 * with `--test-reporter=<this file>`; it consumes the event stream and yields nothing.
 *
 * Node reports a test when it ends, children before their suite, so titles are assembled bottom-up:
 * finished tests wait at their nesting level until the suite that holds them ends and prefixes its
 * name; a finished top-level item sends everything below it.
 */
import { describeValue, sendToRunner, type ChannelResult } from './channel';

interface NodeTestEvent {
  type: string;
  data: {
    name: string;
    nesting: number;
    file?: string;
    line?: number;
    column?: number;
    skip?: boolean | string;
    todo?: boolean | string;
    details?: { duration_ms?: number; type?: string; error?: any };
  };
}

type Pending = Omit<ChannelResult, 'type'>;

function failureOf(error: any): { message: string; expected?: string; actual?: string; stack?: string; timedOut: boolean; fromChildren: boolean } {
  const cause = error?.cause ?? error;
  const failureType = error?.failureType;
  const message = String(cause?.message ?? error?.message ?? 'the test failed');
  return {
    message,
    expected: cause && typeof cause === 'object' && 'expected' in cause ? describeValue(cause.expected) : undefined,
    actual: cause && typeof cause === 'object' && 'actual' in cause ? describeValue(cause.actual) : undefined,
    stack: typeof cause?.stack === 'string' ? cause.stack : undefined,
    timedOut: failureType === 'testTimeoutFailure',
    fromChildren: failureType === 'subtestsFailed',
  };
}

async function* tandemNodeTestReporter(source: AsyncIterable<NodeTestEvent>): AsyncGenerator<string> {
  const waiting: Pending[][] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const level = data.nesting;
    const children = waiting.splice(level + 1).flat();
    const isSuite = data.details?.type === 'suite' || children.length > 0;
    let own: Pending[];
    if (isSuite) {
      own = children.map((child) => ({ ...child, titles: [data.name, ...child.titles] }));
      if (event.type === 'test:fail') {
        const failure = failureOf(data.details?.error);
        if (!failure.fromChildren) {
          // The suite itself failed (a hook threw, or its file crashed): that is a failure of the file.
          sendToRunner({ type: 'fileError', file: data.file, message: `${data.name}: ${failure.message}`, stack: failure.stack });
        }
      }
    } else if (level === 0 && event.type === 'test:fail' && data.file && data.name === data.file) {
      // A test file that could not run to its end (a crash, `process.exit`) is reported under its own path.
      const failure = failureOf(data.details?.error);
      sendToRunner({ type: 'fileError', file: data.file, message: failure.message, stack: failure.stack });
      own = [];
    } else {
      const base: Pending = { file: data.file ?? '', titles: [data.name], outcome: 'passed', durationMs: data.details?.duration_ms, line: data.line, column: data.column };
      if (data.skip !== undefined && data.skip !== false) base.outcome = 'skipped';
      else if (data.todo !== undefined && data.todo !== false) base.outcome = 'skipped';
      else if (event.type === 'test:fail') {
        const { timedOut, fromChildren: _fromChildren, ...failure } = failureOf(data.details?.error);
        Object.assign(base, failure, { outcome: 'failed' });
        if (timedOut) base.message = `timed out: ${base.message}`;
      }
      own = [base];
    }
    if (level === 0) for (const result of own) sendToRunner({ type: 'result', ...result });
    else (waiting[level] ??= []).push(...own);
  }
  for (const result of waiting.flat()) sendToRunner({ type: 'result', ...result });
}

export = tandemNodeTestReporter;
