/**
 * Per-test coverage inside a framework's process: when the runner asks for it
 * (`TANDEM_COVERAGE_PER_TEST=1` with `NODE_V8_COVERAGE` set), V8's counters are written out and
 * reset when a test starts (what ran before belongs to no test) and again when it ends; the files
 * written at the end belong to that test and are moved aside and named on the result channel.
 * Node built-ins only: this runs inside the test framework.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

const dir = process.env.NODE_V8_COVERAGE;
export const perTestCoverage = !!dir && process.env.TANDEM_COVERAGE_PER_TEST === '1';
let sequence = 0;

/** Writes the coverage since the last call and returns the files written (moved into `tests/`). */
export function takeCoverage(keepFor: 'test' | 'between'): string[] {
  if (!perTestCoverage || !dir) return [];
  try {
    const before = new Set(fs.readdirSync(dir));
    v8.takeCoverage();
    const written = fs.readdirSync(dir).filter((name) => !before.has(name) && name.endsWith('.json'));
    if (keepFor === 'between') return [];
    const testsDir = path.join(dir, 'tests');
    fs.mkdirSync(testsDir, { recursive: true });
    return written.map((name) => {
      const target = path.join(testsDir, `${process.pid}-${++sequence}.json`);
      fs.renameSync(path.join(dir, name), target);
      return target;
    });
  } catch {
    return [];
  }
}
