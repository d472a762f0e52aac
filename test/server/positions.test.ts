/**
 * Positions from and to the editor: edits whose range lies past the end of the document are
 * clamped to its end, and every position the server sends lies inside the document it describes
 * (the suite's client checks every result: see test/support/positions.ts).
 */
import * as assert from 'node:assert/strict';
import { fullCapabilities, startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';
import { PositionChecker } from '../support/positions';

describe('edits past the end of a document', function () {
  this.timeout(30000);
  let client: LspClient;
  let root: string;

  beforeEach(async () => {
    root = writeWorkspace({ 'reqs.md': '## REQ-1: One\n' });
    client = await startServer(root);
  });
  afterEach(async () => {
    await client.shutdown();
  });

  const edit = (version: number, line: number, character: number, text: string, endLine = line, endCharacter = character) =>
    client.notify('textDocument/didChange', {
      textDocument: { uri: uriOf(`${root}/reqs.md`), version },
      contentChanges: [{ range: { start: { line, character }, end: { line: endLine, character: endCharacter } }, text }],
    });

  it('applies edits at, just past and far past the end at the end, and keeps serving', async () => {
    client.open(`${root}/reqs.md`);
    edit(2, 1, 0, '## REQ-2: At the end\n');
    edit(3, 3, 7, '## REQ-3: Just past the end\n');
    // As many lines between start and end as the text adds: the text document's line table would get an entry at line 1e9.
    edit(4, 1e9, 0, '## REQ-4: Far past the end\n', 1e9 + 1, 0);
    edit(5, 0, 1e9, ' (first)');
    // The next ordinary edit: it used to make the text document count phantom lines until memory ran out.
    edit(6, 0, 3, 'REQ-5', 0, 8);
    const started = Date.now();
    const { requirements } = await client.request('tandem/requirements', {}, 5000);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(requirements.map((r: any) => r.id).sort(), ['REQ-2', 'REQ-3', 'REQ-4', 'REQ-5']);
    await client.waitFor((m) => m.method === 'window/logMessage' && /reached past the end of the document \(1000000000:0–1000000001:0/.test(m.params.message), 'a log line about the clamped edit', 5000, true);
    const hover = await client.request('textDocument/hover', { textDocument: { uri: uriOf(`${root}/reqs.md`) }, position: { line: 0, character: 4 } });
    assert.match(JSON.stringify(hover), /REQ-5/);
    const symbols = await client.request('textDocument/documentSymbol', { textDocument: { uri: uriOf(`${root}/reqs.md`) } });
    assert.equal(symbols.length, 4);
    assert.match(JSON.stringify(symbols[0]), /One \(first\)/);
  });
});

describe('positions the server sends', function () {
  this.timeout(60000);
  let client: LspClient;
  let root: string;
  const markdown = '# Requirements\n\n## REQ-1: One\nText.\n\n## REQ-2: Two\n- REQ-1\n';
  const source = '// see\n// @implements REQ-\n/** @implements REQ-1 */\nexport function f(a: number, b: number, c: number, d: number, e: number, g: number) {\n  return Date.now() + process.env.X!.length;\n}\n';

  before(async () => {
    root = writeWorkspace({ 'reqs.md': markdown, 'src/f.ts': source, 'test/f.test.ts': "// @verifies REQ-2\nit('REQ-2 works', () => {});\n" });
    client = await startServer(root, { capabilities: { ...fullCapabilities(), textDocument: { ...(fullCapabilities().textDocument as object), diagnostic: {} } } });
    client.open(`${root}/reqs.md`);
    client.open(`${root}/src/f.ts`);
  });
  after(async () => {
    await client.shutdown();
  });

  it('does not offer IDs from the following lines for a cursor past the end of a line', async () => {
    const items = await client.request('textDocument/completion', { textDocument: { uri: uriOf(`${root}/src/f.ts`) }, position: { line: 0, character: 60 } });
    assert.deepEqual(items, [], 'the line "// see" is no place for an ID, whatever the next line holds');
    const atTag = await client.request('textDocument/completion', { textDocument: { uri: uriOf(`${root}/src/f.ts`) }, position: { line: 1, character: 999999999 } });
    assert.ok(atTag.length >= 2, `a cursor past the end of "// @implements REQ-" completes there: ${JSON.stringify(atTag)}`);
    for (const item of atTag) assert.deepEqual(item.textEdit.range, { start: { line: 1, character: 15 }, end: { line: 1, character: 19 } });
  });

  it('keeps every result inside its document for requests at and past the ends of lines and of the document', async () => {
    for (const file of ['reqs.md', 'src/f.ts']) {
      const uri = uriOf(`${root}/${file}`);
      const text = file === 'reqs.md' ? markdown : source;
      const lines = text.split('\n');
      const positions = [
        ...lines.flatMap((line, index) => [{ line: index, character: line.length }, { line: index, character: line.length + 1 }, { line: index, character: 999999999 }]),
        { line: lines.length + 5, character: 0 },
        { line: 999999999, character: 999999999 },
      ];
      for (const position of positions) {
        // The client's checker fails any request whose answer has a position outside its document.
        await client.request('textDocument/hover', { textDocument: { uri }, position });
        await client.request('textDocument/definition', { textDocument: { uri }, position });
        await client.request('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } });
        await client.request('textDocument/completion', { textDocument: { uri }, position });
        await client.request('tandem/traceAt', { textDocument: { uri }, position });
        await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: position }, context: { diagnostics: [] } });
      }
      await client.request('textDocument/codeLens', { textDocument: { uri } });
      await client.request('textDocument/documentSymbol', { textDocument: { uri } });
      await client.request('textDocument/diagnostic', { textDocument: { uri } });
    }
    await client.request('workspace/symbol', { query: 'REQ' });
  });

  it('is what the suite checks: a position past the end of a line fails the request', async () => {
    const checker = new PositionChecker();
    checker.sent({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///x.md', text: 'ab\r\ncd\re' } } });
    const answer = (range: unknown) => checker.received({ jsonrpc: '2.0', id: 1, result: { range } }, { jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x.md' } } });
    assert.deepEqual(answer({ start: { line: 0, character: 2 }, end: { line: 2, character: 1 } }), []);
    assert.equal(answer({ start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }).length, 2);
    assert.equal(answer({ start: { line: 3, character: 0 }, end: { line: 2, character: -1 } }).length, 2);
  });
});

describe('a document over the size limit', function () {
  this.timeout(30000);

  it('is kept but not read, with a message to the user, and the next request is answered', async () => {
    const root = writeWorkspace({ 'tandem.json': '{ "maxFileSize": 4096 }', 'reqs.md': '## REQ-1: One\n' });
    const client = await startServer(root);
    try {
      const big = `## REQ-7: Big\n${'text REQ-1\n'.repeat(2000)}`;
      client.open(`${root}/big.md`, big);
      const shown = await client.waitForNotification('window/showMessage', (params) => /big\.md.*over the limit of 4096/.test(params.message), 5000);
      assert.equal(shown.type, 2);
      const { requirements } = await client.request('tandem/requirements', {}, 5000);
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1']);
      assert.deepEqual(await client.request('textDocument/documentSymbol', { textDocument: { uri: uriOf(`${root}/big.md`) } }), []);
    } finally {
      await client.shutdown();
    }
  });
});
