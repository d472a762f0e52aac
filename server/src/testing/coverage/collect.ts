/**
 * Coverage on Tandem's own test runs, per framework:
 * - mocha: Node's V8 coverage, per test — the reporter writes V8's counters out when each test
 *   starts and ends (mocha runs tests one at a time in one process), so each test's lines are its own;
 * - `node:test`: Node's V8 coverage of each test file's process, per run (the runner's reporter
 *   lives in another process than the tests and cannot mark where one test ends);
 * - jest: jest's own V8 provider (`--coverage --coverageProvider=v8`), per run, as LCOV;
 * - vitest: `@vitest/coverage-v8` when the package has it installed, per run, as LCOV; without
 *   it there is no coverage, and the run says so.
 * Source maps are followed to the workspace's TypeScript (V8: `source-map-cache`; jest and vitest
 * map through their own transforms).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCoverageReport, PathResolver } from './read';
import type { CoverageMap } from './model';
import { originalSourceOf, readV8Coverage, TextCache, withinPackage } from './v8';
import type { RunCoverage, RunPlan } from '../model';

export type { RunCoverage };

/** What a plan needs to be run with coverage, and how to read it afterwards. */
export interface CoverageSetup {
  env: Record<string, string>;
  args: string[];
  /** Reads what the run measured; `perTest` are the coverage files each test reported. */
  collect(perTest: { file: string; titles: string[]; coverageFiles: string[] }[]): RunCoverage;
  dispose(): void;
}

function resolvable(name: string, from: string): boolean {
  try {
    require.resolve(`${name}/package.json`, { paths: [from] });
    return true;
  } catch {
    return false;
  }
}

function jsonFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** Prepares coverage for a plan; undefined when the framework cannot measure it (the reason in `note`). */
export function coverageSetup(plan: RunPlan): CoverageSetup | { note: string } {
  const packageDir = plan.framework.packageDir;
  const framework = plan.framework.name;
  if (framework === 'vitest' && !resolvable('@vitest/coverage-v8', packageDir)) {
    return { note: 'vitest measures coverage with @vitest/coverage-v8, which this package does not have installed' };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-coverage-'));
  const keep = withinPackage(packageDir);
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  const fromReport = (scope: 'run', report: string): RunCoverage => {
    if (!fs.existsSync(report)) return { framework, scope: 'none', lines: new Map(), tests: [], note: `${framework} wrote no coverage report`, problems: [] };
    const loaded = loadCoverageReport(report, new PathResolver([packageDir], []));
    const lines: CoverageMap = new Map([...loaded.lines].filter(([file]) => keep(file)));
    return { framework, scope, lines, tests: [], problems: loaded.problems };
  };
  switch (framework) {
    case 'jest':
      return {
        env: {},
        args: ['--coverage', '--coverageProvider=v8', '--coverageReporters=lcovonly', `--coverageDirectory=${dir}`, '--coverageThreshold={}'],
        collect: () => fromReport('run', path.join(dir, 'lcov.info')),
        dispose,
      };
    case 'vitest':
      return {
        env: {},
        args: ['--coverage.enabled=true', '--coverage.provider=v8', '--coverage.reporter=lcovonly', `--coverage.reportsDirectory=${dir}`, '--coverage.reportOnFailure=true'],
        collect: () => fromReport('run', path.join(dir, 'lcov.info')),
        dispose,
      };
    default: {
      const perTest = framework === 'mocha';
      return {
        env: { NODE_V8_COVERAGE: dir, ...(perTest ? { TANDEM_COVERAGE_PER_TEST: '1' } : {}) },
        args: [],
        collect: (reported) => {
          const texts = new TextCache();
          // Each coverage file is read once: a test's files count for it and for the run.
          const tests: RunCoverage['tests'] = [];
          const problems: string[] = [];
          const lines: CoverageMap = new Map();
          const add = (from: CoverageMap) => {
            for (const [file, hits] of from) {
              const into = lines.get(file);
              if (!into) lines.set(file, new Map(hits));
              else for (const [line, count] of hits) into.set(line, (into.get(line) ?? 0) + count);
            }
          };
          for (const entry of reported) {
            const read = readV8Coverage(entry.coverageFiles, keep, texts);
            problems.push(...read.problems);
            add(read.lines);
            tests.push({ file: originalSourceOf(path.resolve(packageDir, entry.file)), testName: entry.titles.join(' '), lines: read.lines });
          }
          const rest = readV8Coverage(jsonFiles(dir), keep, texts);
          problems.push(...rest.problems);
          add(rest.lines);
          const scope = perTest && tests.length > 0 ? 'tests' : 'run';
          return { framework, scope, lines, tests, problems };
        },
        dispose,
      };
    }
  }
}
