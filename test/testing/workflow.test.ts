/**
 * Test-run workflows over stdio against the built server: run-on-save of the affected tests,
 * JUnit reports named in the settings (read, and read again when they change), cancellation from
 * the editor, and runs that answer at once. Uses the `node:test` fixture, which needs no install.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { minimalCapabilities, startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';
import { copyProject, fixturesDir, removeProject } from './support';

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('test-run workflows over stdio (node:test fixture)', function () {
  this.timeout(60000);
  let root: string;
  let client: LspClient;

  before(async () => {
    root = copyProject('node', {
      'test/slow.test.js': `const { test } = require('node:test');\ntest('takes its time', () => new Promise((resolve) => setTimeout(resolve, 20000)));\n`,
    });
    client = await startServer(root, { configuration: { testing: { runOnSave: true, runOnSaveDelayMs: 50 } } });
  });
  after(async () => {
    await client?.shutdown();
    if (root) removeProject(root);
  });

  it('runs the tests affected by a saved module, and only those', async () => {
    const source = path.join(root, 'src', 'greet.js');
    const finished = client.waitForNotification('tandem/testResults', (p) => p.kind === 'finished', 30000);
    client.open(source);
    client.notify('textDocument/didSave', { textDocument: { uri: uriOf(source) } });
    const summary = (await finished).summary;
    assert.deepStrictEqual(
      summary.results.map((r: any) => [path.relative(root, new URL(r.uri).pathname), r.testName, r.outcome]),
      [['test/greet.test.js', 'greet greets by name REQ-3', 'passed']],
    );
    client.close(source);
  });

  it('cancels a run when the editor cancels the request, killing the test process', async () => {
    const slow = path.join(root, 'test', 'slow.test.js');
    const id = (client as unknown as { nextId: number }).nextId;
    const response = client.requestRaw('tandem/runTests', { scope: 'file', uri: uriOf(slow) }, 10000);
    await client.waitForNotification('tandem/testResults', (p) => p.kind === 'started' && p.scope?.uri === uriOf(slow), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    client.notify('$/cancelRequest', { id });
    const message = await response;
    assert.ok(Date.now() - started < 5000, `expected the cancelled run to end quickly, it took ${Date.now() - started} ms`);
    if (message.error) assert.match(message.error.message, /cancel/i);
    else assert.strictEqual(message.result.state, 'cancelled');
  });

  it('answers at once with wait: false and stops the run on tandem/cancelTestRun', async () => {
    const slow = path.join(root, 'test', 'slow.test.js');
    const answer = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(slow), wait: false }, 3000);
    assert.strictEqual(answer.state, 'running');
    const finished = client.waitForNotification('tandem/testResults', (p) => p.kind === 'finished' && p.runId === answer.runId, 8000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepStrictEqual(await client.request('tandem/cancelTestRun', { runId: answer.runId }), { cancelled: 1 });
    assert.strictEqual((await finished).summary.state, 'cancelled');
  });

  it('answers a bad scope with a problem, and a request without params with an error, and keeps serving', async () => {
    const empty = await client.request('tandem/runTests', { scope: 'requirement', id: 'NOPE-1' });
    assert.strictEqual(empty.state, 'error');
    assert.match(empty.problems[0].message, /no requirement has the ID NOPE-1/);
    const unmatched = await client.request('tandem/runTests', { scope: 'test', uri: uriOf(path.join(root, 'test', 'greet.test.js')), testName: 'greet does not exist' }, 20000);
    assert.deepStrictEqual([unmatched.state, unmatched.results, unmatched.problems.map((p: any) => p.message)], ['error', [], ['the framework ran but reported no tests: nothing matched the scope']]);
    const raw = await client.requestRaw('tandem/runTests', null);
    assert.ok(raw.error, `expected an error response, got ${JSON.stringify(raw)}`);
    assert.ok((await client.request('tandem/coverage', {})).total >= 3);
  });
});

describe('JUnit reports named in the settings', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  /** A report written after the test file (its timestamp a minute ahead), so it is not stale from the start. */
  const report = (outcome: 'pass' | 'fail') => `<?xml version="1.0"?>
<testsuite name="pytest" tests="1" timestamp="${new Date(Date.now() + 60000).toISOString()}">
  <testcase classname="tests.test_tax" name="test_total_includes_tax" time="0.003">${outcome === 'fail' ? '<failure message="assert 107 == 108">tests/test_tax.py:4: AssertionError</failure>' : ''}</testcase>
</testsuite>
`;

  before(async () => {
    root = writeWorkspace({
      'tandem.json': JSON.stringify({ testing: { junitReports: ['reports/*.xml'] } }),
      'requirements.md': '# Requirements\n\n## REQ-7: Tax\nThe total includes tax.\n',
      'src/tax.py': '# @implements REQ-7\ndef total(net):\n    return round(net * 1.08)\n',
      'tests/test_tax.py': '# @verifies REQ-7\ndef test_total_includes_tax():\n    assert total(100) == 108\n',
      'reports/pytest.xml': report('pass'),
    });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const statusOf = async () => (await client.request('tandem/trace', { id: 'REQ-7' }))?.requirement.status;

  it('reads a report at start-up and again when it changes, so Python tests verify requirements', async () => {
    await eventually(statusOf, (status) => status === 'verified', 'REQ-7 is verified by the passing report');
    const reportFile = path.join(root, 'reports', 'pytest.xml');
    fs.writeFileSync(reportFile, report('fail'));
    // The editor watches files for the server (it registered for it), so the change comes from the client.
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(reportFile), type: 2 }] });
    await eventually(statusOf, (status) => status === 'failing', 'REQ-7 is failing after the report changed');
  });

  it('reads configured reports inside excluded build folders at start-up and on tandem.loadTestResults', async () => {
    const other = writeWorkspace({
      'tandem.json': JSON.stringify({ testing: { junitReports: ['build/test-results/**/*.xml'] } }),
      'requirements.md': '# Requirements\n\n## REQ-7: Tax\nThe total includes tax.\n',
      'src/tax.py': '# @implements REQ-7\ndef total(net):\n    return round(net * 1.08)\n',
      'tests/test_tax.py': '# @verifies REQ-7\ndef test_total_includes_tax():\n    assert total(100) == 108\n',
      'build/test-results/test/pytest.xml': report('pass'),
    });
    const second = await startServer(other);
    try {
      const status = async () => (await second.request('tandem/trace', { id: 'REQ-7' }))?.requirement.status;
      await eventually(status, (value) => value === 'verified', 'REQ-7 is verified by the report in build/');
      fs.writeFileSync(path.join(other, 'build/test-results/test/pytest.xml'), report('fail'));
      assert.deepStrictEqual(await second.request('workspace/executeCommand', { command: 'tandem.loadTestResults', arguments: [] }), { loaded: 1, problems: [] });
      await eventually(status, (value) => value === 'failing', 'REQ-7 is failing after the reports were read again');
    } finally {
      await second.shutdown();
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('shows failures from a report at the line its text names, else at the test function', async () => {
    const other = writeWorkspace({ 'tandem.json': JSON.stringify({ testing: { junitReports: ['report.xml'] } }) });
    fs.cpSync(path.join(fixturesDir, 'junit', 'pytest'), other, { recursive: true });
    // The copies must be older than the report (20 November), as the files the report was made from were.
    const before = new Date('2026-11-19T00:00:00Z');
    for (const name of ['test_orders.py', 'test_inventory.py']) fs.utimesSync(path.join(other, 'tests', name), before, before);
    const second = await startServer(other);
    try {
      const orders = path.join(other, 'tests', 'test_orders.py');
      const failed = await second.waitForDiagnostics(uriOf(orders), (list) => list.length > 0);
      assert.deepStrictEqual(
        failed.map((d) => [d.code, d.range.start.line, d.message.split('\n')[0]]),
        [['test-failed', 5, 'Test "TestRefunds test_refund_is_capped" failed: assert 120 == 100']],
      );
      const inventory = path.join(other, 'tests', 'test_inventory.py');
      const errored = await second.waitForDiagnostics(uriOf(inventory), (list) => list.length > 0);
      const definition = fs.readFileSync(inventory, 'utf8').split('\n').findIndex((line) => line.includes('def test_reserve_stock'));
      assert.deepStrictEqual(
        errored.map((d) => [d.code, d.range.start.line]),
        [['test-errored', definition]],
      );
    } finally {
      await second.shutdown();
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('loads reports named by the tandem.loadTestResults command', async () => {
    const sample = path.join(fixturesDir, 'junit', 'surefire', 'TEST-com.acme.billing.InvoiceTest.xml');
    const result = await client.request('workspace/executeCommand', { command: 'tandem.loadTestResults', arguments: [uriOf(sample)] });
    assert.deepStrictEqual(result, { loaded: 3, problems: [] });
  });
});

describe('running everything', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  before(async () => {
    root = writeWorkspace({
      'package.json': JSON.stringify({ name: 'all', private: true, scripts: { test: 'node --test' } }),
      'test/a.test.js': `require('node:test').test('a works', () => {});\n`,
      'test/b.test.js': `require('node:test').test('b fails', () => { throw new Error('b is broken'); });\n`,
    });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('runs every test the package selects, through the framework\'s own discovery', async () => {
    const result = await client.request('tandem/runTests', { scope: 'all' }, 20000);
    assert.deepStrictEqual(
      result.results.map((r: any) => [r.testName, r.outcome]).sort(),
      [
        ['a works', 'passed'],
        ['b fails', 'failed'],
      ],
    );
    assert.deepStrictEqual(result.counts, { passed: 1, failed: 1, skipped: 0, errored: 0 });
    const diagnostics = await client.waitForDiagnostics(uriOf(path.join(root, 'test', 'b.test.js')), (list) => list.length > 0);
    assert.match(diagnostics[0].message, /Test "b fails" failed: b is broken/);
  });
});

describe('a run that hangs', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  before(async () => {
    root = writeWorkspace({
      'tandem.json': JSON.stringify({ testing: { timeoutMs: 1500 } }),
      'package.json': JSON.stringify({ name: 'hang', private: true, scripts: { test: 'node --test' } }),
      'test/hang.test.js': `const { test } = require('node:test');\ntest('never returns', () => { for (;;) {} });\n`,
    });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('is killed at testing.timeoutMs, its test errored with the reason, and the server keeps serving', async () => {
    const testFile = path.join(root, 'test', 'hang.test.js');
    const result = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(testFile) }, 15000);
    assert.strictEqual(result.state, 'timedOut');
    assert.deepStrictEqual(result.results.map((r: any) => [r.testName, r.outcome]), [['never returns', 'errored']]);
    assert.match(result.results[0].message, /killed after 1500 ms \(testing.timeoutMs\)/);
    const diagnostics = await client.waitForDiagnostics(uriOf(testFile), (list) => list.some((d) => d.code === 'test-errored'));
    assert.match(diagnostics[0].message, /never returns/);
    assert.ok((await client.request('tandem/serverInfo', {})).files >= 2);
  });
});

describe('a client without progress, lens refresh or watchers', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  before(async () => {
    root = copyProject('node');
    client = await startServer(root, { capabilities: minimalCapabilities() });
  });
  after(async () => {
    await client?.shutdown();
    if (root) removeProject(root);
  });

  it('runs tests through the command and reports progress as log lines', async () => {
    const testFile = path.join(root, 'test', 'greet.test.js');
    const result = await client.request('workspace/executeCommand', { command: 'tandem.runTests', arguments: [{ scope: 'file', uri: uriOf(testFile) }] }, 20000);
    assert.deepStrictEqual(result.results.map((r: any) => [r.testName, r.outcome]), [['greet greets by name REQ-3', 'passed']]);
    assert.ok(!client.serverRequests.some((m) => m.method === 'window/workDoneProgress/create' || m.method === 'workspace/codeLens/refresh'), 'nothing the client did not announce is asked of it');
    assert.ok(client.logs.some((line) => /running tests/i.test(line)), `expected progress as log lines, got ${JSON.stringify(client.logs.slice(-5))}`);
  });
});
