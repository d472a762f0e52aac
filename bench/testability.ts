/**
 * Testability analysis on real code installed from npm (the TypeScript sources shipped by `rxjs`
 * and `zod`), against two peers measured in the same run:
 *
 * - the floor: `ts.createSourceFile` alone, and with a full AST walk, over the same files;
 * - ESLint with `complexity`, `max-depth`, `max-params` and `sonarjs/cognitive-complexity`
 *   (typescript-eslint's parser) over the same files;
 *
 * and the latency from `didChange` to diagnostics on a 3,000-line file through the real server:
 * pulled (`textDocument/diagnostic` right after the change: the work itself) and pushed (includes
 * the server's per-file debounce).
 *
 * Runs standalone too: `node out/bench/testability.js`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { LspClient, uriOf } from '../server/src/cli/lspClient';
import type { ServerContext } from '../server/src/context';
import { findingsFor, findingToDiagnostic } from '../server/src/features/testability';
import { analyzeTestability, testabilitySettingsDefaults } from '../server/src/testability';
import { TestReferenceIndex } from '../server/src/testability/testIndex';
import { defaultSettings } from '../server/src/workspace/config';
import { percentile, printRows, type BenchRow } from './types';

const repoRoot = path.resolve(__dirname, '..', '..');
const runs = 7;
const latencySamples = 60;

function listSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name) && !/\.(test|spec)\.ts$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function corpus(): { path: string; text: string }[] {
  const roots = [path.join(repoRoot, 'node_modules', 'rxjs', 'src'), path.join(repoRoot, 'node_modules', 'zod', 'src')];
  return roots.flatMap(listSources).map((file) => ({ path: file, text: fs.readFileSync(file, 'utf8') }));
}

function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * Times several pieces of work in interleaved rounds (one warm-up round first), so that a busy
 * machine slows every piece alike; returns the best and the median time of each.
 */
function timeInterleaved(works: (() => void)[]): { best: number; median: number }[] {
  for (const work of works) work();
  const times: number[][] = works.map(() => []);
  for (let round = 0; round < runs; round++) {
    works.forEach((work, index) => {
      const started = performance.now();
      work();
      times[index].push(performance.now() - started);
    });
  }
  return times.map((list) => ({ best: Math.min(...list), median: median(list) }));
}

async function timeEslint(files: string[]): Promise<{ ms: number; rules: string[]; reports: number; byRule: Map<string, number> } | undefined> {
  let eslintModule: typeof import('eslint');
  let parser: unknown;
  try {
    eslintModule = require('eslint') as typeof import('eslint');
    parser = (require('typescript-eslint') as { parser: unknown }).parser;
  } catch {
    return undefined;
  }
  const rules: Record<string, unknown> = { complexity: ['warn', 10], 'max-depth': ['warn', 4], 'max-params': ['warn', 4] };
  const plugins: Record<string, unknown> = {};
  try {
    const sonar = require('eslint-plugin-sonarjs') as { default?: unknown };
    plugins.sonarjs = sonar.default ?? sonar;
    rules['sonarjs/cognitive-complexity'] = ['warn', 15];
  } catch {
    // The plugin did not install: the comparison runs with the core rules only.
  }
  const eslint = new eslintModule.ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      { ignores: ['!**/node_modules/', '!**/node_modules/**'] },
      { files: ['**/*.ts'], languageOptions: { parser: parser as never }, plugins: plugins as never, rules: rules as never },
    ],
  });
  await eslint.lintFiles(files.slice(0, 3));
  const started = performance.now();
  const results = await eslint.lintFiles(files);
  const ms = performance.now() - started;
  const skipped = results.filter((result) => result.messages.some((message) => message.ruleId === null && /ignored/i.test(message.message)));
  if (skipped.length > 0) throw new Error(`ESLint did not lint ${skipped.length} files: ${skipped[0].messages[0].message}`);
  const reports = results.reduce((sum, result) => sum + result.messages.length, 0);
  const byRule = new Map<string, number>();
  for (const result of results) for (const message of result.messages) if (message.ruleId) byRule.set(message.ruleId, (byRule.get(message.ruleId) ?? 0) + 1);
  return { ms, rules: Object.keys(rules), reports, byRule };
}

/** A 3,000-line TypeScript file made of real rxjs sources. */
function bigFile(files: { text: string }[]): string {
  const lines: string[] = [];
  for (const file of files) {
    if (lines.length >= 3000) break;
    lines.push(...file.text.split('\n'));
  }
  return lines.slice(0, 3000).join('\n');
}

async function latency(text: string): Promise<{ pull: number[]; push: number[]; inProcess: number[]; feature: number[] }> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-testability-')));
  const file = path.join(root, 'big.ts');
  fs.writeFileSync(file, text);
  const serverBin = path.join(repoRoot, 'server', 'bin', 'tandem-ls.js');
  const result = { pull: [] as number[], push: [] as number[], inProcess: [] as number[], feature: [] as number[] };
  for (const mode of ['pull', 'push'] as const) {
    const client = new LspClient(serverBin, ['--stdio']);
    try {
      const indexed = client.waitFor((m) => m.method === 'window/logMessage' && /^Indexed \d+ files/.test(m.params.message), 'the first index', 30000);
      await client.request('initialize', {
        processId: process.pid,
        rootUri: uriOf(root),
        workspaceFolders: [{ uri: uriOf(root), name: 'bench' }],
        capabilities: { textDocument: mode === 'pull' ? { diagnostic: {}, publishDiagnostics: {} } : { publishDiagnostics: {} } },
      });
      client.notify('initialized', {});
      await indexed;
      client.open(file, text);
      let version = 1;
      let current = text;
      for (let i = 0; i < latencySamples; i++) {
        // A keystroke: one digit changes, so the text differs and no cache can answer.
        current = current.replace(/\/\/ bench \d+\n|$/, `// bench ${i}\n`);
        version++;
        if (mode === 'pull') {
          const started = performance.now();
          client.change(file, current, version);
          await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(file) } }, 10000);
          if (i >= 5) result.pull.push(performance.now() - started);
        } else {
          const started = performance.now();
          const published = client.waitFor((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uriOf(file), 'diagnostics', 10000);
          client.change(file, current, version);
          await published;
          if (i >= 5) result.push.push(performance.now() - started);
        }
      }
    } finally {
      await client.shutdown();
    }
  }
  const ts = require('typescript') as typeof TS;
  let current = text;
  for (let i = 0; i < latencySamples; i++) {
    current = current.replace(/\/\/ bench \d+\n|$/, `// bench ${i}\n`);
    const started = performance.now();
    analyzeTestability({ path: file, text: current, settings: testabilitySettingsDefaults, ts });
    if (i >= 5) result.inProcess.push(performance.now() - started);
  }
  // The server's own path for this area: cached walk, incremental re-parse from the previous tree.
  const settings = { ...defaultSettings(), testability: testabilitySettingsDefaults };
  const ctx = { settings: () => settings, roleOf: () => 'source', graph: { traceAt: () => ({ requirements: [] }) } } as unknown as ServerContext;
  current = text;
  findingsFor(ctx, file, current);
  for (let i = 0; i < latencySamples; i++) {
    current = current.replace(/\/\/ bench \d+\n|$/, `// bench ${i}\n`);
    const started = performance.now();
    findingsFor(ctx, file, current)!.findings.map((finding) => findingToDiagnostic(finding));
    if (i >= 5) result.feature.push(performance.now() - started);
  }
  fs.rmSync(root, { recursive: true, force: true });
  return result;
}

/**
 * The index behind the workspace rules on a generated workspace: 3,000 source modules behind one
 * barrel, 3,000 tests (one in ten importing the barrel): the cold index, then one test edited.
 */
function indexScale(): { coldMs: number; editMs: number; factsMs: number } {
  const index = new TestReferenceIndex();
  const count = 3000;
  const started = performance.now();
  let barrel = '';
  for (let i = 0; i < count; i++) barrel += `export * from './m${i}';\n`;
  index.setSourceFile('/bench/src/index.ts', barrel);
  for (let i = 0; i < count; i++) {
    index.setSourceFile(`/bench/src/m${i}.ts`, `export function f${i}() {}\n`);
    const target = i % 10 === 0 ? '../src' : `../src/m${i}`;
    index.setTestFile(`/bench/test/m${i}.test.ts`, `import { f${i} } from '${target}';\nimport { f${(i * 7) % count} } from '../src/m${(i * 7) % count}';\nit('works', () => f${i}());\n`);
  }
  const coldMs = performance.now() - started;
  const queried = performance.now();
  for (let i = 0; i < count; i++) index.factsFor(`/bench/src/m${i}.ts`, new Map(), [`f${i}`]);
  const factsMs = (performance.now() - queried) / count;
  const edited = performance.now();
  index.setTestFile('/bench/test/m5.test.ts', "import { f9 } from '../src/m9';\nit('works', () => f9());\n");
  index.factsFor('/bench/src/m9.ts', new Map(), ['f9']);
  return { coldMs, editMs: performance.now() - edited, factsMs };
}

export async function benchTestability(): Promise<BenchRow[]> {
  const ts = require('typescript') as typeof TS;
  const files = corpus();
  if (files.length === 0) throw new Error('no corpus: rxjs and zod sources are not installed under node_modules');
  const lines = files.reduce((sum, file) => sum + file.text.split('\n').length, 0);
  const settings = testabilitySettingsDefaults;
  let findings = 0;
  const byCode = new Map<string, number>();

  let nodes = 0;
  const walk = (node: TS.Node): void => {
    nodes++;
    ts.forEachChild(node, walk);
  };
  const [parse, floor, analysis] = timeInterleaved([
    () => {
      for (const file of files) ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    },
    () => {
      nodes = 0;
      for (const file of files) walk(ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
    },
    () => {
      findings = 0;
      byCode.clear();
      for (const file of files) {
        const found = analyzeTestability({ path: file.path, text: file.text, settings, ts });
        findings += found.length;
        for (const finding of found) byCode.set(finding.code, (byCode.get(finding.code) ?? 0) + 1);
      }
    },
  ]);
  const analysisMs = analysis.best;
  const scale = indexScale();
  const eslint = await timeEslint(files.map((file) => file.path));
  const big = bigFile(files);
  const measured = await latency(big);

  const rows: BenchRow[] = [
    { name: 'corpus', value: files.length, unit: 'files', note: `${lines} lines of rxjs and zod TypeScript sources, ${nodes} AST nodes` },
    { name: 'parse only (ts.createSourceFile)', value: parse.best, unit: 'ms', note: `best of ${runs} interleaved rounds (median ${parse.median.toFixed(1)})` },
    { name: 'parse + full AST walk (floor)', value: floor.best, unit: 'ms', note: `best of ${runs} (median ${floor.median.toFixed(1)})` },
    { name: 'testability analysis, all rules', value: analysis.best, unit: 'ms', note: `best of ${runs} (median ${analysis.median.toFixed(1)}); ${findings} findings` },
    { name: 'analysis / parse-and-walk floor', value: analysis.best / floor.best, unit: '×', note: `target ≤ 1.5 (medians: ${(analysis.median / floor.median).toFixed(2)})` },
  ];
  if (eslint) {
    rows.push(
      { name: `ESLint (${eslint.rules.join(', ')})`, value: eslint.ms, unit: 'ms', note: `typescript-eslint parser, one warm run; ${eslint.reports} reports` },
      { name: 'ESLint / testability analysis', value: eslint.ms / analysisMs, unit: '×', note: 'how many times faster; target ≥ 5' },
      {
        name: 'functions over cognitive complexity 15',
        value: byCode.get('cognitive-complexity') ?? 0,
        unit: '',
        note: `sonarjs/cognitive-complexity reports ${eslint.byRule.get('sonarjs/cognitive-complexity') ?? 'n/a'} on the same files`,
      },
      {
        name: 'functions over cyclomatic complexity 10',
        value: byCode.get('cyclomatic-complexity') ?? 0,
        unit: '',
        note: `ESLint complexity reports ${eslint.byRule.get('complexity') ?? 'n/a'} (it also counts class field initializers)`,
      },
      { name: 'blocks nested deeper than 4', value: byCode.get('nesting-depth') ?? 0, unit: '', note: `ESLint max-depth reports ${eslint.byRule.get('max-depth') ?? 'n/a'} (every too-deep block; ours: the first per function)` },
      { name: 'functions with more than 4 parameters', value: byCode.get('parameter-count') ?? 0, unit: '', note: `ESLint max-params reports ${eslint.byRule.get('max-params') ?? 'n/a'} (it also counts overload signatures and \`this\`)` },
    );
  } else {
    rows.push({ name: 'ESLint', value: NaN, unit: '', note: 'not installed: no comparison' });
  }
  rows.push(
    { name: 'test index: cold, 3,000 sources + 3,000 tests', value: scale.coldMs, unit: 'ms', note: 'imports, re-exports and names of every file; one barrel re-exports all sources' },
    { name: 'test index: facts of one source file', value: scale.factsMs, unit: 'ms', note: 'what tests use of it, averaged over all 3,000' },
    { name: 'test index: one test edited, then facts', value: scale.editMs, unit: 'ms', note: 'incremental: only that test is re-read' },
    { name: 'didChange → pulled diagnostics, 3,000 lines, p50', value: percentile(measured.pull, 50), unit: 'ms', note: `real server over stdio, ${measured.pull.length} edits` },
    { name: 'didChange → pulled diagnostics, 3,000 lines, p95', value: percentile(measured.pull, 95), unit: 'ms', note: 'target ≤ 50' },
    { name: 'didChange → pushed diagnostics, 3,000 lines, p95', value: percentile(measured.push, 95), unit: 'ms', note: 'includes the server\u2019s per-file debounce' },
    { name: 'fresh analysis of the 3,000-line file, p95', value: percentile(measured.inProcess, 95), unit: 'ms', note: 'in process: full parse and walk per edit' },
    { name: 'this area\u2019s share of an edit, 3,000 lines, p95', value: percentile(measured.feature, 95), unit: 'ms', note: 'in process: incremental re-parse, walk, diagnostics' },
  );
  return rows;
}

if (require.main === module) {
  benchTestability().then(
    (rows) => printRows('Testability analysis (TypeScript sources installed from npm)', rows),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
