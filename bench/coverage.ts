/**
 * Coverage-evidence benchmarks:
 * - the overhead of measuring coverage on Tandem's run of each framework: the same run of the
 *   same fixture (test/fixtures/coverage) with `testing.coverage` on over off, as a ratio of
 *   medians of alternating runs (target ≤ 1.3×);
 * - the cost of joining a 10 MB LCOV file to the trace benchmark's workspace (20,000
 *   requirements, 1,000 source files): reading and resolving the report, then every
 *   requirement's `codeCoverage` (target ≤ 300 ms).
 * Runs standalone too: `node out/bench/coverage.js`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToUri } from '../server/src/lsp/uri';
import { detectFramework, isMissing, runTestFiles } from '../server/src/testing';
import { CoverageJoin, CoverageStore, loadCoverageReports } from '../server/src/testing/coverage';
import { Workspace } from '../server/src/workspace/workspace';
import { copyRunFixture, frameworkOf } from '../test/testing/coverageSupport';
import { fixturesDir, removeProject } from '../test/testing/support';
import { generateTraceCorpus } from './trace-corpus';
import { percentile, type BenchRow } from './types';

const rounds = 7;
const median = (values: number[]) => percentile(values, 50);

/**
 * The framework's own command line for one file, without and with its own coverage (V8's
 * environment variable for mocha and node:test, the V8 provider for jest and vitest): the floor
 * under any tool that measures coverage through the same machinery.
 */
function ownCommand(framework: string, entry: string | undefined, file: string, coverageDir: string | undefined): { argv: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  switch (framework) {
    case 'mocha':
      if (coverageDir) env.NODE_V8_COVERAGE = coverageDir;
      return { argv: [entry!, '--no-config', '--no-package', file], env };
    case 'jest':
      return { argv: [entry!, '--ci', '--watchman=false', ...(coverageDir ? ['--coverage', '--coverageProvider=v8', '--coverageReporters=lcovonly', `--coverageDirectory=${coverageDir}`] : []), '--runTestsByPath', file], env };
    case 'vitest':
      return { argv: [entry!, 'run', ...(coverageDir ? ['--coverage.enabled=true', '--coverage.provider=v8', '--coverage.reporter=lcovonly', `--coverage.reportsDirectory=${coverageDir}`] : []), file], env };
    default:
      if (coverageDir) env.NODE_V8_COVERAGE = coverageDir;
      return { argv: ['--test', file], env };
  }
}

function floorRatio(framework: string, root: string, file: string): { ratio: number; plainMs: number; coverageMs: number } {
  const detected = detectFramework(root);
  if (!detected || isMissing(detected)) throw new Error(`${framework} not detected in ${root}`);
  const plain: number[] = [];
  const measured: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const withCoverage of [false, true]) {
      const coverageDir = withCoverage ? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-own-coverage-')) : undefined;
      const { argv, env } = ownCommand(framework, detected.entry, file, coverageDir);
      const started = performance.now();
      spawnSync(process.execPath, argv, { cwd: root, stdio: 'ignore', env });
      (withCoverage ? measured : plain).push(performance.now() - started);
      if (coverageDir) fs.rmSync(coverageDir, { recursive: true, force: true });
    }
  }
  return { ratio: median(measured) / median(plain), plainMs: median(plain), coverageMs: median(measured) };
}

async function overheadRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of ['mocha-js', 'mocha-ts', 'node-js', 'jest-js', 'vitest-js']) {
    const [framework, language] = name.split('-');
    const needed = frameworkOf[framework];
    if (needed.package && !fs.existsSync(path.join(fixturesDir, needed.fixture, 'node_modules', needed.package))) {
      rows.push({ name: `${name}: coverage overhead`, value: NaN, unit: '×', note: 'skipped: fixture not installed (node test/fixtures/testing/install.js)' });
      continue;
    }
    const root = copyRunFixture(name);
    try {
      const file = path.join(root, ...(language === 'ts' && framework !== 'vitest' ? ['out', 'test', 'pricing.test.js'] : ['test', `pricing.test.${language}`]));
      const plain: number[] = [];
      const measured: number[] = [];
      let scope = '';
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        const without = await runTestFiles(root, [file], { timeoutMs: 60000 });
        plain.push(performance.now() - started);
        started = performance.now();
        const withCoverage = await runTestFiles(root, [file], { timeoutMs: 60000, coverage: true });
        measured.push(performance.now() - started);
        scope = withCoverage.coverage?.[0]?.scope ?? 'none';
        if (without.results.length === 0 || withCoverage.results.length !== without.results.length || scope === 'none') {
          throw new Error(`${name}: unexpected run ${JSON.stringify({ without: without.problems, with: withCoverage.problems, coverage: withCoverage.coverage })}`);
        }
      }
      rows.push({
        name: `${name}: coverage overhead`,
        value: median(measured) / median(plain),
        unit: '×',
        note: `with coverage (scope ${scope}) ${Math.round(median(measured))} ms vs without ${Math.round(median(plain))} ms (median of ${rounds}; target ≤ 1.3×)`,
      });
      if (language === 'js') {
        const floor = floorRatio(framework, root, file);
        rows.push({
          name: `${name}: the framework's own coverage`,
          value: floor.ratio,
          unit: '×',
          note: `its own CLI with ${framework === 'jest' || framework === 'vitest' ? 'its V8 provider' : 'NODE_V8_COVERAGE'} ${Math.round(floor.coverageMs)} ms vs without ${Math.round(floor.plainMs)} ms: the floor under the row above`,
        });
      }
    } finally {
      removeProject(root);
    }
  }
  return rows;
}

/** An LCOV file in c8's shape (FN, FNDA, DA, BRDA, totals) for every source and test file of the corpus, repeated until it is `minBytes` long. */
function writeLcov(file: string, sources: string[], minBytes: number): number {
  const records: string[] = [];
  let bytes = 0;
  let copy = 0;
  while (bytes < minBytes) {
    for (const source of sources) {
      const lines = fs.readFileSync(source, 'utf8').split('\n');
      // Later copies name the files as another machine's checkout did, so resolution by tail is timed too.
      const name = copy === 0 ? source : `/ci/build-${copy}/${path.relative(path.dirname(path.dirname(source)), source)}`;
      const parts = ['TN:', `SF:${name}`];
      lines.forEach((text, index) => {
        if (/function (\w+)/.test(text)) parts.push(`FN:${index + 1},${/function (\w+)/.exec(text)![1]}`, `FNDA:${index % 3},${/function (\w+)/.exec(text)![1]}`);
      });
      let hit = 0;
      lines.forEach((text, index) => {
        if (!text.trim() || /^\s*(\/\/|\*|\/\*\*)/.test(text)) return;
        const count = index % 7 === 0 ? 0 : (index % 5) + 1;
        if (count > 0) hit++;
        parts.push(`DA:${index + 1},${count}`);
        if (/assert|return/.test(text)) parts.push(`BRDA:${index + 1},0,0,${count}`, `BRDA:${index + 1},0,1,${count > 2 ? 1 : 0}`);
      });
      parts.push(`LF:${lines.length}`, `LH:${hit}`, 'end_of_record');
      const record = parts.join('\n') + '\n';
      records.push(record);
      bytes += Buffer.byteLength(record);
      if (bytes >= minBytes) break;
    }
    copy++;
  }
  fs.writeFileSync(file, records.join(''));
  return bytes;
}

async function joinRows(): Promise<BenchRow[]> {
  const dir = path.join(os.tmpdir(), 'tandem-bench-coverage');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  try {
    const corpus = generateTraceCorpus(dir);
    const lcov = path.join(os.tmpdir(), 'tandem-bench-coverage.lcov.info');
    const bytes = writeLcov(lcov, corpus.files.filter((file) => file.endsWith('.ts')), 10 * 1024 * 1024);
    const workspace = new Workspace({ toUri: pathToUri, log: () => undefined });
    workspace.setFolders([fs.realpathSync(dir)]);
    await workspace.fullIndex();
    const bare: number[] = [];
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      workspace.graph.requirements({});
      bare.push(performance.now() - started);
    }
    const loads: number[] = [];
    const joins: number[] = [];
    let measuredIds = 0;
    for (let round = 0; round < 5; round++) {
      const store = new CoverageStore();
      const started = performance.now();
      const loaded = loadCoverageReports(store, [lcov], { roots: [fs.realpathSync(dir)], workspaceFiles: workspace.files() });
      const read = performance.now();
      workspace.graph.setOptions({ codeCoverage: new CoverageJoin(store, pathToUri).hook });
      const summaries = workspace.graph.requirements({});
      const joined = performance.now();
      loads.push(read - started);
      joins.push(joined - read);
      measuredIds = summaries.filter((summary) => summary.codeCoverage).length;
      if (loaded.problems.length > 0 || measuredIds === 0) throw new Error(`the join measured nothing: ${loaded.problems.join('; ')}`);
    }
    fs.rmSync(lcov, { force: true });
    const total = median(loads) + median(joins);
    return [
      { name: 'read and resolve a 10 MB LCOV', value: median(loads), unit: 'ms', note: `${(bytes / 1024 / 1024).toFixed(1)} MB, median of 5` },
      { name: 'join to 20,000 requirements', value: median(joins), unit: 'ms', note: `every requirement's summary with its codeCoverage (${measuredIds} measured), median of 5; the summaries alone take ${median(bare).toFixed(0)} ms` },
      { name: 'LCOV join, read to answer', value: total, unit: 'ms', note: 'target ≤ 300 ms' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCoverage(): Promise<BenchRow[]> {
  return [...(await joinRows()), ...(await overheadRows())];
}

if (require.main === module) {
  void benchCoverage().then((rows) => {
    for (const row of rows) process.stdout.write(`${row.name}: ${row.value.toFixed(2)} ${row.unit} ${row.note ?? ''}\n`);
  });
}
