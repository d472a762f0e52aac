/**
 * Coverage evidence, end to end:
 * - reports produced by real tools (coverage.py Cobertura and JSON, lcov and gcovr on a C program
 *   built with gcc --coverage, JaCoCo's own agent and XML formatter on a Java class; see
 *   test/fixtures/coverage/SOURCES.txt) joined to requirements by the `tandem` CLI, with
 *   `--min-coverage` failing and naming the lines that did not run;
 * - Tandem's own runs of mocha, node:test, jest and vitest, JavaScript and TypeScript, through the
 *   built server over stdio: in every fixture PRC-1's tests run all of its code and PRC-2's test
 *   misses the small-order branch; with mocha and node:test (per test) an untagged test that does
 *   run that branch does not count for PRC-2.
 */
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliBin, startServer, uriOf, type LspClient } from '../support/lsp';
import { parseCoverageXml, parseLcov, PathResolver } from '../../server/src/testing/coverage';
import { copyRunFixture, coverageFixtures, frameworkOf, runFixtures } from './coverageSupport';
import { markerLine, missingInstall, removeProject } from './support';


function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of a report fixture in a fresh folder (reports name files as the tool saw them). */
function copyReportFixture(name: string): string {
  const target = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tandem-coverage-${name}-`)));
  fs.cpSync(path.join(coverageFixtures, name), target, { recursive: true });
  return target;
}

function requirementsOf(json: string): Record<string, any> {
  const parsed = JSON.parse(json);
  return Object.fromEntries(parsed.requirements.map((trace: any) => [trace.requirement.id, trace.requirement]));
}

/** Zero-based first lines of the uncovered blocks, per file name. */
function uncoveredLines(coverage: any): string[] {
  return (coverage.uncovered ?? []).map((location: any) => `${path.basename(new URL(location.uri).pathname)}:${location.range.start.line + 1}-${location.range.end.line}`);
}

describe('coverage reports from other languages, through the CLI', function () {
  this.timeout(60000);

  const cases = [
    { name: 'python', report: 'coverage.xml', format: 'Cobertura (coverage.py)', full: 'ORD-1', partial: 'ORD-2', figures: { 'ORD-1': [5, 5], 'ORD-2': [3, 4] }, missed: ['orders.py:17-17'] },
    { name: 'python', report: 'coverage.json', format: 'coverage.py JSON', full: 'ORD-1', partial: 'ORD-2', figures: { 'ORD-1': [5, 5], 'ORD-2': [3, 4] }, missed: ['orders.py:17-17'] },
    { name: 'c', report: 'lcov.info', format: 'LCOV (lcov over gcov)', full: 'CAL-2', partial: 'CAL-1', figures: { 'CAL-1': [5, 6], 'CAL-2': [4, 4] }, missed: ['calc.c:9-9'] },
    { name: 'c', report: 'cobertura.xml', format: 'Cobertura (gcovr)', full: 'CAL-2', partial: 'CAL-1', figures: { 'CAL-1': [5, 6], 'CAL-2': [4, 4] }, missed: ['calc.c:9-9'] },
    { name: 'java', report: 'target/site/jacoco/jacoco.xml', format: 'JaCoCo', full: 'INV-1', partial: 'INV-2', figures: { 'INV-1': [5, 5], 'INV-2': [2, 4] }, missed: ['Invoice.java:20-21'] },
  ];

  for (const c of cases) {
    it(`joins a ${c.format} report to the requirements and fails --min-coverage naming the missed lines`, () => {
      const root = copyReportFixture(c.name);
      try {
        const report = path.join(root, c.report);
        const traced = tandem(['trace', '--format', 'json', '--coverage', report, root]);
        assert.strictEqual(traced.status, 0, traced.stderr);
        const requirements = requirementsOf(traced.stdout);
        for (const [id, [covered, total]] of Object.entries(c.figures)) {
          const coverage = requirements[id].codeCoverage;
          assert.ok(coverage, `${id} has no codeCoverage: ${JSON.stringify(requirements[id])}`);
          assert.deepStrictEqual([coverage.covered, coverage.total, coverage.scope], [covered, total, 'run'], `${id}: ${JSON.stringify(coverage)}`);
        }
        assert.deepStrictEqual(uncoveredLines(requirements[c.partial].codeCoverage), c.missed);
        assert.strictEqual(requirements[c.full].codeCoverage.uncovered, undefined);

        const checked = tandem(['check', '--coverage', report, '--min-coverage', '90', root]);
        assert.strictEqual(checked.status, 1, checked.stdout + checked.stderr);
        assert.match(checked.stdout, new RegExp(`${c.partial} is \\d+% \\(\\d+/\\d+ lines, run\\); not run: [^\\n]*${c.missed[0].split(':')[0].replace('.', '\\.')}:${c.missed[0].split(':')[1].split('-')[0]}`));
        assert.doesNotMatch(checked.stdout, new RegExp(`${c.full} is`));

        const lenient = tandem(['check', '--coverage', report, '--min-coverage', '50', root]);
        assert.strictEqual(lenient.status, 0, lenient.stdout + lenient.stderr);
      } finally {
        removeProject(root);
      }
    });
  }

  it('puts the figure in the text, CSV, Markdown and JUnit reports', () => {
    const root = copyReportFixture('c');
    try {
      const report = path.join(root, 'lcov.info');
      const text = tandem(['trace', '--coverage', report, root]).stdout;
      assert.match(text, /CAL-1\s+covered\s+1\s+1\s+83% \(5\/6 lines, run\)/);
      const csv = tandem(['trace', '--format', 'csv', '--coverage', report, root]).stdout.split('\r\n');
      assert.ok(csv[0].endsWith(',codeCovered,codeTotal,codeScope'), csv[0]);
      assert.ok(csv.some((row) => row.startsWith('CAL-1,') && row.endsWith(',5,6,run')), csv.join('\n'));
      const markdown = tandem(['trace', '--format', 'markdown', '--coverage', report, root]).stdout;
      assert.match(markdown, /\| CAL-2 \| covered \| 1 \| 1 \| 100% \(4\/4 lines, run\) \|/);
      const junit = tandem(['trace', '--format', 'junit', '--coverage', report, '--min-coverage', '90', root]).stdout;
      assert.match(junit, /<failure message="CAL-1&apos;s implementation|<failure message="CAL-1's implementation is covered 83% \(5\/6 lines, run\), below 90%; not run: calc\.c:9"/);
      assert.match(junit, /<system-out>code coverage 100% \(4\/4 lines, run\)<\/system-out>/);
    } finally {
      removeProject(root);
    }
  });

  it('reads trace.minCoverage and testing.coverageReports from tandem.json', () => {
    const root = copyReportFixture('java');
    try {
      fs.writeFileSync(path.join(root, 'tandem.json'), JSON.stringify({ trace: { minCoverage: 75 }, testing: { coverageReports: ['target/site/jacoco/*.xml'] } }));
      const checked = tandem(['check', root]);
      assert.strictEqual(checked.status, 1, checked.stdout + checked.stderr);
      assert.match(checked.stdout, /below the coverage bar of 75%/);
      assert.match(checked.stdout, /INV-2 is 50% \(2\/4 lines, run\); not run: src\/main\/java\/com\/acme\/billing\/Invoice\.java:20-21/);
    } finally {
      removeProject(root);
    }
  });

  it('says what is wrong with a broken report and still prints the trace', () => {
    const root = copyReportFixture('c');
    try {
      const broken = path.join(root, 'broken.xml');
      fs.writeFileSync(broken, '<coverage><packages><package><classes><class filename="calc.c"><lines><line number="4" hits="1"/></lines></class><oops></packages>');
      const traced = tandem(['trace', '--format', 'json', '--coverage', broken, path.join(root, 'missing.info'), root]);
      assert.strictEqual(traced.status, 0, traced.stderr);
      assert.match(traced.stderr, /broken\.xml: not well-formed XML/);
      assert.match(traced.stderr, /missing\.info: cannot be read \(ENOENT\)/);
      // What was read before the error still counts.
      assert.strictEqual(requirementsOf(traced.stdout)['CAL-1'].codeCoverage.covered, 1);
      const unmeasured = tandem(['check', '--coverage', path.join(root, 'missing.info'), '--min-coverage', '10', root]);
      assert.strictEqual(unmeasured.status, 1);
      assert.match(unmeasured.stdout, /CAL-1: no coverage of its implementation is known/);
    } finally {
      removeProject(root);
    }
  });
});

describe('coverage report readers', () => {
  it('reads LCOV line records, ignoring other records and malformed lines', () => {
    const read = parseLcov('TN:\nSF:src/a.js\nFN:1,f\nDA:1,3\nDA:2,0\nDA:x,1\nBRDA:1,0,0,1\nend_of_record\nSF:b.js\r\nDA:7,1,abc\r\nend_of_record\n');
    assert.deepStrictEqual(read.files.map((file) => [file.name, [...file.lines]]), [
      ['src/a.js', [[1, 3], [2, 0]]],
      ['b.js', [[7, 1]]],
    ]);
    assert.strictEqual(read.problems.length, 1);
  });

  it('counts Cobertura class lines once, not again under their methods', () => {
    const read = parseCoverageXml(
      '<?xml version="1.0"?><coverage><sources><source>/src</source></sources><packages><package><classes><class filename="a.py"><methods><method><lines><line number="2" hits="4"/></lines></method></methods><lines><line number="2" hits="4"/><line number="3" hits="0"/></lines></class></classes></package></packages></coverage>',
    );
    assert.deepStrictEqual(read.sourceRoots, ['/src']);
    assert.deepStrictEqual([...read.files[0].lines], [[2, 4], [3, 0]]);
  });

  it('refuses a document that is neither Cobertura nor JaCoCo, and bounds nesting', () => {
    assert.match(parseCoverageXml('<testsuites/>').problems[0], /root element is <testsuites>/);
    assert.match(parseCoverageXml(`<coverage>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</coverage>`).problems[0], /nest deeper than 256/);
  });

  it('finds a report name by its longest tail of folders, and none when two files tie', () => {
    const resolver = new PathResolver(['/w'], ['/w/src/a/util.js', '/w/src/b/util.js', '/w/lib/main.js']);
    assert.strictEqual(resolver.resolve('/ci/build/src/a/util.js', []), '/w/src/a/util.js');
    assert.strictEqual(resolver.resolve('lib/main.js', []), '/w/lib/main.js');
    assert.strictEqual(resolver.resolve('util.js', []), undefined);
  });
});

for (const name of runFixtures) {
  const [framework, language] = name.split('-');
  const perTest = framework === 'mocha' || framework === 'node';
  describe(`coverage of a ${framework} run (${language === 'ts' ? 'TypeScript' : 'JavaScript'}) over stdio`, function () {
    this.timeout(90000);
    let root: string;
    let client: LspClient;

    before(async function () {
      const missing = missingInstall(frameworkOf[framework].fixture, frameworkOf[framework].package);
      if (missing) {
        console.log(`      skipped: ${missing}`);
        this.skip();
      }
      root = copyRunFixture(name);
      client = await startServer(root, { configuration: { testing: { showUncovered: true } } });
    });
    after(async () => {
      await client?.shutdown();
      if (root) removeProject(root);
    });

    it(`measures each requirement's code${perTest ? ' per test' : ' per run'}, names the missed branch and shows it`, async () => {
      const result = await client.request('tandem/runTests', { scope: 'all' }, 80000);
      const passed = result.results.filter((r: any) => r.outcome === 'passed').length;
      assert.ok(passed >= 3, `results: ${JSON.stringify(result.results)} problems: ${JSON.stringify(result.problems)}`);
      assert.deepStrictEqual(
        result.coverage.map((c: any) => [c.framework, c.scope]),
        [[framework, perTest ? 'tests' : 'run']],
        JSON.stringify(result.coverage),
      );
      const source = path.join(root, 'src', `pricing.${language}`);
      const small = markerLine(source, '$small-order').line;
      const { requirements } = await client.request('tandem/requirements', {});
      const byId = Object.fromEntries(requirements.map((r: any) => [r.id, r]));
      const full = byId['PRC-1'].codeCoverage;
      const partial = byId['PRC-2'].codeCoverage;
      assert.ok(full && partial, JSON.stringify(requirements));
      assert.strictEqual(full.covered, full.total, `PRC-1: ${JSON.stringify(full)}`);
      assert.ok(full.total >= 3, `PRC-1: ${JSON.stringify(full)}`);
      // One block from the small-order line; jest's own provider also counts the closing brace after it.
      const blocks = partial.uncovered.map((u: any) => [u.uri, u.range.start.line, u.range.end.line]);
      const braceToo = framework === 'jest' ? 1 : 0;
      assert.deepStrictEqual(blocks, [[uriOf(source), small, small + 1 + braceToo]], JSON.stringify(partial));
      assert.strictEqual(partial.covered, partial.total - 1 - braceToo, `PRC-2: ${JSON.stringify(partial)}`);
      assert.strictEqual(partial.scope, perTest ? 'tests' : 'run');
      if (perTest) {
        // The untagged checkout test ran the small-order branch, but it is not PRC-2's test.
        assert.ok(!result.results.some((r: any) => r.outcome !== 'passed'), JSON.stringify(result.results));
      }
      if (language === 'js' && framework !== 'jest' && framework !== 'vitest') assert.deepStrictEqual([full.covered, full.total, partial.covered, partial.total], [4, 4, 3, 4]);

      const requirementsFile = path.join(root, 'requirements.md');
      client.open(requirementsFile);
      const hover = await client.request('textDocument/hover', { textDocument: { uri: uriOf(requirementsFile) }, position: { line: 5, character: 4 } });
      const percent = Math.floor((partial.covered / partial.total) * 100);
      assert.match(hover.contents.value, new RegExp(`1 impl · 1 test · ${percent}% of its code${perTest ? '' : ' \\(run\\)'}`));
      const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: uriOf(requirementsFile) } });
      const titles = lenses.map((lens: any) => lens.command?.title ?? '');
      assert.ok(titles.some((title: string) => title.includes(`${percent}% of its code`)), JSON.stringify(titles));

      client.open(source);
      const diagnostics = await client.waitForDiagnostics(uriOf(source), (list) => list.some((d) => d.code === 'not-covered'), 20000);
      const hints = diagnostics.filter((d) => d.code === 'not-covered');
      assert.deepStrictEqual(
        hints.map((d) => [d.range.start.line, d.severity]),
        [[small, 3]],
      );
      assert.match(hints[0].message, /(This line|These 2 lines) of code implementing PRC-2 did not run in /);
    });
  });
}

describe('coverage switched off', function () {
  this.timeout(60000);
  let root: string;
  let client: LspClient;

  before(async function () {
    const missing = missingInstall('mocha', 'mocha');
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    root = copyRunFixture('mocha-js');
    client = await startServer(root, { configuration: { testing: { coverage: false } } });
  });
  after(async () => {
    await client?.shutdown();
    if (root) removeProject(root);
  });

  it('measures nothing with testing.coverage false, and shows no uncovered hints by default', async () => {
    const result = await client.request('tandem/runTests', { scope: 'all' }, 45000);
    assert.strictEqual(result.state, 'passed', JSON.stringify(result.problems));
    assert.strictEqual(result.coverage, undefined);
    const { requirements } = await client.request('tandem/requirements', {});
    assert.deepStrictEqual(requirements.map((r: any) => r.codeCoverage), [null, null]);
    // A report read on the command counts even so; the hints stay off (testing.showUncovered).
    fs.writeFileSync(path.join(root, 'lcov.info'), `SF:${path.join(root, 'src', 'pricing.js')}\nDA:10,1\nDA:11,1\nDA:12,1\nDA:14,0\nend_of_record\n`);
    const loaded = await client.request('workspace/executeCommand', { command: 'tandem.loadCoverage', arguments: ['lcov.info'] });
    assert.deepStrictEqual(loaded, { measured: 1, problems: [] });
    const after = await client.request('tandem/trace', { id: 'PRC-2' });
    assert.deepStrictEqual([after.requirement.codeCoverage.covered, after.requirement.codeCoverage.total, after.requirement.codeCoverage.scope], [3, 4, 'run']);
    const source = path.join(root, 'src', 'pricing.js');
    client.open(source);
    const diagnostics = await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(source) } });
    assert.ok(!(diagnostics.items ?? []).some((d: any) => d.code === 'not-covered'), JSON.stringify(diagnostics));
  });
});
