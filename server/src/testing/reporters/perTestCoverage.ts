/**
 * Per-test coverage inside a framework's process: when the runner asks for it
 * (`TANDEM_COVERAGE_PER_TEST=1` with `NODE_V8_COVERAGE` set), V8's counters are written out and
 * reset before the first test (what ran before belongs to no test) and at the end of each test;
 * the files written at a test's end belong to that test. They are moved to `tests/` in the coverage
 * folder, each with a `.meta` file naming the test's file and titles, where the runner finds them
 * (a `node:test` file runs in a process that has no result channel). Node built-ins only: this
 * runs inside the test framework.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

const dir = process.env.NODE_V8_COVERAGE;
export const perTestCoverage = !!dir && process.env.TANDEM_COVERAGE_PER_TEST === '1';
let sequence = 0;

/** Writes V8's counters since the last call; for a test, keeps them as that test's. */
export function takeCoverage(test?: { file: string; titles: string[] }): void {
  if (!perTestCoverage || !dir) return;
  try {
    const before = new Set(fs.readdirSync(dir));
    v8.takeCoverage();
    const written = fs.readdirSync(dir).filter((name) => !before.has(name) && name.endsWith('.json'));
    if (!test) return;
    const testsDir = path.join(dir, 'tests');
    fs.mkdirSync(testsDir, { recursive: true });
    const base = path.join(testsDir, `${process.pid}-${++sequence}`);
    const files = written.map((name, index) => {
      const target = `${base}-${index}.json`;
      fs.renameSync(path.join(dir, name), target);
      return target;
    });
    fs.writeFileSync(`${base}.meta`, JSON.stringify({ file: test.file, titles: test.titles, coverageFiles: files }));
  } catch {
    // Coverage is evidence on top of the run; a failure to write it must not fail a test.
  }
}
