/**
 * JUnit XML from pytest, go-junit-report and Maven Surefire (samples under
 * test/fixtures/testing/junit, each beside the test files it describes) read into trace records.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JUnitReader, loadJUnitResults, parseJUnitCases, parseJUnitXml } from '../../server/src/testing';
import { fixturesDir } from './support';

const junitDir = path.join(fixturesDir, 'junit');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Each sample: its report, and the records expected as [test file relative to the sample, full title, outcome]. */
const samples: { name: string; report: string; expected: [string, string, string][] }[] = [
  {
    name: 'pytest',
    report: 'report.xml',
    expected: [
      ['tests/test_orders.py', 'test_total_includes_tax_REQ_7', 'passed'],
      ['tests/test_orders.py', 'TestRefunds test_refund_is_capped', 'failed'],
      ['tests/test_orders.py', 'TestRefunds test_refund_rounds_down', 'skipped'],
      ['tests/test_inventory.py', 'test_reserve_stock', 'errored'],
      ['tests/test_inventory.py', 'test_release_stock', 'passed'],
    ],
  },
  {
    name: 'go',
    report: 'report.xml',
    expected: [
      ['cart/cart_test.go', 'TestAddItem', 'passed'],
      ['cart/cart_test.go', 'TestRemoveItem', 'failed'],
      ['cart/total_test.go', 'TestTotal/with_discount', 'passed'],
      ['pricing/pricing_test.go', 'TestPriceREQ9', 'passed'],
    ],
  },
  {
    name: 'surefire',
    report: 'TEST-com.acme.billing.InvoiceTest.xml',
    expected: [
      ['src/test/java/com/acme/billing/InvoiceTest.java', 'totalIncludesVat', 'passed'],
      ['src/test/java/com/acme/billing/InvoiceTest.java', 'dueDateIsThirtyDays', 'failed'],
      ['src/test/java/com/acme/billing/InvoiceTest.java', 'reminderIsSent', 'skipped'],
    ],
  },
];

describe('JUnit XML results', () => {
  for (const sample of samples) {
    it(`reads ${sample.name} reports and finds each test's file in the workspace`, () => {
      const root = path.join(junitDir, sample.name);
      const { records, problems } = loadJUnitResults([path.join(root, sample.report)], { roots: [root], workspaceFiles: filesUnder(root) });
      assert.deepStrictEqual(problems, []);
      const actual = records.map((record) => [path.relative(root, record.path).split(path.sep).join('/'), record.testName, record.result.outcome]);
      assert.deepStrictEqual(actual, sample.expected);
      for (const record of records) assert.strictEqual(record.result.stale, false);
    });
  }

  it('finds the test files under the given roots when no file list is given (the CLI)', () => {
    const root = path.join(junitDir, 'go');
    const { records } = loadJUnitResults([path.join(root, 'report.xml')], { roots: [root] });
    assert.deepStrictEqual(
      records.map((record) => path.relative(root, record.path).split(path.sep).join('/')),
      ['cart/cart_test.go', 'cart/cart_test.go', 'cart/total_test.go', 'pricing/pricing_test.go'],
    );
  });

  it('keeps the failure message and the duration, and takes the suite timestamp as the time', () => {
    const root = path.join(junitDir, 'pytest');
    const records = parseJUnitXml(fs.readFileSync(path.join(root, 'report.xml'), 'utf8'), path.join(root, 'report.xml'), [root], filesUnder(root));
    const capped = records.find((record) => record.testName === 'TestRefunds test_refund_is_capped')!;
    assert.match(capped.result.message ?? '', /^assert 120 == 100\n/);
    assert.strictEqual(capped.result.durationMs, 11);
    assert.strictEqual(capped.result.at, '2026-11-20T09:15:02.118Z');
  });

  it('reads what it can of a malformed report and says what is wrong', () => {
    const text = '<testsuite name="x"><testcase classname="tests.test_a" name="test_one"/><testcase classname="tests.test_a" name="test_two"><failure message="boom">';
    const { cases, problems } = parseJUnitCases(text, '/reports/broken.xml');
    assert.strictEqual(cases.length, 2);
    assert.match(problems.join('\n'), /ends inside <failure>/);
    const records = parseJUnitXml(text, '/reports/broken.xml', ['/work']);
    assert.deepStrictEqual(
      records.map((record) => [record.testName, record.result.outcome]),
      [
        ['test_one', 'passed'],
        ['test_two', 'failed'],
      ],
    );
  });

  it('reports unreadable and non-JUnit files as problems without throwing', () => {
    const { records, problems } = loadJUnitResults([path.join(junitDir, 'does-not-exist.xml'), path.join(junitDir, 'go', 'cart', 'cart_test.go')]);
    assert.deepStrictEqual(records, []);
    assert.strictEqual(problems.length, 2, `expected two problems, got ${JSON.stringify(problems)}`);
    assert.match(problems[0], /cannot be read \(ENOENT\)/);
    assert.match(problems[1], /no <testsuites> or <testsuite> element/);
  });

  it('never throws on broken entities or characters XML forbids, and reads the rest', () => {
    const text =
      '<testsuite name="x"><testcase classname="tests.test_a" name="bad &#99999999; entity &#xFFFFFFFF; &nope;"/>' +
      '<testcase classname="tests.test_a" name="two\uFFFE\uFFFF"><failure message="&#0;">&#99999999;</failure></testcase></testsuite>';
    const { cases, problems } = parseJUnitCases(text, 'r.xml');
    assert.deepStrictEqual(
      cases.map((c) => c.record.outcome),
      ['passed', 'failed'],
    );
    assert.ok(problems.length > 0 && problems.every((p) => p.startsWith('r.xml: ')), problems.join('\n'));
  });

  it('reads 100,000 nested elements and 200,000 test cases in linear time without overflowing the stack', function () {
    this.timeout(60000);
    const depth = 100000;
    const nested = '<testsuite name="deep"><testcase name="t">' + '<x>'.repeat(depth) + '</x>'.repeat(depth) + '</testcase></testsuite>';
    const started = Date.now();
    const deep = parseJUnitCases(nested, 'deep.xml');
    assert.strictEqual(deep.cases.length, 1);
    assert.deepStrictEqual(deep.problems, []);
    // Unclosed: every element still open at the end is one problem, not one per element.
    const unclosed = parseJUnitCases('<testsuite>' + '<testcase name="a">' + '<y>'.repeat(depth), 'open.xml');
    assert.strictEqual(unclosed.cases.length, 1);
    const count = 200000;
    const parts = ['<testsuites><testsuite name="many">'];
    for (let i = 0; i < count; i++) parts.push(`<testcase classname="tests.test_many" name="test_${i}" time="0.001"/>`);
    parts.push('</testsuite></testsuites>');
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tandem-junit-'));
    const report = path.join(dir, 'many.xml');
    fs.writeFileSync(report, parts.join('\n'));
    const { records, problems } = loadJUnitResults([report], { roots: [dir], workspaceFiles: [path.join(dir, 'tests', 'test_many.py')] });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(records.length, count);
    assert.strictEqual(records[count - 1].testName, `test_${count - 1}`);
    assert.strictEqual(records[0].path, path.join(dir, 'tests', 'test_many.py'));
    // A generous bound that a quadratic reader (over a minute on the nested case) cannot meet.
    assert.ok(Date.now() - started < 30000, `took ${Date.now() - started} ms`);
  });

  it('reads the same cases from a report written in pieces as from the whole text', () => {
    const text = fs.readFileSync(path.join(junitDir, 'pytest', 'report.xml'), 'utf8');
    const reader = new JUnitReader('p.xml', '2026-01-01T00:00:00.000Z');
    for (let i = 0; i < text.length; i += 7) reader.write(text.slice(i, i + 7));
    assert.deepStrictEqual(reader.close(), parseJUnitCases(text, 'p.xml', '2026-01-01T00:00:00.000Z'));
  });

  it('reads requirement links from properties: pytest record_property, GoogleTest RecordProperty, Polarion', () => {
    const text = [
      '<testsuites><testsuite name="pytest">',
      '  <testcase classname="tests.test_orders" name="test_total">',
      '    <properties><property name="verifies" value="ORD-2, ORD-3"/><property name="owner" value="REQ-9"/></properties>',
      '  </testcase>',
      '  <testcase classname="tests.test_orders" name="test_gtest_style" verifies="ORD-4"/>',
      '  <testcase classname="tests.test_orders" name="test_polarion">',
      '    <properties><property name="polarion-testcase-id" value="ORD-5"/><property name="Requirement">ORD-6</property></properties>',
      '    <failure message="boom"/>',
      '  </testcase>',
      '  <testcase classname="tests.test_orders" name="test_none"/>',
      '</testsuite></testsuites>',
    ].join('\n');
    const { cases, problems } = parseJUnitCases(text, 'props.xml');
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(
      cases.map((c) => [c.titles.join(' '), c.record.outcome, c.requirements]),
      [
        ['test_total', 'passed', ['ORD-2', 'ORD-3']],
        ['test_gtest_style', 'passed', ['ORD-4']],
        ['test_polarion', 'failed', ['ORD-5', 'ORD-6']],
        ['test_none', 'passed', undefined],
      ],
    );
  });

  it("refuses Tandem's own trace report as test results", () => {
    const { cases, problems } = parseJUnitCases('<testsuites name="tandem trace"><testsuite><testcase name="REQ-1 x"/></testsuite></testsuites>', 't.xml');
    assert.deepStrictEqual(cases, []);
    assert.match(problems.join('\n'), /Tandem's own trace report/);
  });
});
