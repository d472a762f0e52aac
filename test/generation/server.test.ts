/**
 * Generation through the built server over stdio, as an editor drives it: code actions are listed,
 * `tandem.generate` runs against a scripted model on 127.0.0.1, and the result arrives as one
 * `workspace/applyEdit` (or, when the checks fail, as a message and nothing else). The server never
 * writes to the workspace itself; each test proves that.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullCapabilities, minimalCapabilities, startServer, uriOf, type LspClient } from '../support/lsp';
import { ScriptedModel, type ScriptStep } from './support/scriptedModel';
import { answer, diffSnapshots, removeWorkspace, shopWorkspace, snapshot } from './support/workspace';

const apiKey = 'sk-stdio-test-9001';

/** The position of the first `$0` in a marked text, and the text without the marker. */
function marked(text: string): { text: string; position: { line: number; character: number } } {
  const at = text.indexOf('$0');
  assert.ok(at >= 0, 'the fixture text needs a $0 marker');
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { text: text.slice(0, at) + text.slice(at + 2), position: { line, character: at - (before.lastIndexOf('\n') + 1) } };
}

/** The text of a file with `$0` placed before the first occurrence of `needle`. */
function markBefore(file: string, needle: string): { text: string; position: { line: number; character: number } } {
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found in ${file}`);
  return marked(text.slice(0, at) + '$0' + text.slice(at));
}

/** Applies a WorkspaceEdit's documentChanges to disk, as an editor would, and returns the files written. */
function applyToDisk(edit: { documentChanges: any[] }): string[] {
  const written = new Set<string>();
  for (const change of edit.documentChanges) {
    if (change.kind === 'create') {
      const file = fileURLToPath(change.uri);
      assert.ok(!fs.existsSync(file), `the edit creates ${file}, which exists`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '');
      written.add(file);
      continue;
    }
    const file = fileURLToPath(change.textDocument.uri);
    let text = fs.readFileSync(file, 'utf8');
    const offset = (p: { line: number; character: number }) => text.split('\n').slice(0, p.line).reduce((sum, l) => sum + l.length + 1, 0) + p.character;
    const edits = [...change.edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
    for (const e of edits) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
    fs.writeFileSync(file, text);
    written.add(file);
  }
  return [...written];
}

describe('generation over stdio', function () {
  this.timeout(60_000);
  let root: string;
  let model: ScriptedModel;
  let client: LspClient | undefined;
  const script: ScriptStep[] = [];

  async function start(capabilities = fullCapabilities(), settings: Record<string, unknown> = {}): Promise<LspClient> {
    client = await startServer(root, {
      capabilities,
      initializationOptions: { generation: { model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', maxRetryDelayMs: 50, ...settings } },
      env: { TANDEM_TEST_KEY: apiKey },
    });
    return client;
  }

  async function codeActions(file: string, needle: string): Promise<any[]> {
    const { position } = markBefore(file, needle);
    return client!.request('textDocument/codeAction', { textDocument: { uri: uriOf(file) }, range: { start: position, end: position }, context: { diagnostics: [] } });
  }

  beforeEach(async () => {
    root = shopWorkspace();
    script.length = 0;
    model = await new ScriptedModel(script).start();
  });

  afterEach(async () => {
    await client?.shutdown();
    client = undefined;
    await model.stop();
    removeWorkspace(root);
  });

  it('offers the generation actions where they apply, and none elsewhere', async () => {
    await start();
    const slugify = path.join(root, 'src', 'slugify.ts');
    const orders = path.join(root, 'src', 'orders.ts');
    const titles = async (file: string, needle: string) => (await codeActions(file, needle)).filter((a) => a.kind === 'refactor.generate').map((a) => a.title);
    assert.deepEqual(await titles(slugify, 'slugify('), ['Implement `slugify` with tests']);
    assert.deepEqual(await titles(path.join(root, 'requirements.md'), 'REQ-3'), ['Implement REQ-3 with tests']);
    assert.deepEqual(await titles(path.join(root, 'requirements.md'), 'REQ-2'), [], 'REQ-2 is covered: no generating action');
    assert.deepEqual(await titles(orders, 'placedToday('), ['Generate tests for `placedToday`']);
    assert.deepEqual(await titles(orders, 'orderTotal('), [], 'orderTotal has tests, so nothing is offered');
    assert.deepEqual(await titles(slugify, 'REQ-1'), ['Implement REQ-1 with tests'], 'a tag naming a requirement offers it');
    const { position } = markBefore(orders, 'Date.now()');
    const clock = { range: { start: position, end: { line: position.line, character: position.character + 10 } }, source: 'tandem', code: 'hidden-clock', message: 'placedToday reads the clock' };
    const refactor = (await client!.request('textDocument/codeAction', { textDocument: { uri: uriOf(orders) }, range: { start: position, end: position }, context: { diagnostics: [clock] } })).filter((a: any) => a.kind === 'refactor.generate');
    assert.deepEqual(refactor.map((a: any) => a.title), ['Refactor `placedToday` for testability']);
    assert.deepEqual(refactor[0].command.arguments[0].finding, { code: 'hidden-clock', message: 'placedToday reads the clock' });
    assert.deepEqual(refactor[0].diagnostics, [clock]);
    const [action] = (await codeActions(slugify, 'slugify(')).filter((a) => a.kind === 'refactor.generate');
    assert.equal(action.command.command, 'tandem.generate');
    assert.deepEqual(action.command.arguments, [{ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify', requirementId: 'REQ-1' }]);
    assert.equal(action.edit, undefined, 'nothing is generated while the menu opens');
    assert.equal(model.requests.length, 0);
  });

  it('implements a stub with tests and delivers one annotated edit, with progress and a report', async () => {
    script.push({ answer: answer('slugify-good') });
    await start();
    const before = snapshot(root);
    const slugify = path.join(root, 'src', 'slugify.ts');
    const report = await client!.generate({ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify', requirementId: 'REQ-1' }, 45_000);
    assert.equal(report.status, 'applied', `expected applied, got ${report.status}: ${report.message}`);
    const edits = client!.serverRequests.filter((m) => m.method === 'workspace/applyEdit');
    assert.equal(edits.length, 1, 'exactly one applyEdit');
    const { label, edit } = edits[0].params;
    assert.match(label, /Implement slugify with tests/);
    const changes = edit.documentChanges as any[];
    const create = changes.find((c) => c.kind === 'create');
    assert.equal(create.uri, uriOf(path.join(root, 'test', 'slugify.test.ts')));
    assert.deepEqual(create.options, { overwrite: false, ignoreIfExists: false });
    const stubEdit = changes.find((c) => c.textDocument?.uri === uriOf(slugify));
    assert.equal(stubEdit.edits.length, 1);
    assert.match(stubEdit.edits[0].newText, /\.join\('-'\)/);
    const annotation = edit.changeAnnotations[stubEdit.edits[0].annotationId];
    assert.deepEqual(annotation, { label: 'Implementation of the stub slugify', needsConfirmation: true }, 'replacing existing text asks first');
    const progress = client!.notifications.filter((m) => m.method === '$/progress').map((m) => m.params.value.message ?? m.params.value.title);
    assert.ok(progress.some((m) => /Round 1\/3: running the new tests/.test(m ?? '')), `progress should name stage and round, got ${JSON.stringify(progress)}`);
    const { reports } = await client!.request('tandem/generationReport', { runId: report.runId });
    assert.equal(reports.length, 1);
    assert.equal(reports[0].rounds.length, 1);
    assert.ok(reports[0].tokensIn > 0 && reports[0].tokensOut > 0, 'tokens are recorded');
    assert.ok(reports[0].promptTokens < reports[0].wholeFileTokens + 2000, 'the prompt is measured against whole files');
    assert.ok(client!.logs.some((l) => l.includes(`generation ${report.runId}`) && l.includes('applied')), 'the record is logged');
    assert.deepEqual(diffSnapshots(before, snapshot(root)), [], 'the server never writes to the workspace');
  });

  it('shows generated code and tests in the trace as soon as the edit is applied (offline provider)', async () => {
    client = await startServer(root, { capabilities: fullCapabilities() });
    const before = await client.request('tandem/trace', { id: 'REQ-3' });
    const testsBefore = before.tests.length;
    const report = await client.generate({ kind: 'requirement', requirementId: 'REQ-3' }, 45_000);
    assert.equal(report.status, 'applied', report.message);
    assert.equal(report.provider, 'offline');
    assert.equal(model.requests.length, 0, 'no model is asked without generation.model');
    const [request] = client.serverRequests.filter((m) => m.method === 'workspace/applyEdit');
    const written = applyToDisk(request.params.edit);
    assert.deepEqual(written.sort(), ['src/gift-wrapping.ts', 'test/gift-wrapping.test.ts'].map((f) => path.join(root, f)).sort());
    const changed = client.waitForNotification('tandem/traceDidChange', () => true, 10_000);
    client.notify('workspace/didChangeWatchedFiles', { changes: written.map((file) => ({ uri: uriOf(file), type: 1 })) });
    await changed;
    const after = await client.request('tandem/trace', { id: 'REQ-3' });
    const testFiles = after.tests.map((t: any) => t.location.uri);
    assert.ok(testFiles.includes(uriOf(path.join(root, 'test', 'gift-wrapping.test.ts'))), `the skeleton tests should verify REQ-3, got ${JSON.stringify(after.tests)}`);
    assert.ok(after.tests.length > testsBefore);
    assert.ok(after.implementations.some((l: any) => l.location.uri === uriOf(path.join(root, 'src', 'gift-wrapping.ts'))), `the stub should implement REQ-3, got ${JSON.stringify(after.implementations)}`);
    assert.match(report.message, /applied to src\/gift-wrapping\.ts, test\/gift-wrapping\.test\.ts; not yet saved/);
    const skeleton = fs.readFileSync(path.join(root, 'test', 'gift-wrapping.test.ts'), 'utf8');
    assert.match(skeleton, /import \{ giftWrapping \} from '\.\.\/src\/gift-wrapping';/, 'the skeleton imports the stub it tests');
    assert.match(skeleton, /assert\.equal\(typeof giftWrapping, 'function'\)/, 'and asserts');
    const stubUri = uriOf(path.join(root, 'src', 'gift-wrapping.ts'));
    client.open(path.join(root, 'src', 'gift-wrapping.ts'));
    const pulled = await client.request('textDocument/diagnostic', { textDocument: { uri: stubUri } });
    assert.deepEqual(pulled.items.filter((d: any) => d.code === 'untested-export' || d.code === 'untested-requirement').map((d: any) => d.message), [], 'the new stub is not flagged untested: its skeleton test imports it');
  });

  it('implements a requirement through the stub already tagged with it', async () => {
    script.push({ answer: answer('slugify-good') });
    await start();
    const report = await client!.generate({ kind: 'requirement', requirementId: 'REQ-1' }, 45_000);
    assert.equal(report.status, 'applied', `${report.message} ${JSON.stringify(report.rounds.map((r: any) => r.issues))}`);
    assert.deepEqual(report.files.sort(), ['src/slugify.ts', 'test/slugify.test.ts']);
    const prompt = model.requests[0].body.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /slugify in src\/slugify\.ts is the stub that implements it: REPLACE it/);
  });

  it('checks against unsaved editor text', async () => {
    const orders = path.join(root, 'src', 'orders.ts');
    const unsaved = `${fs.readFileSync(orders, 'utf8')}\nexport function lineCount(lines: OrderLine[]): number {\n  return lines.length;\n}\n`;
    const tests = 'FILE test/line-count.test.ts CREATE\n```ts\nimport { strict as assert } from \'node:assert\';\nimport { lineCount } from \'../src/orders\';\n\ndescribe(\'lineCount\', () => {\n  it(\'counts the lines\', () => {\n    assert.equal(lineCount([{ sku: \'a\', unitPrice: 1, quantity: 2 }]), 1);\n  });\n});\n```\n';
    script.push({ answer: tests });
    await start();
    client!.open(orders, unsaved, 'typescript', 2);
    const report = await client!.generate({ kind: 'tests', uri: uriOf(orders), symbol: 'lineCount' }, 45_000);
    assert.equal(report.status, 'applied', `${report.message} ${JSON.stringify(report.rounds.map((r: any) => r.issues))}`);
    assert.ok(!fs.readFileSync(orders, 'utf8').includes('lineCount'), 'the disk copy never had lineCount');
  });

  it('applies nothing when the rounds run out, then applies the kept attempt on request', async () => {
    script.push({ answer: answer('slugify-wrong') }, { answer: answer('slugify-wrong') });
    await start(fullCapabilities(), { rounds: 2 });
    const slugify = path.join(root, 'src', 'slugify.ts');
    const report = await client!.generate({ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify' }, 45_000);
    assert.equal(report.status, 'offered', report.message);
    assert.equal(client!.serverRequests.filter((m) => m.method === 'workspace/applyEdit').length, 0, 'no edit for a failed run');
    const warning = await client!.waitFor((m) => /^window\/showMessage/.test(m.method ?? '') && /tandem\.applyGenerationAttempt/.test(m.params.message), 'the warning naming the kept attempt', 5000, true);
    assert.match(warning.params.message, /\[tests\]/);
    const offered = (await codeActions(slugify, 'slugify(')).filter((a) => a.command?.command === 'tandem.applyGenerationAttempt');
    assert.deepEqual(offered.map((a) => a.title), ['Apply the best attempt of "Implement slugify with tests" (failing checks)'], 'the kept attempt is offered where it applies');
    await client!.request('workspace/executeCommand', { command: 'tandem.applyGenerationAttempt', arguments: [{ runId: report.runId }] });
    const [applied] = client!.serverRequests.filter((m) => m.method === 'workspace/applyEdit');
    const annotations = Object.values(applied.params.edit.changeAnnotations) as any[];
    assert.ok(annotations.length > 0 && annotations.every((a) => a.needsConfirmation && /failing checks/.test(a.label)), JSON.stringify(annotations));
  });

  it('answers the command at once, then cancels a hung model request by run id, with progress as log lines to a minimal client', async () => {
    script.push({ hang: true });
    await start(minimalCapabilities());
    const slugify = path.join(root, 'src', 'slugify.ts');
    // The answer comes before any model request: the editor is never blocked while the run goes on.
    const started = await client!.request('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify' }] }, 5_000);
    assert.equal(started.status, 'running');
    assert.match(started.runId, /^g\d+$/);
    await client!.waitFor((m) => m.method === 'window/logMessage' && /gathering the context/.test(m.params.message), 'the first progress log line', 10_000, true);
    // Gathering loads TypeScript and parses the project: seconds on a loaded machine.
    await client!.waitFor((m) => m.method === 'window/logMessage' && /Round 1\/3: asking scripted-model/.test(m.params.message), 'the progress log line', 40_000, true);
    const deadline = Date.now() + 5000;
    while (model.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const finished = client!.waitForNotification('tandem/generationDidFinish', (report) => report.runId === started.runId, 10_000);
    assert.equal(await client!.request('workspace/executeCommand', { command: 'tandem.cancelGeneration', arguments: [{ runId: started.runId }] }), true);
    assert.equal((await finished).status, 'cancelled');
    const until = Date.now() + 3000;
    while (!model.requests[0]?.aborted && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(model.requests[0]?.aborted, true, 'the model request is aborted');
    const { reports } = await client!.request('tandem/generationReport', {});
    assert.equal(reports[0].status, 'cancelled');
    assert.equal(await client!.request('workspace/executeCommand', { command: 'tandem.cancelGeneration', arguments: [{ runId: started.runId }] }), false, 'a finished run is not running');
  });

  it('answers bad arguments with a clear error and keeps serving', async () => {
    await start();
    const bad = await client!.requestRaw('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'everything' }] });
    assert.match(bad.error?.message ?? '', /tandem\.generate needs one argument \{ kind: requirement \| stub \| tests \| refactor/);
    const missing = await client!.requestRaw('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'stub', symbol: 'slugify' }] });
    assert.match(missing.error?.message ?? '', /with kind "stub" needs uri and symbol/);
    const unknown = await client!.requestRaw('workspace/executeCommand', { command: 'tandem.applyGenerationAttempt', arguments: [{ runId: 'g999' }] });
    assert.match(unknown.error?.message ?? '', /no kept attempt for run g999/);
    const report = await client!.generate({ kind: 'requirement', requirementId: 'REQ-404' });
    assert.equal(report.status, 'error');
    assert.match(report.message, /No requirement REQ-404 is defined in the workspace/);
    const { reports } = await client!.request('tandem/generationReport', { runId: 'nope' });
    assert.deepEqual(reports, []);
    assert.equal(model.requests.length, 0);
  });

  it('names the environment variable when the endpoint refuses the key', async () => {
    script.push({ status: 401, body: { error: { message: 'invalid api key' } } });
    await start();
    const report = await client!.generate({ kind: 'requirement', requirementId: 'REQ-2' }, 20_000);
    assert.equal(report.status, 'error');
    assert.match(report.message, /refused the API key from TANDEM_TEST_KEY/);
    assert.ok(!JSON.stringify(client!.notifications).includes(apiKey), 'the key never appears in what the editor receives');
    await client!.waitFor((m) => /^window\/showMessage/.test(m.method ?? '') && /TANDEM_TEST_KEY/.test(m.params.message), 'the error message', 5000, true);
  });
});
