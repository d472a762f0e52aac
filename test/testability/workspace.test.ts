/**
 * The workspace rules (`untested-export`, `untested-requirement`) over a fixture workspace, and the
 * incremental index of what tests use: which source files each change affects.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFile, analyzeTestability, loadTypeScript, testabilitySettingsDefaults } from '../../server/src/testability';
import { TestReferenceIndex, scanImports, scanReexports } from '../../server/src/testability/testIndex';
import { analyzeWorkspace } from '../../server/src/testability/workspace';
import { describeFinding, expectedFindings, fixturesRoot, type ExpectedFinding } from './fixture';

const root = path.join(fixturesRoot, 'workspace');
const file = (relative: string) => path.join(root, relative);
const read = (relative: string) => fs.readFileSync(file(relative), 'utf8');
const sources = ['src/orders.ts', 'src/pricing.ts', 'src/index.ts', 'src/legacy.js', 'src/lonely.ts'];
const tests = ['test/orders.test.ts', 'test/pricing.test.ts'];
const requirements = new Map([['OrderService', ['REQ-7']]]);

function buildIndex(): TestReferenceIndex {
  const index = new TestReferenceIndex();
  for (const relative of sources) index.setSourceFile(file(relative), read(relative));
  for (const relative of tests) index.setTestFile(file(relative), read(relative));
  return index;
}

/** The workspace findings of a file; `byName` looks up only the file's exported names, as the server does. */
function workspaceFindings(index: TestReferenceIndex, relative: string, text = read(relative), byName = false): ExpectedFinding[] {
  const names = byName ? analyzeFile(loadTypeScript(), file(relative), text, testabilitySettingsDefaults).exports.flatMap((e) => [e.exportedName, e.localName]) : undefined;
  const findings = analyzeTestability({ path: file(relative), text, settings: testabilitySettingsDefaults, facts: index.factsFor(file(relative), requirements, names) });
  return findings
    .filter((finding) => finding.code === 'untested-export' || finding.code === 'untested-requirement')
    .map((finding) => ({ code: finding.code, line: finding.span.start.line, character: finding.span.start.character }));
}

const show = (list: ExpectedFinding[]) => list.map(describeFinding).sort();

describe('testability workspace rules', () => {
  for (const relative of sources) {
    it(`marks the untested exports of ${relative}`, () => {
      const index = buildIndex();
      const expected = expectedFindings(read(relative));
      const actual = workspaceFindings(index, relative);
      assert.deepEqual(show(actual), show(expected), `untested exports of ${relative}: expected ${show(expected).join(', ') || 'none'}, got ${show(actual).join(', ') || 'none'}`);
      const byName = workspaceFindings(index, relative, read(relative), true);
      assert.deepEqual(show(byName), show(expected), `untested exports of ${relative}, looked up by name: expected ${show(expected).join(', ') || 'none'}, got ${show(byName).join(', ') || 'none'}`);
    });
  }

  it('names the requirement an untested symbol implements', () => {
    const findings = analyzeTestability({ path: file('src/orders.ts'), text: read('src/orders.ts'), settings: testabilitySettingsDefaults, facts: buildIndex().factsFor(file('src/orders.ts'), requirements) });
    const finding = findings.find((candidate) => candidate.code === 'untested-requirement');
    assert.deepEqual(finding?.requirements, ['REQ-7']);
    assert.match(finding!.message, /REQ-7/);
    assert.equal(finding!.severity, 'warning');
  });

  it('stays quiet about untested exports while the workspace has no tests, but not about untested requirements', () => {
    const index = new TestReferenceIndex();
    for (const relative of sources) index.setSourceFile(file(relative), read(relative));
    assert.deepEqual(show(workspaceFindings(index, 'src/pricing.ts')), []);
    assert.deepEqual(
      workspaceFindings(index, 'src/orders.ts').map((finding) => finding.code),
      ['untested-requirement'],
    );
  });

  it('a new test makes its imports tested, and reports which sources changed', () => {
    const index = buildIndex();
    const newTest = file('test/total.test.ts');
    const affected = index.setTestFile(newTest, "import { totalOf, OrderService } from '../src/orders';\ntotalOf({ id: 'a', lines: [] }); new OrderService();\n");
    assert.deepEqual(affected, [file('src/orders.ts')]);
    const codes = workspaceFindings(index, 'src/orders.ts').map((finding) => finding.code);
    assert.deepEqual(codes, ['untested-export'], 'only internalHelper should stay untested');
  });

  it('editing a test to drop an import affects the module it used to import, through the barrel', () => {
    const index = buildIndex();
    const affected = index.setTestFile(file('test/orders.test.ts'), "it('does nothing', () => undefined);\n");
    assert.deepEqual([...affected].sort(), [file('src/index.ts'), file('src/orders.ts'), file('src/pricing.ts')].sort());
    assert.ok(!index.factsFor(file('src/orders.ts')).testedNames.has('parseOrder'), 'parseOrder should no longer count as tested');
  });

  it('removing a test file affects what it imported', () => {
    const index = buildIndex();
    const affected = index.removeFile(file('test/pricing.test.ts'));
    assert.ok(affected.includes(file('src/pricing.ts')) && affected.includes(file('src/legacy.js')), `expected pricing.ts and legacy.js among ${affected.join(', ')}`);
    assert.ok(!index.factsFor(file('src/pricing.ts')).testedNames.has('price'));
  });

  it('resolves an import once the imported file appears', () => {
    const index = buildIndex();
    index.setTestFile(file('test/late.test.ts'), "import { later } from '../src/late';\nlater();\n");
    assert.equal(index.factsFor(file('src/late.ts')).moduleImported, false);
    const affected = index.setSourceFile(file('src/late.ts'), 'export function later() {}\n');
    assert.ok(affected.includes(file('src/late.ts')));
    assert.ok(index.factsFor(file('src/late.ts')).testedNames.has('later'));
  });

  it('builds the same facts when a full index spares finding what each file affects', () => {
    const index = new TestReferenceIndex();
    // Tests first: their imports name files the index does not know yet, as in a full index.
    for (const relative of tests) assert.deepEqual(index.setTestFile(file(relative), read(relative), false), []);
    for (const relative of sources) assert.deepEqual(index.setSourceFile(file(relative), read(relative), false), []);
    for (const relative of sources) {
      assert.deepEqual(show(workspaceFindings(index, relative)), show(expectedFindings(read(relative))), relative);
    }
    // Afterwards it is as incremental as an index built file by file.
    const affected = index.setTestFile(file('test/orders.test.ts'), "it('does nothing', () => undefined);\n");
    assert.deepEqual([...affected].sort(), [file('src/index.ts'), file('src/orders.ts'), file('src/pricing.ts')].sort());
  });

  it('an unchanged source file affects nothing', () => {
    const index = buildIndex();
    assert.deepEqual(index.setSourceFile(file('src/pricing.ts'), read('src/pricing.ts')), []);
  });

  it('scans imports and re-exports of every form', () => {
    assert.deepEqual(
      scanImports("import a from './a';\nimport { b } from \"./b\";\nimport './c';\nconst d = require('./d');\nawait import('./e');\nexport * from './f';").sort(),
      ['./a', './b', './c', './d', './e', './f'],
    );
    const reexports = scanReexports("export * from './all';\nexport { a as b, c, type D } from './some';");
    assert.equal(reexports[0].specifier, './all');
    assert.equal(reexports[0].names, undefined);
    assert.deepEqual([...reexports[1].names!], [['b', 'a'], ['c', 'c'], ['D', 'D']]);
  });
});

describe('testability of a whole workspace without a server', () => {
  it('finds the same untested exports as the incremental index, and skips test files', () => {
    const files = [...sources.map((relative) => ({ path: file(relative), text: read(relative), role: 'source' as const })), ...tests.map((relative) => ({ path: file(relative), text: read(relative), role: 'test' as const }))];
    const results = analyzeWorkspace({
      files,
      settingsFor: () => testabilitySettingsDefaults,
      requirementsOf: (_path, starts) => new Map([...starts.keys()].filter((name) => requirements.has(name)).map((name) => [name, requirements.get(name)!])),
    });
    for (const relative of sources) {
      const expected = expectedFindings(read(relative));
      const actual = (results.get(file(relative)) ?? [])
        .filter((finding) => finding.code.startsWith('untested'))
        .map((finding) => ({ code: finding.code, line: finding.span.start.line, character: finding.span.start.character }));
      assert.deepEqual(show(actual), show(expected), `${relative}: expected ${show(expected).join(', ') || 'none'}, got ${show(actual).join(', ') || 'none'}`);
    }
    for (const relative of tests) assert.equal(results.get(file(relative)), undefined, `${relative} is a test file and is not analysed`);
  });
});
