/**
 * Test-run benchmarks:
 * - the overhead Tandem puts on a test run: its wall time for one test file over the same file run
 *   with the framework's own CLI and default reporter, as a ratio (median of alternating runs);
 * - the time from saving a module to the first result of the tests it affects, through the built
 *   server over stdio with run-on-save on (its debounce included, at the default setting).
 * Runs standalone too: `node out/bench/testing.js`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectFramework, isMissing, runTestFiles, testingSettingsDefaults } from '../server/src/testing';
import { startServer, uriOf } from '../test/support/lsp';
import { copyProject, fixtureFrameworks, fixturesDir, removeProject } from '../test/testing/support';
import { percentile, printRows, type BenchRow } from './types';

/** Alternating rounds per figure; the median is reported, since the machine may be shared. */
const rounds = 9;

function median(values: number[]): number {
  return percentile(values, 50);
}

/** The framework's own command for one file, with its default reporter. */
function ownCommand(name: string, entry: string | undefined, file: string): string[] {
  switch (name) {
    case 'mocha':
      return [entry!, '--no-config', '--no-package', file];
    case 'jest':
      return [entry!, '--ci', '--watchman=false', '--runTestsByPath', file];
    case 'vitest':
      return [entry!, 'run', file];
    default:
      return ['--test', file];
  }
}

async function overheadRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const { name, package: packageName } of fixtureFrameworks) {
    if (packageName && !fs.existsSync(path.join(fixturesDir, name, 'node_modules', packageName))) {
      rows.push({ name: `${name}: overhead`, value: NaN, unit: '×', note: 'skipped: fixture not installed (node test/fixtures/testing/install.js)' });
      continue;
    }
    const root = copyProject(name);
    try {
      const detected = detectFramework(root);
      if (!detected || isMissing(detected)) throw new Error(`${name} not detected in ${root}`);
      const file = path.join(root, 'test', 'greet.test.js');
      const own: number[] = [];
      const ours: number[] = [];
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        const direct = spawnSync(process.execPath, ownCommand(name, detected.entry, file), { cwd: root, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0' } });
        own.push(performance.now() - started);
        if (direct.status !== 0) throw new Error(`${name}'s own CLI failed with ${direct.status}`);
        started = performance.now();
        const outcome = await runTestFiles(root, [file], { timeoutMs: 60000 });
        ours.push(performance.now() - started);
        if (outcome.results.length !== 1 || outcome.results[0].outcome !== 'passed') throw new Error(`${name}: unexpected outcome ${JSON.stringify(outcome.results)}`);
      }
      rows.push({ name: `${name}: overhead`, value: median(ours) / median(own), unit: '×', note: `Tandem ${Math.round(median(ours))} ms vs ${name}'s own CLI ${Math.round(median(own))} ms (median of ${rounds}; target ≤ 1.15×)` });
    } finally {
      removeProject(root);
    }
  }
  return rows;
}

async function saveToResultRow(): Promise<BenchRow> {
  const root = copyProject('node');
  const client = await startServer(root, { configuration: { testing: { runOnSave: true } } });
  try {
    const source = path.join(root, 'src', 'greet.js');
    client.open(source);
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const first = client.waitForNotification('tandem/testResults', (p) => p.kind === 'results' && p.results.length > 0, 30000);
      const finished = client.waitForNotification('tandem/testResults', (p) => p.kind === 'finished', 30000);
      const started = performance.now();
      client.notify('textDocument/didSave', { textDocument: { uri: uriOf(source) } });
      await first;
      times.push(performance.now() - started);
      await finished;
    }
    return {
      name: 'save → first affected result',
      value: median(times),
      unit: 'ms',
      note: `node:test fixture, median of ${rounds}; includes the ${testingSettingsDefaults.runOnSaveDelayMs} ms run-on-save debounce`,
    };
  } finally {
    await client.shutdown();
    removeProject(root);
  }
}

export async function benchTesting(): Promise<BenchRow[]> {
  return [...(await overheadRows()), await saveToResultRow()];
}

if (require.main === module) {
  void benchTesting().then((rows) => printRows('Test runs', rows));
}
