/**
 * Coverage on Tandem's own test runs, per framework:
 * - mocha: Node's V8 coverage, per test — the reporter writes V8's counters out when each test
 *   starts and ends (mocha runs tests one at a time in one process), so each test's lines are its own;
 * - `node:test`: Node's V8 coverage, per test — a module preloaded into each test file's process
 *   (`reporters/nodeTestCoverage.ts`) writes V8's counters out around each test from root hooks;
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
  /** Reads what the run measured. */
  collect(): RunCoverage;
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

/** The tests measured one by one: the `.meta` files the framework's process wrote beside their coverage. */
function perTestEntries(testsDir: string): { file: string; titles: string[]; coverageFiles: string[] }[] {
  let names: string[];
  try {
    names = fs.readdirSync(testsDir).filter((name) => name.endsWith('.meta'));
  } catch {
    return [];
  }
  const entries: { file: string; titles: string[]; coverageFiles: string[] }[] = [];
  for (const name of names) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(testsDir, name), 'utf8')) as { file?: unknown; titles?: unknown; coverageFiles?: unknown };
      if (typeof meta.file !== 'string' || !Array.isArray(meta.titles) || !Array.isArray(meta.coverageFiles)) continue;
      // Only files inside this run's own folder are read.
      const files = meta.coverageFiles.map(String).filter((file) => path.dirname(path.resolve(file)) === testsDir);
      entries.push({ file: meta.file, titles: meta.titles.map(String), coverageFiles: files });
    } catch {
      // A test whose record is unreadable counts for the run only.
    }
  }
  return entries;
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
      return {
        env: { NODE_V8_COVERAGE: dir, TANDEM_COVERAGE_PER_TEST: '1' },
        // node:test runs each file in its own process, without the result channel: a preload marks its tests.
        args: framework === 'node' ? ['--require', path.join(__dirname, '..', 'reporters', 'nodeTestCoverage.js')] : [],
        collect: () => {
          const texts = new TextCache();
          const reported = perTestEntries(path.join(dir, 'tests'));
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
          const scope = tests.length > 0 ? 'tests' : 'run';
          return { framework, scope, lines, tests, problems };
        },
        dispose,
      };
    }
  }
}
