/**
 * The `tandem` command line: the trace matrix in every format, the CI gate's exit codes, and the
 * demo that drives the real server.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliBin, repoRoot, startServer, writeWorkspace } from '../support/lsp';

function tandem(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000, cwd });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const gapsWorkspace = {
  'docs/reqs.md': '## REQ-1: Parse\n\nParse it.\n\n## REQ-2: Total\n\nAdd it up.\n',
  'src/a.ts': '/** @implements REQ-1 */\nexport function parse() {}\n/** @implements REQ-2 */\nexport function total() {}\n',
  'test/a.test.ts': "it('REQ-1 parses', () => {});\n",
};

describe('tandem CLI', () => {
  it('prints help and version, and rejects an unknown command with exit 2', () => {
    assert.equal(tandem(['--help']).status, 0);
    assert.match(tandem(['--help']).stdout, /check \[PATH\]/);
    assert.match(tandem(['--version']).stdout.trim(), /^\d+\.\d+\.\d+$/);
    const bad = tandem(['frobnicate']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
    const badFormat = tandem(['trace', '--format', 'yaml', '.']);
    assert.equal(badFormat.status, 2);
    assert.match(badFormat.stderr, /--format must be one of/);
  });

  it('prints JSON with the same shapes as the tandem/* requests', async () => {
    const root = writeWorkspace(gapsWorkspace);
    const result = tandem(['trace', '--format', 'json', root]);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    const client = await startServer(root);
    try {
      const fromServer = await client.request('tandem/trace', { id: 'REQ-1' });
      const fromCli = json.requirements.find((t: any) => t.requirement.id === 'REQ-1');
      assert.deepEqual(fromCli, fromServer);
      assert.deepEqual(json.coverage, await client.request('tandem/coverage', {}));
    } finally {
      await client.shutdown();
    }
  });

  it('prints text, CSV, Markdown and JUnit, to stdout or --out', () => {
    const root = writeWorkspace(gapsWorkspace);
    const text = tandem(['trace', root]);
    assert.match(text.stdout, /REQ-1/);
    assert.match(text.stdout, /REQ-2/);
    const csv = tandem(['trace', '--format', 'csv', root]).stdout.trim().split('\n');
    assert.equal(csv.length, 3, `a header and one row per requirement: ${csv.join(' | ')}`);
    assert.match(csv[0], /id/i);
    const markdown = tandem(['trace', '--format', 'markdown', root]).stdout;
    assert.match(markdown, /^\|.*\|$/m);
    const out = path.join(root, 'trace.xml');
    assert.equal(tandem(['trace', '--format', 'junit', '--out', out, root]).status, 0);
    const xml = fs.readFileSync(out, 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, 2);
    assert.equal((xml.match(/<failure/g) ?? []).length, 1, 'REQ-2 is untested: one failing test case');
  });

  it('check exits 1 with the gaps listed, 0 when every requirement is covered', () => {
    const root = writeWorkspace(gapsWorkspace);
    const failing = tandem(['check', root]);
    assert.equal(failing.status, 1);
    assert.match(failing.stdout, /REQ-2/);
    assert.doesNotMatch(failing.stdout, /REQ-1\b.*untested/);
    fs.writeFileSync(path.join(root, 'test/b.test.ts'), "// @verifies REQ-2\nit('adds', () => {});\n");
    const passing = tandem(['check', root]);
    assert.equal(passing.status, 0, passing.stdout);
  });

  it('counts JUnit XML results from another language: passed → verified, failed → failing', () => {
    const report = fs.readFileSync(path.join(repoRoot, 'test/fixtures/testing/junit/pytest/report.xml'), 'utf8');
    const root = writeWorkspace({
      'docs/reqs.md': '## REQ-7: Totals include tax\n\n## REQ-8: Refunds are capped\n',
      'orders.py': '# @implements REQ-7, REQ-8\ndef total():\n    return 120\n',
      'tests/test_orders.py':
        '# @verifies REQ-7\ndef test_total_includes_tax_REQ_7():\n    assert True\n\nclass TestRefunds:\n    # @verifies REQ-8\n    def test_refund_is_capped(self):\n        assert False\n',
      'reports/pytest.xml': report,
    });
    const reportFile = path.join(root, 'reports/pytest.xml');
    assert.equal(tandem(['check', root]).status, 0, 'without results, covered is enough');
    assert.equal(tandem(['check', '--require', 'verified', root]).status, 1, 'without results nothing is verified');
    const json = JSON.parse(tandem(['trace', '--format', 'json', '--results', reportFile, root]).stdout);
    const status = Object.fromEntries(json.requirements.map((t: any) => [t.requirement.id, t.requirement.status]));
    assert.deepEqual(status, { 'REQ-7': 'verified', 'REQ-8': 'failing' });
    const gate = tandem(['check', '--require', 'verified', '--results', reportFile, root]);
    assert.equal(gate.status, 1);
    assert.match(gate.stdout, /REQ-8 is failing/);
    assert.doesNotMatch(gate.stdout, /REQ-7/);
  });

  it('runs the demo on the bundled examples and prints what an editor shows', function () {
    this.timeout(60000);
    const result = tandem(['demo']);
    assert.equal(result.status, 0, result.stderr);
    for (const section of ['Coverage', 'Requirements', 'Diagnostics', 'Code lenses', 'Hover on ORD-2', 'Trace of', 'Testability', 'Test runs', 'offline', 'An unsaved edit']) {
      assert.ok(result.stdout.includes(section), `the demo should print a "${section}" section`);
    }
    assert.match(result.stdout, /ORD-9/, 'the tag naming an unknown ID shows up');
    assert.match(result.stdout, /ORD-5 is now untested/);
    assert.match(result.stdout, /hidden-clock/, 'the clock read in src/ids.js is flagged');
    assert.match(result.stdout, /passed: 7 passed, 0 failed/, 'the example tests run and pass');
    assert.match(result.stdout, /create test\/ids\.test\.js/, 'the offline provider proposes a tagged test file');
  });
});
