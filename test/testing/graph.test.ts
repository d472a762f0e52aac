/**
 * The import graph (affected tests), the freshness of results, stack frames through source maps,
 * and framework detection, each on small data-driven fixtures.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImportGraph, TestResultStore, chooseFramework, diskFingerprints, failingFrame, fingerprint, loadSavedTestResults, relativeSpecifiers, savedResultsFile } from '../../server/src/testing';
import { findTests } from '../../server/src/testing/locate';
import { testingSettingsDefaults, validateTestingSettings } from '../../server/src/testing/settings';
import { writeWorkspace } from '../support/lsp';

describe('import graph', () => {
  const files: Record<string, string> = {
    'src/money.ts': `export const round = (n: number) => Math.round(n);\n`,
    'src/cart.ts': `import { round } from './money';\nexport const total = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0));\n`,
    'src/report.js': `const { total } = require('./cart.js');\nmodule.exports = () => import('./money.js');\n`,
    'src/unrelated.ts': `export const x = 1;\n`,
    'test/cart.test.ts': `import { total } from '../src/cart';\nimport assert from 'node:assert';\n`,
    'test/report.test.js': `const report = require('../src/report');\n`,
    'test/unrelated.test.ts': `import { x } from '../src/unrelated';\n`,
  };
  let root: string;
  let graph: ImportGraph;
  before(() => {
    root = writeWorkspace(files);
    graph = new ImportGraph();
    for (const [relative, text] of Object.entries(files)) graph.setFile(path.join(root, relative), text);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const rel = (list: string[]) => list.map((file) => path.relative(root, file).split(path.sep).join('/')).sort();
  const isTest = (file: string) => file.includes(`${path.sep}test${path.sep}`);

  it('finds the tests that load a changed module, directly or not', () => {
    assert.deepStrictEqual(rel(graph.affectedTests([path.join(root, 'src/money.ts')], isTest)), ['test/cart.test.ts', 'test/report.test.js']);
    assert.deepStrictEqual(rel(graph.affectedTests([path.join(root, 'src/unrelated.ts')], isTest)), ['test/unrelated.test.ts']);
    assert.deepStrictEqual(rel(graph.affectedTests([path.join(root, 'test/cart.test.ts')], isTest)), ['test/cart.test.ts']);
  });

  it('lists what a test loads, and forgets edges when a file stops importing', () => {
    assert.deepStrictEqual(rel([...graph.dependenciesOf(path.join(root, 'test/report.test.js'))]), ['src/cart.ts', 'src/money.ts', 'src/report.js']);
    graph.setFile(path.join(root, 'src/cart.ts'), 'export const total = () => 0;\n');
    assert.deepStrictEqual(rel(graph.affectedTests([path.join(root, 'src/money.ts')], isTest)), ['test/report.test.js']);
  });

  it('reads only relative specifiers', () => {
    assert.deepStrictEqual(relativeSpecifiers(`import a from 'pkg';\nimport b from "./b";\nexport * from '../c';\nconst d = require('./d');\nimport './e';\n`).sort(), ['../c', './b', './d', './e']);
  });
});

describe('result freshness', () => {
  it('is stale while the test or a module it loaded differs from when it ran, and fresh when the text comes back', () => {
    const store = new TestResultStore();
    store.put({
      outcome: { file: '/p/test/a.test.js', titles: ['a'], testName: 'a', outcome: 'passed' },
      at: '2026-11-24T10:00:00.000Z',
      source: 'run',
      fingerprints: { '/p/test/a.test.js': fingerprint('test v1'), '/p/src/a.js': fingerprint('code v1') },
    });
    const stale = () => store.records()[0].result.stale;
    assert.strictEqual(stale(), false);
    assert.strictEqual(store.fileChanged('/p/src/other.js', 'anything'), false, 'a file no result depends on changes nothing');
    assert.strictEqual(store.fileChanged('/p/src/a.js', 'code v2'), true);
    assert.strictEqual(stale(), true);
    assert.strictEqual(store.fileChanged('/p/src/a.js', 'code v1'), true);
    assert.strictEqual(stale(), false);
    assert.strictEqual(store.fileChanged('/p/test/a.test.js', undefined), true, 'a deleted test file makes its results stale');
    assert.strictEqual(stale(), true);
  });

  it('saves and loads results, stale when the files changed on disk in between', () => {
    const root = writeWorkspace({ 'a.test.js': 'v1' });
    const file = path.join(root, 'a.test.js');
    const store = new TestResultStore();
    store.put({ outcome: { file, titles: ['t'], testName: 't', outcome: 'failed', message: 'boom' }, at: new Date().toISOString(), source: 'run', fingerprints: diskFingerprints([file]) });
    const saved = JSON.parse(JSON.stringify(store.toJSON()));
    const fresh = new TestResultStore();
    assert.strictEqual(fresh.load(saved), 1);
    assert.deepStrictEqual([fresh.records()[0].result.outcome, fresh.records()[0].result.stale], ['failed', false]);
    fs.mkdirSync(path.join(root, '.tandem'));
    fs.writeFileSync(path.join(root, savedResultsFile), JSON.stringify(saved));
    assert.deepStrictEqual(loadSavedTestResults([root]).records.map((record) => [record.testName, record.result.stale]), [['t', false]]);
    fs.writeFileSync(file, 'v2');
    const later = new TestResultStore();
    later.load(saved);
    assert.strictEqual(later.records()[0].result.stale, true);
    assert.deepStrictEqual(loadSavedTestResults([root]).records.map((record) => [record.testName, record.result.stale]), [['t', true]]);
    fs.writeFileSync(path.join(root, savedResultsFile), '{ broken');
    assert.match(loadSavedTestResults([root]).problems.join('\n'), /not valid JSON/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('failure location', () => {
  it('picks the frame in the test file, else the first in the package outside node_modules', () => {
    const stack = [
      'AssertionError: nope',
      '    at assertThing (/p/node_modules/lib/index.js:3:9)',
      '    at check (/p/src/util.js:10:5)',
      '    at Context.<anonymous> (test/a.test.js:7:12)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    assert.deepStrictEqual(failingFrame(stack, '/p/test/a.test.js', '/p'), { file: '/p/test/a.test.js', line: 7, column: 12 });
    assert.deepStrictEqual(failingFrame(stack, '/p/test/other.test.js', '/p'), { file: '/p/src/util.js', line: 10, column: 5 });
  });

  it('maps a frame in compiled JavaScript back to the TypeScript source through its source map', () => {
    const ts = require('typescript') as typeof import('typescript');
    const source = `// @verifies REQ-1\ninterface Pair { a: number; b: number }\n\nexport function check(pair: Pair): void {\n  if (pair.a !== pair.b) throw new Error('differs'); // $throw\n}\n`;
    const compiled = ts.transpileModule(source, { compilerOptions: { sourceMap: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: 'check.ts' });
    const root = writeWorkspace({
      'src/check.ts': source,
      'out/check.js': compiled.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=check.js.map'),
      'out/check.js.map': compiled.sourceMapText!.replace('"sources":["check.ts"]', '"sources":["../src/check.ts"]'),
    });
    const jsLines = compiled.outputText.split('\n');
    const jsLine = jsLines.findIndex((line) => line.includes("throw new Error('differs')"));
    const jsColumn = jsLines[jsLine].indexOf('throw');
    const stack = `Error: differs\n    at check (${path.join(root, 'out/check.js')}:${jsLine + 1}:${jsColumn + 1})`;
    const frame = failingFrame(stack, path.join(root, 'test/x.test.js'), root);
    const tsLine = source.split('\n').findIndex((line) => line.includes('$throw'));
    assert.deepStrictEqual(frame && { file: frame.file, line: frame.line - 1 }, { file: path.join(root, 'src/check.ts'), line: tsLine });
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('framework detection', () => {
  const cases: { name: string; files: Record<string, string>; expected: string | undefined }[] = [
    { name: 'the test script wins', files: { 'package.json': JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { jest: '30.0.0' } }) }, expected: 'vitest' },
    { name: 'node --test in the script', files: { 'package.json': JSON.stringify({ scripts: { test: 'node --test test/' } }) }, expected: 'node' },
    { name: 'a config file', files: { 'package.json': '{}', 'jest.config.ts': '' }, expected: 'jest' },
    { name: 'a .mocharc', files: { 'package.json': '{}', '.mocharc.yml': '' }, expected: 'mocha' },
    { name: 'a dependency', files: { 'package.json': JSON.stringify({ devDependencies: { mocha: '12.0.0' } }) }, expected: 'mocha' },
    { name: 'nothing', files: { 'package.json': JSON.stringify({ scripts: { test: 'echo none' } }) }, expected: undefined },
    { name: 'a broken manifest', files: { 'package.json': '{ nope' }, expected: undefined },
  ];
  for (const testCase of cases) {
    it(`detects from ${testCase.name}`, () => {
      const root = writeWorkspace(testCase.files);
      assert.strictEqual(chooseFramework(root)?.name, testCase.expected);
      fs.rmSync(root, { recursive: true, force: true });
    });
  }
});

describe('declared tests', () => {
  it('finds suites and tests with their full titles', () => {
    const text = `describe('cart', () => {\n  it('adds REQ-1', () => {});\n  describe('when empty', () => {\n    test.skip("totals zero", () => {});\n  });\n});\n`;
    const found = findTests(text, '/p/cart.test.js').map((test) => [test.testName, test.isSuite, test.titleSpan.start.line]);
    assert.deepStrictEqual(found, [
      ['cart', true, 0],
      ['cart adds REQ-1', false, 1],
      ['cart when empty', true, 2],
      ['cart when empty totals zero', false, 3],
    ]);
  });
});

describe('testing settings', () => {
  it('accepts the defaults and names each invalid value by its key', () => {
    assert.deepStrictEqual(validateTestingSettings(testingSettingsDefaults), []);
    const problems = validateTestingSettings({ ...testingSettingsDefaults, timeoutMs: 10, concurrency: 0, framework: 'karma' as never, maxOutputBytes: 1 });
    assert.deepStrictEqual(
      problems.map((problem) => problem.split(' ')[0]),
      ['testing.timeoutMs', 'testing.concurrency', 'testing.maxOutputBytes', 'testing.framework'],
    );
  });
});
