/**
 * A vitest reporter that sends each test's outcome to Tandem's result channel as vitest finishes
 * it, and at the end of the run the tests it never ran (skipped) and the files that failed to load.
 * Vitest imports it by path (`--reporter=<this file>`) as an ES module; it prints nothing itself.
 */
import * as fs from 'node:fs';

const resultChannelFd = 3;
let channelOpen = true;

function send(message: object): void {
  if (!channelOpen) return;
  try {
    fs.writeSync(resultChannelFd, `${JSON.stringify(message)}\n`);
  } catch {
    channelOpen = false;
  }
}

function describeValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function titlesOf(testCase: any): string[] {
  const titles: string[] = [testCase.name];
  for (let node = testCase.parent; node && node.type === 'suite'; node = node.parent) titles.unshift(node.name);
  return titles;
}

const outcomeOf: Record<string, string> = { passed: 'passed', failed: 'failed', skipped: 'skipped', pending: 'skipped' };

class TandemVitestReporter {
  private readonly sent = new Set<string>();

  onTestCaseResult(testCase: any): void {
    this.sendCase(testCase);
  }

  onTestRunEnd(testModules: readonly any[], unhandledErrors: readonly any[]): void {
    for (const testModule of testModules) {
      for (const testCase of testModule.children.allTests()) this.sendCase(testCase);
      for (const error of testModule.errors?.() ?? []) {
        send({ type: 'fileError', file: testModule.moduleId, message: String(error?.message ?? error), stack: error?.stack });
      }
    }
    for (const error of unhandledErrors) send({ type: 'fileError', message: String(error?.message ?? error), stack: error?.stack });
  }

  private sendCase(testCase: any): void {
    if (this.sent.has(testCase.id)) return;
    const result = testCase.result();
    if (!result || result.state === 'pending' || result.state === 'queued') {
      if (!testCase.module?.state || testCase.module.state() !== 'skipped') return;
    }
    this.sent.add(testCase.id);
    const error = result?.errors?.[0];
    send({
      type: 'result',
      file: testCase.module.moduleId,
      titles: titlesOf(testCase),
      outcome: outcomeOf[result?.state] ?? 'skipped',
      durationMs: testCase.diagnostic?.()?.duration,
      message: error ? String(error.message) : undefined,
      expected: error && 'expected' in error ? (typeof error.expected === 'string' ? error.expected : describeValue(error.expected)) : undefined,
      actual: error && 'actual' in error ? (typeof error.actual === 'string' ? error.actual : describeValue(error.actual)) : undefined,
      stack: typeof error?.stack === 'string' ? error.stack : undefined,
      line: testCase.location?.line,
      column: testCase.location?.column,
    });
  }
}
export = TandemVitestReporter;
