/**
 * Report files in the session: finding the configured reports on disk, reading JUnit XML reports
 * into the results (a later run of the same test wins over a report), and where a failure in a
 * report happened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadJUnitResults, walkFiles } from './junit';
import type { TestOutcome } from './model';
import { diskFingerprints } from './results';
import type { TestSession } from './session';
import { matchesAny } from '../text/glob';

const maxReportSearch = 20000;

/**
 * The files under `folder` that `globs` name, found on disk rather than in the index: reports
 * usually sit in build folders the index excludes (`build/`, `target/`). Each glob is searched
 * from its fixed leading folders only, and never inside node_modules or .git.
 */
export function findReports(folder: string, globs: readonly string[], accept: (file: string) => boolean): string[] {
  const found = new Set<string>();
  for (const glob of globs) {
    const parts = glob.replace(/\\/g, '/').replace(/^\.\//, '').split('/');
    const fixed: string[] = [];
    while (parts.length > 1 && !/[*?[{]/.test(parts[0])) fixed.push(parts.shift()!);
    const start = path.join(folder, ...fixed);
    walkFiles([start], (name) => name === 'node_modules' || name === '.git', maxReportSearch, (file) => {
      if (accept(file) && matchesAny(path.relative(folder, file).split(path.sep).join('/'), [glob])) found.add(file);
    });
  }
  return [...found].sort();
}

/** True when `file` inside `folder` matches one of `globs`. */
export function isNamedReport(folder: string | undefined, file: string, globs: readonly string[]): boolean {
  if (!folder || globs.length === 0) return false;
  return matchesAny(path.relative(folder, file).split(path.sep).join('/'), globs);
}

/**
 * Reads JUnit XML reports into the session's results. A report's results replace what it gave
 * before; a result of a later run of the same test is kept. A report older than the test file it
 * describes is stale from the start.
 */
export function loadJUnitReportsInto(session: TestSession, files: string[], where: { roots: string[]; workspaceFiles: readonly string[] }): { loaded: number; problems: string[] } {
  let loaded = 0;
  const problems: string[] = [];
  for (const report of files) {
    const read = loadJUnitResults([report], where);
    problems.push(...read.problems);
    session.forgetReport(report);
    const given: { file: string; testName: string }[] = [];
    for (const record of read.records) {
      const existing = session.store.get(record.path, record.testName);
      if (existing?.source === 'run' && existing.at > record.result.at) continue;
      let print = diskFingerprints([record.path])[record.path];
      try {
        if (fs.statSync(record.path).mtimeMs > Date.parse(record.result.at)) print = 'the test file changed after the report';
      } catch {
        // A test file that is not on disk cannot be newer than the report.
      }
      const outcome: TestOutcome = { file: record.path, titles: record.testName.split(' '), testName: record.testName, outcome: record.result.outcome };
      if (record.result.durationMs !== undefined) outcome.durationMs = record.result.durationMs;
      if (record.result.message !== undefined) outcome.message = record.result.message;
      const failedAt = outcome.outcome === 'failed' || outcome.outcome === 'errored' ? junitFailurePlace(record.result.message, record.path, where.roots) : undefined;
      if (failedAt) outcome.failedAt = failedAt;
      session.store.put({ outcome, at: record.result.at, source: 'junit', fingerprints: { [record.path]: print }, ...(record.requirements ? { requirements: record.requirements } : {}) });
      given.push({ file: record.path, testName: record.testName });
    }
    session.junit.set(report, given);
    loaded += read.records.length;
  }
  return { loaded, problems };
}

const failurePlace = /(?:^|[\s("'])((?:[\w.@-]+[\\/])*[\w.@-]+\.(?:py|go|java|kt|kts|scala|groovy|rs|rb|cs|fs|php|swift|c|cc|cpp|h|hpp|[cm]?[jt]sx?)):(\d+)(?::(\d+))?/g;

/**
 * Where a failure from a JUnit report happened: the first `file:line` in its text (pytest
 * `tests/test_x.py:31:`, Go `cart_test.go:27:`, a Java frame `(InvoiceTest.java:44)`) that names
 * the test file, else one that names another file in the workspace.
 */
export function junitFailurePlace(message: string | undefined, testFile: string, roots: string[]): TestOutcome['failedAt'] {
  if (!message) return undefined;
  let other: TestOutcome['failedAt'];
  for (const match of message.matchAll(failurePlace)) {
    const named = match[1].replace(/\\/g, '/');
    const line = Number(match[2]);
    const column = match[3] ? Number(match[3]) : 1;
    if (testFile.replace(/\\/g, '/').endsWith(`/${named}`) || path.basename(testFile) === named) return { file: testFile, line, column };
    if (!other) {
      const found = [path.dirname(testFile), ...roots].map((root) => path.resolve(root, named)).find((candidate) => fs.existsSync(candidate));
      if (found) other = { file: found, line, column };
    }
  }
  return other;
}
