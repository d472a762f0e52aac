/**
 * `npm run bench`: every area's benchmark in one run, each printing its figures against a peer
 * measured in the same run. An area whose benchmark fails is reported and the others still run.
 */
import { printRows, type BenchRow } from './types';

interface Area {
  title: string;
  load: () => Promise<() => Promise<BenchRow[]>>;
}

const areas: Area[] = [
  { title: 'Trace index (generated workspace: 20,000 requirements in 40 files, 40,000 tags in 2,000 files)', load: async () => (await import('./trace.js')).benchTrace },
  { title: 'Audit reports (the trace workspace: HTML, ReqIF)', load: async () => (await import('./report.js')).benchReport },
  { title: 'Testability analysis (TypeScript sources installed from npm)', load: async () => (await import('./testability.js')).benchTestability },
  { title: 'Testability precision on real packages (labelled random sample)', load: async () => (await import('./precision.js')).benchPrecision },
  { title: 'Testability fixes applied on real packages (type-checked before and after)', load: async () => (await import('./fix-harness.js')).benchFixHarness },
  { title: 'Test runs', load: async () => (await import('./testing.js')).benchTesting },
  { title: 'Coverage evidence (fixture runs per framework; a 10 MB LCOV joined to the trace workspace)', load: async () => (await import('./coverage.js')).benchCoverage },
  { title: 'Hostile files (duplicate IDs, a minified bundle) against the keystroke budget', load: async () => (await import('./hostile.js')).benchHostile },
  { title: 'Minified and generated files recognised (installed packages, labelled sample)', load: async () => (await import('./generated.js')).benchGenerated },
  { title: 'The wire (frame guard, large documents)', load: async () => (await import('./wire.js')).benchWire },
  { title: 'Generation loop', load: async () => (await import('./generation.js')).benchGeneration },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  let failed = 0;
  for (const area of areas) {
    if (only.length > 0 && !only.some((word) => area.title.toLowerCase().includes(word.toLowerCase()))) continue;
    try {
      const run = await area.load();
      printRows(area.title, await run());
    } catch (error) {
      failed++;
      process.stdout.write(`\n${area.title}\n  failed: ${(error as Error).stack ?? error}\n`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
