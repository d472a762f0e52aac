/**
 * Test runs over stdio against the built server, as an editor drives them: `tandem/runTests`,
 * `tandem/testResults`, failure diagnostics at the failing assertion, code lenses, and the trace
 * turning results into `verified`, `failing` and (after an edit) stale.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, uriOf, type LspClient } from '../support/lsp';
import { copyProject, markerLine, missingInstall, removeProject } from './support';

describe('test runs over stdio (mocha fixture)', function () {
  this.timeout(60000);
  let root: string;
  let client: LspClient;

  before(async function () {
    const missing = missingInstall('mocha', 'mocha');
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    root = copyProject('mocha');
    client = await startServer(root);
  });

  after(async () => {
    await client?.shutdown();
    if (root) removeProject(root);
  });

  const statusOf = async (id: string) => (await client.request('tandem/trace', { id }))?.requirement.status;

  it('runs a file, streams results, and makes passing requirements verified and failing ones failing', async () => {
    const testFile = path.join(root, 'test', 'calc.test.js');
    const started = client.waitForNotification('tandem/testResults', (p) => p.kind === 'started');
    const result = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(testFile) }, 30000);
    const startedParams = await started;
    assert.strictEqual(startedParams.runId, result.runId, 'the started notification names the run id of the response');
    const byName = Object.fromEntries(result.results.map((r: any) => [r.testName, r.outcome]));
    assert.deepStrictEqual(byName, {
      'calc adds two numbers REQ-1': 'passed',
      'calc divides evenly REQ-2': 'failed',
      'calc multiplies (not written yet)': 'skipped',
      'calc waits for a reply that never comes': 'failed',
    });
    assert.strictEqual(result.state, 'failed');
    const streamed = client.notifications.filter((m) => m.method === 'tandem/testResults' && m.params.runId === result.runId && m.params.kind === 'results').flatMap((m) => m.params.results);
    assert.strictEqual(streamed.length, 4, `expected 4 streamed results, got ${JSON.stringify(streamed.map((r: any) => r.testName))}`);
    assert.strictEqual(await statusOf('REQ-1'), 'verified');
    assert.strictEqual(await statusOf('REQ-2'), 'failing');
    assert.strictEqual(await statusOf('REQ-3'), 'covered', 'a requirement whose test never ran stays covered');
  });

  it('shows the failure at the failing assertion with expected and actual, and clears it when the test passes', async () => {
    const testFile = path.join(root, 'test', 'calc.test.js');
    const fail = markerLine(testFile, '$fail');
    const diagnostics = await client.waitForDiagnostics(uriOf(testFile), (list) => list.some((d) => d.code === 'test-failed'), 10000);
    const failure = diagnostics.find((d) => d.code === 'test-failed' && d.message.includes('divides evenly'));
    assert.ok(failure, `expected a test-failed diagnostic for "divides evenly", got ${JSON.stringify(diagnostics)}`);
    assert.strictEqual(failure.range.start.line, fail.line, `expected the diagnostic on the $fail line ${fail.line}, got line ${failure.range.start.line}`);
    assert.match(failure.message, /expected: 2\nactual: {3}3/);

    const source = path.join(root, 'src', 'calc.js');
    fs.writeFileSync(source, fs.readFileSync(source, 'utf8').replace('Math.floor(a / b) + 1', 'a / b'));
    const rerun = await client.request('tandem/runTests', { scope: 'test', uri: uriOf(testFile), testName: 'calc divides evenly REQ-2' }, 30000);
    assert.deepStrictEqual(rerun.results.map((r: any) => [r.testName, r.outcome]), [['calc divides evenly REQ-2', 'passed']]);
    await client.waitForDiagnostics(uriOf(testFile), (list) => !list.some((d) => d.message.includes('divides evenly')), 10000);
    assert.strictEqual(await statusOf('REQ-2'), 'verified');
  });

  it('marks results stale when the code they tested changes, so the requirement is no longer verified', async () => {
    const source = path.join(root, 'src', 'calc.js');
    const edited = fs.readFileSync(source, 'utf8').replace('a + b', 'b + a');
    client.open(source);
    client.change(source, edited, 2);
    await client.waitForNotification('tandem/traceDidChange', () => true, 5000).catch(() => undefined);
    const deadline = Date.now() + 5000;
    let status = await statusOf('REQ-1');
    while (status === 'verified' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await statusOf('REQ-1');
    }
    assert.strictEqual(status, 'covered', 'a stale passing result counts as covered, not verified');
    const trace = await client.request('tandem/trace', { id: 'REQ-1' });
    assert.strictEqual(trace.tests[0].result?.stale, true, `expected the test link's result to be stale, got ${JSON.stringify(trace.tests[0].result)}`);
    client.close(source);
    // Closing without saving brings back the text REQ-2's test ran against, so it is verified again.
    const until = Date.now() + 5000;
    while ((await statusOf('REQ-2')) !== 'verified' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.strictEqual(await statusOf('REQ-2'), 'verified', 'the result is fresh again once the unsaved edit is dropped');
  });

  it('offers run and last-result code lenses over tests and requirements', async () => {
    const testFile = path.join(root, 'test', 'calc.test.js');
    const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: uriOf(testFile) } });
    const titles = lenses.map((lens: any) => lens.command.title);
    assert.ok(titles.includes('▶ Run suite'), `expected a suite lens, got ${JSON.stringify(titles)}`);
    assert.ok(titles.filter((t: string) => t === '▶ Run').length === 4, `expected 4 run lenses, got ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t: string) => t.startsWith('✗ failed')), `expected a failed result lens, got ${JSON.stringify(titles)}`);
    const run = lenses.find((lens: any) => lens.command.title === '▶ Run');
    assert.deepStrictEqual(run.command.arguments[0], { scope: 'test', uri: uriOf(testFile), testName: 'calc adds two numbers REQ-1' });
    const requirementLenses = await client.request('textDocument/codeLens', { textDocument: { uri: uriOf(path.join(root, 'requirements.md')) } });
    const runTitles = requirementLenses.filter((lens: any) => lens.command.command === 'tandem.runTests').map((lens: any) => lens.command.title);
    assert.deepStrictEqual(
      runTitles.map((title: string) => title.replace(/\d+s ago/, 'Ns ago')),
      ['▶ Run tests (0/1 passed · Ns ago)', '▶ Run tests (1/1 passed · Ns ago)', '▶ Run tests (1)'],
      'REQ-1 passed but is stale after the edit, REQ-2 passed, REQ-3 has not run yet',
    );
  });

  it('runs the tests of a requirement through the command behind its lens', async () => {
    const result = await client.request('workspace/executeCommand', { command: 'tandem.runTests', arguments: [{ scope: 'requirement', id: 'REQ-3' }] }, 30000);
    assert.deepStrictEqual(result.results.map((r: any) => [r.testName, r.outcome]), [['greet greets by name REQ-3', 'passed']]);
    assert.strictEqual(await statusOf('REQ-3'), 'verified');
  });

  it('shows work-done progress while a run goes', async () => {
    const progress = client.serverRequests.filter((m) => m.method === 'window/workDoneProgress/create');
    const begins = client.notifications.filter((m) => m.method === '$/progress' && m.params.value?.kind === 'begin' && /running tests/.test(m.params.value.title));
    assert.ok(progress.length > 0 && begins.length > 0, `expected progress for test runs, got ${begins.length} begin notifications`);
  });

  it('reports a crashing test file as errored tests and keeps serving', async () => {
    const crashFile = path.join(root, 'test', 'crash.test.js');
    const result = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(crashFile) }, 30000);
    assert.deepStrictEqual(result.results.map((r: any) => [r.testName, r.outcome]), [['crash exits the process mid-test', 'errored']]);
    assert.match(result.problems[0].message, /exited with code 7/);
    const info = await client.request('tandem/serverInfo', {});
    assert.ok(info.files > 0, 'the server still answers after a crashing run');
  });

  it('keeps results across a restart', async () => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.ok(fs.existsSync(path.join(root, '.tandem', 'test-results.json')), 'results are saved in .tandem/test-results.json');
    assert.match(fs.readFileSync(path.join(root, '.tandem', '.gitignore'), 'utf8'), /^\*$/m, '.tandem/ ignores itself for git');
    await client.shutdown();
    client = await startServer(root);
    const deadline = Date.now() + 5000;
    while ((await statusOf('REQ-3')) !== 'verified' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.strictEqual(await statusOf('REQ-3'), 'verified', 'the saved passing result of REQ-3 verifies it after a restart');
  });
});
