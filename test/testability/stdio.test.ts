/**
 * Testability over stdio against the built server, as an editor sees it: pushed and pulled
 * diagnostics with links to the docs, settings from tandem.json, the trace's requirements, quick
 * fixes that clear their finding once applied, the extract command's edit, incremental updates when
 * a test changes, and bad input that leaves the server serving.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture, fullCapabilities, startServer, uriOf, type LspClient } from '../support/lsp';

interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  code?: string;
  message: string;
  severity?: number;
  codeDescription?: { href: string };
}

interface LspTextEdit {
  range: LspDiagnostic['range'];
  newText: string;
}

function offsetAt(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) offset = text.indexOf('\n', offset) + 1;
  return offset + position.character;
}

function applyEdits(text: string, edits: LspTextEdit[]): string {
  const changes = edits.map((edit) => ({ start: offsetAt(text, edit.range.start), end: offsetAt(text, edit.range.end), newText: edit.newText }));
  let out = text;
  for (const change of changes.sort((a, b) => b.start - a.start)) out = out.slice(0, change.start) + change.newText + out.slice(change.end);
  return out;
}

const codesOf = (diagnostics: LspDiagnostic[]) => diagnostics.filter((d) => d.code && d.message).map((d) => String(d.code)).sort();

describe('testability over stdio', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  let orders: string;
  let ordersText: string;

  before(async () => {
    root = copyFixture('testability/server');
    orders = path.join(root, 'src', 'orders.ts');
    ordersText = fs.readFileSync(orders, 'utf8');
    const capabilities = fullCapabilities() as { textDocument: Record<string, unknown> };
    capabilities.textDocument.diagnostic = { dynamicRegistration: false };
    client = await startServer(root, { capabilities });
  });

  after(async () => {
    await client?.shutdown();
  });

  it('publishes findings with a docs link, tandem.json thresholds and the trace requirement', async () => {
    client.open(orders, ordersText);
    const report = await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(orders) } });
    const codes = codesOf(report.items).filter((code) => code !== 'uncovered');
    assert.deepEqual(codes, ['hidden-clock', 'parameter-count', 'untested-export', 'untested-requirement'], `pulled codes: ${JSON.stringify(report.items.map((d) => [d.code, d.message]))}`);
    const clock = report.items.find((d) => d.code === 'hidden-clock')!;
    assert.match(clock.codeDescription?.href ?? '', /^file:.*\/docs\/testability\.md#hidden-clock$/);
    assert.equal(clock.range.start.line, ordersText.split('\n').findIndex((line) => line.includes('Date.now()')));
    const parameters = report.items.find((d) => d.code === 'parameter-count')!;
    assert.match(parameters.message, /3 parameters \(more than 2\)/, 'the threshold comes from tandem.json');
    const requirement = report.items.find((d) => d.code === 'untested-requirement')! as LspDiagnostic & { relatedInformation?: { location: { uri: string }; message: string }[] };
    assert.match(requirement.message, /OrderService.*REQ-7/);
    assert.deepEqual(
      requirement.relatedInformation?.map((place) => [place.location.uri, place.message]),
      [[uriOf(path.join(root, 'docs', 'requirements.md')), 'REQ-7: Submit orders (untested)']],
      'the diagnostic points at the requirement it leaves untested',
    );
    const untested = report.items.find((d) => d.code === 'untested-export')!;
    assert.match(untested.message, /totalOf/, 'totalOf is the one export no test uses');
  });

  it('offers a fix that clears the finding once the editor applies it', async () => {
    const diagnostics: LspDiagnostic[] = (await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(orders) } })).items;
    const clock = diagnostics.find((d) => d.code === 'hidden-clock')!;
    const actions = await client.request<{ title: string; kind: string; edit?: { changes: Record<string, LspTextEdit[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(orders) },
      range: clock.range,
      context: { diagnostics: [clock] },
    });
    const titles = actions.map((action) => action.title);
    // `stamp` is exported, so callers elsewhere are unknown: the fix reads the clock through a module-level seam instead of a new parameter.
    const inject = actions.find((action) => /^Read the clock through `clock\.now`/.test(action.title));
    assert.ok(inject?.edit, `expected "Read the clock through \`clock.now\`…" among ${titles.join(' | ')}`);
    assert.ok(titles.includes('Suppress hidden-clock on this line') && titles.includes('Suppress hidden-clock in this file'), `suppressions missing from ${titles.join(' | ')}`);
    const fixed = applyEdits(ordersText, inject.edit.changes[uriOf(orders)]);
    assert.match(fixed, /export const clock = \{ now: \(\) => Date\.now\(\) \};\n\nexport function stamp\(order: Order\): string \{\n  return `\$\{order\.id\}@\$\{clock\.now\(\)\}`;/);
    client.change(orders, fixed, 2);
    const after = (await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(orders) } })).items;
    assert.deepEqual(codesOf(after).filter((code) => code !== 'uncovered'), ['parameter-count', 'untested-export', 'untested-requirement'], 'only hidden-clock is gone');
    ordersText = fixed;
  });

  it('suppresses a finding for one line with the offered comment', async () => {
    const diagnostics = (await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(orders) } })).items;
    const parameters = diagnostics.find((d) => d.code === 'parameter-count');
    assert.ok(parameters, `expected parameter-count among ${codesOf(diagnostics).join(', ')}`);
    const actions = await client.request<{ title: string; edit?: { changes: Record<string, LspTextEdit[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(orders) },
      range: parameters.range,
      context: { diagnostics: [parameters] },
    });
    const suppress = actions.find((action) => action.title === 'Suppress parameter-count on this line');
    assert.ok(suppress?.edit, `expected the line suppression among ${actions.map((a) => a.title).join(' | ')}`);
    const suppressed = applyEdits(ordersText, suppress.edit.changes[uriOf(orders)]);
    assert.match(suppressed, /\/\/ tandem-ignore-next-line parameter-count\nexport function price\(/);
    client.change(orders, suppressed, 3);
    const after = (await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(orders) } })).items;
    assert.deepEqual(codesOf(after).filter((code) => code !== 'uncovered'), ['untested-export', 'untested-requirement']);
    ordersText = suppressed;
  });

  it('pushes updates to untested exports when a test starts using one', async () => {
    const pushRoot = copyFixture('testability/server');
    const pushClient = await startServer(pushRoot);
    try {
      const pushOrders = path.join(pushRoot, 'src', 'orders.ts');
      pushClient.open(pushOrders);
      const before = await pushClient.waitForDiagnostics(uriOf(pushOrders), (list: LspDiagnostic[]) => list.some((d) => d.code === 'untested-export'), 10000);
      assert.deepEqual(codesOf(before).filter((code) => code !== 'uncovered'), ['hidden-clock', 'parameter-count', 'untested-export', 'untested-requirement']);
      const newTest = path.join(pushRoot, 'test', 'total.test.ts');
      const testText = "import { totalOf } from '../src/orders';\n\nit('totals', () => totalOf({ id: 'a', lines: [1] }));\n";
      fs.writeFileSync(newTest, testText);
      pushClient.open(newTest, testText);
      const after = await pushClient.waitForDiagnostics(uriOf(pushOrders), (list: LspDiagnostic[]) => !list.some((d) => d.code === 'untested-export'), 10000);
      assert.deepEqual(codesOf(after).filter((code) => code !== 'uncovered'), ['hidden-clock', 'parameter-count', 'untested-requirement']);
    } finally {
      await pushClient.shutdown();
    }
  });

  it('runs the extract refactor as a command and sends the edit to the editor', async () => {
    const extractable = path.join(root, 'src', 'score.ts');
    const text = [
      'export function score(values: number[], limit: number): number {',
      '  let total = 0;',
      '  for (const value of values) {',
      '    if (value > limit) {',
      '      if (value % 2 === 0) {',
      '        total += 2;',
      '      } else if (value % 3 === 0) {',
      '        total += 3;',
      '      } else {',
      '        total += 1;',
      '      }',
      '    } else if (value < 0) {',
      '      for (let i = 0; i < -value; i++) {',
      '        if (i % 2 === 0 && total > 0) {',
      '          total -= 1;',
      '        }',
      '      }',
      '    }',
      '  }',
      '  return total;',
      '}',
      '',
    ].join('\n');
    client.open(extractable, text);
    const report = await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(extractable) } });
    const complex = report.items.find((d) => d.code === 'cognitive-complexity');
    assert.ok(complex, `expected a cognitive-complexity finding, got ${codesOf(report.items).join(', ')}`);
    const actions = await client.request<{ title: string; command?: { command: string; arguments: unknown[] } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(extractable) },
      range: complex.range,
      context: { diagnostics: [complex] },
    });
    const extract = actions.find((action) => action.command?.command === 'tandem.testability.extractFunction');
    assert.ok(extract, `expected an extract action among ${actions.map((a) => a.title).join(' | ')}`);
    const before = client.serverRequests.length;
    const result = await client.request<{ applied: boolean }>('workspace/executeCommand', { command: extract.command!.command, arguments: extract.command!.arguments }, 20000);
    assert.deepEqual(result, { applied: true });
    const applyEdit = client.serverRequests.slice(before).find((message) => message.method === 'workspace/applyEdit');
    assert.ok(applyEdit, 'the server should ask the editor to apply the edit');
    const edited = applyEdits(text, applyEdit.params.edit.changes[uriOf(extractable)]);
    assert.match(edited, /function eachValues\(/, `the extracted function should appear in:\n${edited}`);
    assert.ok(edited.split('\n').length > text.split('\n').length);
  });

  it('leaves test files alone by default', async () => {
    const testFile = path.join(root, 'test', 'clock.test.ts');
    const text = "import { stamp } from '../src/orders';\n\nit('stamps', () => stamp({ id: String(Date.now()), lines: [Math.random()] }));\n";
    client.open(testFile, text);
    const report = await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(testFile) } });
    assert.deepEqual(codesOf(report.items).filter((code) => code.startsWith('hidden') || code.startsWith('untested')), [], 'test files are not analysed by default');
  });

  it('analyses a file with syntax errors as far as it parses', async () => {
    const broken = path.join(root, 'src', 'broken.ts');
    client.open(broken);
    const report = await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(broken) } });
    assert.deepEqual(codesOf(report.items).filter((code) => code !== 'uncovered'), ['hidden-clock', 'untested-export']);
  });

  it('answers bad command input with an error and keeps serving', async () => {
    const response = await client.requestRaw('workspace/executeCommand', { command: 'tandem.testability.extractFunction', arguments: ['not a uri', 'x'] });
    assert.ok(response.error, `expected an error response, got ${JSON.stringify(response.result)}`);
    assert.match(response.error.message, /tandem\.testability\.extractFunction needs a file URI/);
    const findings = await client.request<{ code: string }[]>('workspace/executeCommand', { command: 'tandem.testability.analyze', arguments: [uriOf(orders)] });
    assert.ok(findings.some((finding) => finding.code === 'untested-requirement'), `the server still answers: ${JSON.stringify(findings)}`);
  });
});
