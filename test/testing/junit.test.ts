/**
 * JUnit XML from pytest, go-junit-report and Maven Surefire (samples under
 * test/fixtures/testing/junit, each beside the test files it describes) read into trace records.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadJUnitResults, parseJUnitXml, parseXml } from '../../server/src/testing';
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
    const { cases, problems } = (() => {
      const parsed = parseXml(text);
      return { cases: parsed.root?.children.length ?? 0, problems: parsed.problems };
    })();
    assert.strictEqual(cases, 2);
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
});
