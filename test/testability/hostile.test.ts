/**
 * Testability on hostile input, through the real server over stdio: positions and fix edits in
 * documents with CRLF, CR-only line breaks and literal U+2028/U+2029 in strings (TypeScript counts
 * those two as line breaks, LSP does not), and nesting deep enough to exhaust a recursive walk or the
 * parser itself — which must become a diagnostic that says so, never silence or a crash.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';

interface LspPosition {
  line: number;
  character: number;
}
interface LspDiagnostic {
  range: { start: LspPosition; end: LspPosition };
  code?: string;
  message: string;
}
interface LspTextEdit {
  range: LspDiagnostic['range'];
  newText: string;
}

/** Offsets by LSP's own rules: lines end at \r\n, \r or \n only. */
function offsetAt(text: string, position: LspPosition): number {
  let line = 0;
  let at = 0;
  while (line < position.line && at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 13 && text.charCodeAt(at + 1) === 10) at++;
    if (code === 10 || code === 13) line++;
    at++;
  }
  return at + position.character;
}

function applyEdits(text: string, edits: LspTextEdit[]): string {
  const changes = edits.map((edit) => ({ start: offsetAt(text, edit.range.start), end: offsetAt(text, edit.range.end), newText: edit.newText }));
  let out = text;
  for (const change of changes.sort((a, b) => b.start - a.start)) out = out.slice(0, change.start) + change.newText + out.slice(change.end);
  return out;
}

describe('testability on hostile input over stdio', function () {
  this.timeout(60000);
  let root: string;
  let client: LspClient;
  let version = 1;
  const opened = new Set<string>();

  before(async () => {
    // Deep input is written on few lines, which would pass for minified code: this workspace reads it anyway.
    root = writeWorkspace({ 'package.json': '{ "name": "hostile" }\n', 'tandem.json': '{ "excludeGenerated": false }\n' });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
  });

  async function diagnosticsOf(name: string, text: string): Promise<{ file: string; items: LspDiagnostic[] }> {
    const file = path.join(root, name);
    if (opened.has(file)) client.change(file, text, ++version);
    else {
      opened.add(file);
      client.open(file, text);
    }
    const report = await client.request<{ items: LspDiagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: uriOf(file) } }, 30000);
    return { file, items: report.items.filter((item) => item.code !== 'uncovered') };
  }

  /** The finding's range must cover exactly `expected` in the text, by LSP's line rules. */
  function assertCovers(text: string, diagnostic: LspDiagnostic | undefined, expected: string): void {
    assert.ok(diagnostic, `expected a diagnostic on ${expected}`);
    const covered = text.slice(offsetAt(text, diagnostic.range.start), offsetAt(text, diagnostic.range.end));
    assert.equal(covered, expected, `the range ${JSON.stringify(diagnostic.range)} covers "${covered}"`);
  }

  for (const [label, newline] of [
    ['CRLF', '\r\n'],
    ['CR-only', '\r'],
  ] as const) {
    it(`places findings and the line suppression right in a ${label} document`, async () => {
      const text = ['// header', 'function age(createdAt: number): number {', '  const note = "x";', '  return Date.now() - createdAt;', '}', 'export const a = age(1);', ''].join(newline);
      const { file, items } = await diagnosticsOf(`${label}.ts`, text);
      const clock = items.find((item) => item.code === 'hidden-clock');
      assertCovers(text, clock, 'Date.now()');
      assert.equal(clock!.range.start.line, 3);
      const actions = await client.request<{ title: string; edit?: { changes: Record<string, LspTextEdit[]> } }[]>('textDocument/codeAction', {
        textDocument: { uri: uriOf(file) },
        range: clock!.range,
        context: { diagnostics: [clock] },
      });
      const suppress = actions.find((action) => action.title === 'Suppress hidden-clock on this line');
      assert.ok(suppress?.edit, `expected the line suppression among ${actions.map((action) => action.title).join(' | ')}`);
      const suppressed = applyEdits(text, suppress.edit.changes[uriOf(file)]);
      assert.ok(suppressed.includes(`  const note = "x";${newline}  // tandem-ignore-next-line hidden-clock${newline}  return Date.now()`), `suppressed text: ${JSON.stringify(suppressed)}`);
      const inject = actions.find((action) => action.title.startsWith('Pass the clock into `age`'));
      assert.ok(inject?.edit, `expected the parameter fix among ${actions.map((action) => action.title).join(' | ')}`);
      const injected = applyEdits(text, inject.edit.changes[uriOf(file)]);
      assert.ok(injected.includes(`function age(createdAt: number, now = () => Date.now()): number {${newline}  const note = "x";${newline}  return now() - createdAt;`), `injected text: ${JSON.stringify(injected)}`);
      const after = await diagnosticsOf(`${label}.ts`, suppressed);
      assert.deepEqual(after.items.map((item) => item.code), [], 'the suppression comment hides the finding on its line');
    });
  }

  it('counts U+2028 and U+2029 inside strings as characters, not line breaks', async () => {
    const text = 'const sep = "a\u2028b\u2029c";\nfunction stamp(label: string): string {\n  return label + sep + "\u2028" + Date.now();\n}\nexport const s = stamp("x");\n';
    const { file, items } = await diagnosticsOf('separators.ts', text);
    const clock = items.find((item) => item.code === 'hidden-clock');
    assertCovers(text, clock, 'Date.now()');
    assert.equal(clock!.range.start.line, 2, 'LSP sees the read on the third line');
    const actions = await client.request<{ title: string; edit?: { changes: Record<string, LspTextEdit[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(file) },
      range: clock!.range,
      context: { diagnostics: [clock] },
    });
    const inject = actions.find((action) => action.title.startsWith('Pass the clock into `stamp`'));
    assert.ok(inject?.edit, `expected the parameter fix among ${actions.map((action) => action.title).join(' | ')}`);
    const fixed = applyEdits(text, inject.edit.changes[uriOf(file)]);
    assert.equal(fixed, text.replace('label: string)', 'label: string, now = () => Date.now())').replace('+ Date.now();', '+ now();'));
  });

  const deep: [string, string, RegExp][] = [
    ['1,000 nested ifs', `export function f(x: number): number {\n${'if (x) {\n'.repeat(1000)}x++;\n${'}\n'.repeat(1000)}return x;\n}\n`, /nested more than 400 levels/],
    ['a 2,000-step call chain', `export function f(x: any): any {\n  return x${'.a()'.repeat(2000)};\n}\n`, /nested more than 400 levels/],
    ['1,000 nested parentheses', `export function f(x: number): number {\n  return ${'('.repeat(1000)}x${')'.repeat(1000)};\n}\n`, /nested more than 400 levels|analysis failed/i],
    ['5,000 nested parentheses (the parser itself overflows)', `export const f = (x: number) => ${'('.repeat(5000)}x${')'.repeat(5000)};\n`, /analysis failed/i],
  ];
  for (const [label, text, message] of deep) {
    it(`reports ${label} as not analysed, and keeps serving`, async () => {
      const name = `deep-${label.replace(/[^a-z0-9]+/gi, '-')}.ts`;
      const { file, items } = await diagnosticsOf(name, text);
      const failed = items.find((item) => item.code === 'analysis-failed');
      assert.ok(failed, `expected an analysis-failed diagnostic, got ${JSON.stringify(items.map((item) => [item.code, item.message]))}`);
      assert.match(failed.message, message);
      const actions = await client.request<{ title: string }[]>('textDocument/codeAction', {
        textDocument: { uri: uriOf(file) },
        range: failed.range,
        context: { diagnostics: [failed] },
      });
      assert.ok(Array.isArray(actions), 'code actions still answer');
      const fine = await diagnosticsOf(`after-${name}`, 'export function g(start: number): number {\n  return Date.now() - start;\n}\n');
      assert.deepEqual(
        fine.items.map((item) => item.code),
        ['hidden-clock'],
        'the next file is analysed as usual',
      );
    });
  }
});
