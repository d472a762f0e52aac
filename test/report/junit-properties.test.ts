/**
 * JUnit `<properties>` in and out: a test case that names a requirement in its properties verifies
 * it though its source holds no tag (read by the CLI's `--results` and by the server's
 * `testing.junitReports`), and the trace's own JUnit output carries each requirement's ID and
 * counts as properties for importers.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cliBin, startServer, writeWorkspace } from '../support/lsp';

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const report = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<testsuites><testsuite name="pytest" timestamp="2099-01-01T00:00:00">',
  '  <testcase classname="tests.test_orders" name="test_total" time="0.01">',
  '    <properties><property name="verifies" value="ORD-1"/></properties>',
  '  </testcase>',
  '  <testcase classname="tests.test_orders" name="test_refund" time="0.01">',
  '    <properties><property name="requirement" value="ORD-2"/></properties>',
  '    <failure message="assert 1 == 2"/>',
  '  </testcase>',
  '  <testcase classname="tests.test_orders" name="test_ghost"><properties><property name="verifies" value="ORD-99"/></properties></testcase>',
  '</testsuite></testsuites>',
].join('\n');

const workspace = {
  'docs/reqs.md': '## ORD-1: Total\n\nAdd it up.\n\n## ORD-2: Refund\n\nGive it back.\n\n## ORD-3: Untouched\n\nNo test names it.\n',
  'src/orders.py': '# @implements ORD-1\ndef total(): pass\n# @implements ORD-2\ndef refund(): pass\n# @implements ORD-3\ndef other(): pass\n',
  'tests/test_orders.py': 'def test_total():\n    pass\n\ndef test_refund():\n    assert 1 == 2\n\ndef test_ghost():\n    pass\n',
  'reports/junit.xml': report,
  'tandem.json': JSON.stringify({ testing: { junitReports: ['reports/junit.xml'] } }),
};

describe('report: JUnit properties', function () {
  this.timeout(90000);
  it('a case whose properties name a requirement verifies it, with no tag in the test source (CLI)', () => {
    const root = writeWorkspace(workspace);
    const result = tandem(['trace', '--format', 'json', '--results', path.join(root, 'reports/junit.xml'), root]);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    const status = Object.fromEntries(json.requirements.map((t: any) => [t.requirement.id, t.requirement.status]));
    assert.deepEqual(status, { 'ORD-1': 'verified', 'ORD-2': 'failing', 'ORD-3': 'untested' });
    const one = json.requirements.find((t: any) => t.requirement.id === 'ORD-1');
    assert.equal(one.tests.length, 1);
    assert.equal(one.tests[0].testName, 'test_total');
    assert.ok(one.tests[0].location.uri.endsWith('/tests/test_orders.py'), one.tests[0].location.uri);
    assert.equal(one.tests[0].result.outcome, 'passed');
    // A property naming an unknown ID is an unknown-ID tag like any other.
    assert.equal(json.coverage.unknownIdTags, 1);
    const check = tandem(['check', '--require', 'verified', '--results', path.join(root, 'reports/junit.xml'), root]);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /ORD-2 is failing/);
    assert.match(check.stdout, /ORD-99/);
    assert.doesNotMatch(check.stdout, /ORD-1 is/);
  });

  it('the server counts the links of a configured JUnit report', async () => {
    const root = writeWorkspace(workspace);
    const client = await startServer(root);
    try {
      const deadline = Date.now() + 20000;
      let status: string | undefined;
      while (Date.now() < deadline) {
        const trace = (await client.request('tandem/trace', { id: 'ORD-1' })) as any;
        status = trace?.requirement.status;
        if (status === 'verified') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 'verified');
      const refund = (await client.request('tandem/trace', { id: 'ORD-2' })) as any;
      assert.equal(refund.requirement.status, 'failing');
    } finally {
      await client.shutdown();
    }
  });

  it('the trace JUnit output carries each requirement as properties, and is not read back as results', () => {
    const root = writeWorkspace(workspace);
    const out = tandem(['trace', '--format', 'junit', root]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /<testcase classname="req" name="ORD-1 Total" file="docs\/reqs.md">\n\s*<properties>\n\s*<property name="requirement" value="ORD-1"\/>\n\s*<property name="status" value="untested"\/>\n\s*<property name="implementations" value="1"\/>\n\s*<property name="tests" value="0"\/>/);
    const self = path.join(root, 'trace.xml');
    require('node:fs').writeFileSync(self, out.stdout);
    const again = tandem(['trace', '--format', 'json', '--results', self, root]);
    assert.match(again.stderr, /Tandem's own trace report/);
    const status = JSON.parse(again.stdout).requirements.map((t: any) => t.requirement.status);
    assert.deepEqual(status, ['untested', 'untested', 'untested']);
  });
});
