/**
 * The trace through standard LSP and the tandem/* requests, over stdio against real files: what an
 * editor with no Tandem-specific code sees.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fullCapabilities, minimalCapabilities, startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';

/** The position of the first `marker` in `text` (offset by `delta` characters). */
function positionOf(text: string, marker: string, delta = 1): { line: number; character: number } {
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `marker ${marker} not found`);
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: at + delta - (before.lastIndexOf('\n') + 1) };
}

const requirementsText = `# Requirements

## REQ-1: Parse orders

Orders arrive as text.

Acceptance criteria:
- Given a line, when parsed, then it has a SKU.

## REQ-2: Total with tax

Totals include tax.

## REQ-3: Unique IDs

Every order gets a unique ID.
`;

const sourceText = `/**
 * Parses an order.
 * @implements REQ-1
 */
export function parseOrder(text: string) {
  return text.split('\\n');
}

// @implements REQ-2
export function total(lines: number[]) {
  const label = "@implements REQ-3"; // inside a string: not a tag
  return lines.reduce((a, b) => a + b, 0);
}

/** @implements REQ-404 */
export function ghost() {}
`;

const testText = `import { parseOrder } from '../src/orders';

describe('orders', () => {
  it('REQ-1 parses a line', () => {
    parseOrder('a');
  });
});
`;

function workspaceFiles(): Record<string, string> {
  return {
    'docs/requirements.md': requirementsText,
    'src/orders.ts': sourceText,
    'test/orders.test.ts': testText,
  };
}

describe('trace over LSP', () => {
  let root: string;
  let client: LspClient;
  const file = (relative: string) => path.join(root, relative);

  beforeEach(async () => {
    root = writeWorkspace(workspaceFiles());
    client = await startServer(root);
  });

  afterEach(async () => {
    await client.shutdown();
  });

  it('lists requirements with status and counts, and filters gaps', async () => {
    const { requirements } = await client.request('tandem/requirements', {});
    const byId = Object.fromEntries(requirements.map((r: any) => [r.id, r]));
    assert.deepEqual(Object.keys(byId), ['REQ-1', 'REQ-2', 'REQ-3']);
    assert.equal(byId['REQ-1'].status, 'covered');
    assert.equal(byId['REQ-1'].implementations, 1);
    assert.equal(byId['REQ-1'].tests, 1);
    assert.equal(byId['REQ-2'].status, 'untested');
    assert.equal(byId['REQ-3'].status, 'unimplemented', 'a tag inside a string literal must not count');
    const gaps = await client.request('tandem/requirements', { gapsOnly: true });
    assert.deepEqual(gaps.requirements.map((r: any) => r.id), ['REQ-2', 'REQ-3']);
    const coverage = await client.request('tandem/coverage', {});
    assert.equal(coverage.total, 3);
    assert.equal(coverage.byStatus.covered, 1);
    assert.equal(coverage.unknownIdTags, 1);
  });

  it('traces one requirement to its code and tests, and answers traceAt', async () => {
    const trace = await client.request('tandem/trace', { id: 'REQ-1' });
    assert.equal(trace.requirement.title, 'Parse orders');
    assert.deepEqual(trace.acceptanceCriteria, ['Given a line, when parsed, then it has a SKU.']);
    assert.equal(trace.implementations[0].symbol, 'parseOrder');
    assert.equal(trace.implementations[0].location.uri, uriOf(file('src/orders.ts')));
    assert.equal(trace.tests.length, 1);
    assert.equal(await client.request('tandem/trace', { id: 'NOPE-1' }), null);
    const inside = positionOf(sourceText, "return text.split");
    const at = await client.request('tandem/traceAt', { textDocument: { uri: uriOf(file('src/orders.ts')) }, position: inside });
    assert.deepEqual(at.requirements.map((r: any) => r.id), ['REQ-1'], `traceAt inside parseOrder: ${JSON.stringify(at)}`);
  });

  it('hovers, goes to the definition and finds references from a tag', async () => {
    const uri = uriOf(file('src/orders.ts'));
    const position = positionOf(sourceText, 'REQ-1');
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position });
    assert.match(hover.contents.value, /REQ-1/);
    assert.match(hover.contents.value, /Parse orders/);
    assert.match(hover.contents.value, /covered/);
    const definition = await client.request('textDocument/definition', { textDocument: { uri }, position });
    assert.equal(definition.length, 1);
    assert.equal(definition[0].uri, uriOf(file('docs/requirements.md')));
    assert.equal(definition[0].range.start.line, positionOf(requirementsText, 'REQ-1').line);
    const references = await client.request('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: false } });
    const places = references.map((r: any) => path.relative(root, new URL(r.uri).pathname)).sort();
    assert.deepEqual(places, ['src/orders.ts', 'test/orders.test.ts']);
  });

  it('completes IDs inside tags', async () => {
    const uri = uriOf(file('src/orders.ts'));
    const edited = sourceText.replace('// @implements REQ-2', '// @implements REQ-');
    client.open(file('src/orders.ts'), edited);
    const items = await client.request('textDocument/completion', { textDocument: { uri }, position: positionOf(edited, '// @implements REQ-', '// @implements REQ-'.length) });
    const labels = items.map((item: any) => item.label);
    assert.deepEqual(labels.slice(0, 3).sort(), ['REQ-1', 'REQ-2', 'REQ-3']);
    assert.equal(items[0].textEdit.range.start.character, positionOf(edited, '// @implements REQ-', '// @implements '.length).character);
    const none = await client.request('textDocument/completion', { textDocument: { uri }, position: positionOf(edited, 'return text', 0) });
    assert.deepEqual(none, [], 'no IDs are offered outside a tag');
  });

  it('shows code lenses and symbols on requirements', async () => {
    const uri = uriOf(file('docs/requirements.md'));
    const lenses = (await client.request('textDocument/codeLens', { textDocument: { uri } })).filter((lens: any) => lens.command.command === 'tandem.showTrace');
    const titles = lenses.map((lens: any) => lens.command.title);
    assert.deepEqual(titles, ['1 impl · 1 test · covered', '1 impl · 0 tests · untested', '0 impl · 0 tests · unimplemented']);
    assert.equal(lenses[0].command.command, 'tandem.showTrace');
    const symbols = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s: any) => s.name), ['REQ-1', 'REQ-2', 'REQ-3']);
    const found = await client.request('workspace/symbol', { query: 'tax' });
    assert.ok(found.some((s: any) => s.name === 'REQ-2'), `workspace symbols for "tax": ${JSON.stringify(found.map((s: any) => s.name))}`);
  });

  it('publishes diagnostics for unknown IDs and uncovered requirements', async () => {
    const source = await client.waitForDiagnostics(uriOf(file('src/orders.ts')), (list) => list.length > 0);
    const unknown = source.find((d: any) => /REQ-404/.test(d.message));
    assert.ok(unknown, `expected a diagnostic naming REQ-404, got ${JSON.stringify(source)}`);
    assert.equal(unknown.range.start.line, positionOf(sourceText, 'REQ-404').line);
    const reqs = await client.waitForDiagnostics(uriOf(file('docs/requirements.md')), (list) => list.length >= 2);
    const lines = reqs.map((d: any) => d.range.start.line).sort((a: number, b: number) => a - b);
    assert.deepEqual(lines, [positionOf(requirementsText, 'REQ-2').line, positionOf(requirementsText, 'REQ-3').line]);
  });

  it('lets unsaved text win and tells views when the trace changes', async () => {
    const sourceFile = file('src/orders.ts');
    client.open(sourceFile);
    const changed = client.waitForNotification('tandem/traceDidChange', (params) => !params.ids || params.ids.includes('REQ-3'));
    client.change(sourceFile, `${sourceText}\n/** @implements REQ-3 */\nexport function id() { return 1; }\n`, 2);
    await changed;
    const trace = await client.request('tandem/trace', { id: 'REQ-3' });
    assert.equal(trace.requirement.status, 'untested');
    assert.equal(fs.readFileSync(sourceFile, 'utf8'), sourceText, 'nothing is written to disk');
    // Closing without saving: the disk's text is the truth again.
    const reverted = client.waitForNotification('tandem/traceDidChange');
    client.close(sourceFile);
    await reverted;
    assert.equal((await client.request('tandem/trace', { id: 'REQ-3' })).requirement.status, 'unimplemented');
  });

  it("follows files created, changed and deleted on disk through the editor's watcher", async () => {
    const registered = client.serverRequests.find((m) => m.method === 'client/registerCapability');
    assert.ok(registered, 'the server should register for workspace/didChangeWatchedFiles');
    const newFile = file('src/ids.ts');
    fs.writeFileSync(newFile, '// @implements REQ-3\nexport const x = 1;\n');
    const changed = client.waitForNotification('tandem/traceDidChange');
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(newFile), type: 1 }] });
    await changed;
    assert.equal((await client.request('tandem/trace', { id: 'REQ-3' })).requirement.status, 'untested');
    fs.rmSync(newFile);
    const removed = client.waitForNotification('tandem/traceDidChange');
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(newFile), type: 3 }] });
    await removed;
    assert.equal((await client.request('tandem/trace', { id: 'REQ-3' })).requirement.status, 'unimplemented');
  });
});

describe('pull diagnostics', () => {
  it('answers textDocument/diagnostic for open documents and pushes only for closed files', async () => {
    const root = writeWorkspace(workspaceFiles());
    const capabilities = fullCapabilities() as any;
    capabilities.textDocument.diagnostic = { dynamicRegistration: false };
    capabilities.workspace.diagnostics = { refreshSupport: true };
    const client = await startServer(root, { capabilities });
    try {
      assert.ok(client.initializeResult.capabilities.diagnosticProvider, 'a pulling client is offered diagnosticProvider');
      const source = path.join(root, 'src/orders.ts');
      // Closed: pushed.
      const pushed = await client.waitForDiagnostics(uriOf(source), (list) => list.some((d) => d.code === 'unknown-id'));
      assert.ok(pushed.length > 0);
      // Open: the push is cleared, and a pull answers instead.
      client.open(source);
      await client.waitForDiagnostics(uriOf(source), (list) => list.length === 0);
      const report = await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(source) } });
      assert.equal(report.kind, 'full');
      assert.ok(report.items.some((d: any) => d.code === 'unknown-id'), `the pulled report should hold the unknown ID: ${JSON.stringify(report.items)}`);
      // An edit elsewhere that fixes the unknown ID asks the client to pull again.
      const refresh = client.waitFor((m) => m.method === 'workspace/diagnostic/refresh', 'a diagnostic refresh request', 5000);
      client.open(path.join(root, 'docs/requirements.md'));
      client.change(path.join(root, 'docs/requirements.md'), `${requirementsText}\n## REQ-404: Ghost\n`, 2);
      await refresh;
      const after = await client.request('textDocument/diagnostic', { textDocument: { uri: uriOf(source) } });
      assert.ok(!after.items.some((d: any) => d.code === 'unknown-id'), `REQ-404 is defined now: ${JSON.stringify(after.items)}`);
    } finally {
      await client.shutdown();
    }
  });
});

describe('a burst of file events', () => {
  it('costs one pass, like a git checkout of 10,000 files', async function () {
    this.timeout(60000);
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n' });
    const client = await startServer(root);
    try {
      const files: string[] = [];
      for (let i = 0; i < 10000; i++) {
        const file = path.join(root, 'src', `m${Math.floor(i / 500)}`, `f${i}.ts`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, i === 9999 ? '// @implements REQ-1\n' : `export const v = ${i};\n`);
        files.push(file);
      }
      for (let i = 0; i < files.length; i += 1000) {
        client.notify('workspace/didChangeWatchedFiles', { changes: files.slice(i, i + 1000).map((file) => ({ uri: uriOf(file), type: 1 })) });
      }
      await client.waitFor((m) => m.method === 'window/logMessage' && /^Applied \d+ file events/.test(m.params.message), 'the batch to be applied', 30000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const passes = client.logs.filter((line) => /^Applied \d+ file events/.test(line));
      assert.deepEqual(passes.map((line) => /^Applied (\d+)/.exec(line)![1]), ['10000'], `expected one pass over all events, got ${JSON.stringify(passes)}`);
      assert.equal((await client.request('tandem/trace', { id: 'REQ-1' })).requirement.implementations, 1);
      assert.equal((await client.request('tandem/serverInfo')).files, 10001);
    } finally {
      await client.shutdown();
    }
  });
});

describe('trace over LSP with an editor that cannot watch files', () => {
  it('watches the disk itself: create, rename, delete', async function () {
    this.timeout(30000);
    const root = writeWorkspace(workspaceFiles());
    const client = await startServer(root, { capabilities: minimalCapabilities() });
    try {
      const info = await client.request('tandem/serverInfo');
      assert.equal(info.watcher, 'server');
      const created = path.join(root, 'src', 'ids.ts');
      const statusOf = async (id: string) => (await client.request('tandem/trace', { id })).requirement.status;
      let changed = client.waitForNotification('tandem/traceDidChange', () => true, 10000);
      fs.writeFileSync(created, '// @implements REQ-3\nexport const x = 1;\n');
      await changed;
      assert.equal(await statusOf('REQ-3'), 'untested');
      changed = client.waitForNotification('tandem/traceDidChange', () => true, 10000);
      fs.renameSync(created, path.join(root, 'src', 'renamed.ts'));
      await changed;
      const trace = await client.request('tandem/trace', { id: 'REQ-3' });
      assert.deepEqual(trace.implementations.map((l: any) => path.basename(new URL(l.location.uri).pathname)), ['renamed.ts']);
      changed = client.waitForNotification('tandem/traceDidChange', () => true, 10000);
      fs.rmSync(path.join(root, 'src', 'renamed.ts'));
      await changed;
      assert.equal(await statusOf('REQ-3'), 'unimplemented');
    } finally {
      await client.shutdown();
    }
  });
});

describe('trace over LSP with bad input', () => {
  it('keeps serving with a broken YAML item, a binary file and a 20 MB file', async function () {
    this.timeout(30000);
    const root = writeWorkspace({
      'reqs/sys/.doorstop.yml': 'settings:\n  digits: 3\n  prefix: SYS\n  sep: ""\n',
      'reqs/sys/SYS001.yml': 'active: true\nlevel: 1\ntext: |\n  The system shall start.\n',
      'reqs/sys/SYS002.yml': 'active: true\ntext: [unclosed\n  : : :\n',
      'docs/reqs.md': '## REQ-1: One\n\nText.\n',
      'assets/blob.data': Buffer.concat([Buffer.from('REQ-1'), Buffer.alloc(64, 0)]),
      'big/huge.txt': `@implements REQ-1\n${'x'.repeat(20 * 1024 * 1024)}`,
    });
    const client = await startServer(root);
    try {
      const { requirements } = await client.request('tandem/requirements', {});
      assert.ok(requirements.some((r: any) => r.id === 'SYS001'), `SYS001 should be read despite SYS002: ${JSON.stringify(requirements.map((r: any) => r.id))}`);
      assert.ok(requirements.some((r: any) => r.id === 'REQ-1'));
      const broken = await client.waitForDiagnostics(uriOf(path.join(root, 'reqs/sys/SYS002.yml')), (list) => list.some((d) => d.code === 'yaml-syntax'));
      assert.equal(broken.find((d) => d.code === 'yaml-syntax').severity, 1, 'a YAML syntax error is an error');
      assert.equal((await client.request('tandem/trace', { id: 'REQ-1' })).requirement.implementations, 0, 'the oversized file is not read');
      assert.ok(client.logs.some((line) => /huge\.txt.*over the limit/.test(line)), `expected a log line about huge.txt, got ${JSON.stringify(client.logs)}`);
      // Opening the huge file in the editor must not take the server down either.
      const huge = path.join(root, 'big/huge.txt');
      client.open(huge, fs.readFileSync(huge, 'utf8'), 'plaintext');
      assert.equal((await client.request('tandem/serverInfo')).indexing, false);
    } finally {
      await client.shutdown();
    }
  });

  it('reports an invalid tandem.json on the file and goes on with defaults', async () => {
    const root = writeWorkspace({
      'tandem.json': '{\n  "trace": { "idPattern": "([" , "uncoveredSeverity": 7 }\n}\n',
      'docs/reqs.md': '## REQ-1: One\n',
    });
    const client = await startServer(root);
    try {
      const diagnostics = await client.waitForDiagnostics(uriOf(path.join(root, 'tandem.json')), (list) => list.length >= 2);
      const messages = diagnostics.map((d: any) => d.message).join('\n');
      assert.match(messages, /idPattern/);
      assert.match(messages, /uncoveredSeverity/);
      assert.equal(diagnostics.find((d: any) => /idPattern/.test(d.message)).range.start.line, 1);
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1']);
    } finally {
      await client.shutdown();
    }
  });
});

describe('a suspect Doorstop link', () => {
  it('is cleared by the quick fix that stores the parent\'s current fingerprint', async () => {
    const child = 'active: true\nlinks:\n- SYS001: stale-stamp-from-an-old-review\ntext: |\n  Parse orders.\n';
    const root = writeWorkspace({
      'reqs/sys/.doorstop.yml': "settings:\n  digits: 3\n  prefix: SYS\n  sep: ''\n",
      'reqs/sys/SYS001.yml': 'active: true\ntext: |\n  The system confirms orders.\n',
      'reqs/srs/.doorstop.yml': "settings:\n  digits: 3\n  prefix: SRS\n  sep: ''\n  parent: SYS\n",
      'reqs/srs/SRS001.yml': child,
    });
    const client = await startServer(root);
    try {
      const file = path.join(root, 'reqs/srs/SRS001.yml');
      const uri = uriOf(file);
      const diagnostics = await client.waitForDiagnostics(uri, (list) => list.some((d) => d.code === 'suspect'));
      const suspect = diagnostics.find((d: any) => d.code === 'suspect');
      const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: suspect.range, context: { diagnostics: [suspect] } });
      const clear = actions.find((a: any) => a.title === 'Mark the link to SYS001 reviewed');
      assert.ok(clear, `expected the clear-link fix, got ${JSON.stringify(actions.map((a: any) => a.title))}`);
      const [edit] = clear.edit.changes[uri];
      const lines = child.split('\n');
      assert.equal(lines[edit.range.start.line].slice(edit.range.start.character, edit.range.end.character), 'stale-stamp-from-an-old-review');
      lines[edit.range.start.line] = lines[edit.range.start.line].slice(0, edit.range.start.character) + edit.newText + lines[edit.range.start.line].slice(edit.range.end.character);
      client.open(file, child);
      client.change(file, lines.join('\n'), 2);
      await client.waitForDiagnostics(uri, (list) => !list.some((d) => d.code === 'suspect'));
      const trace = await client.request('tandem/trace', { id: 'SRS001' });
      assert.deepEqual(trace.upstream.map((u: any) => [u.id, u.suspect]), [['SYS001', false]]);
    } finally {
      await client.shutdown();
    }
  });
});

describe('Doorstop UIDs in tags', () => {
  it('are recognised from the documents\' prefixes, with no ID pattern configured', async () => {
    const root = writeWorkspace({
      'reqs/srd/.doorstop.yml': "settings:\n  digits: 3\n  prefix: SRD\n  sep: ''\n",
      'reqs/srd/SRD001.yml': 'active: true\ntext: |\n  Orders are parsed.\n',
      'src/parse.py': '# @implements SRD001\ndef parse():\n    pass\n',
      'tests/test_parse.py': '# @verifies SRD001\ndef test_parse():\n    pass\n',
    });
    const client = await startServer(root);
    try {
      const trace = await client.request('tandem/trace', { id: 'SRD001' });
      assert.equal(trace.requirement.status, 'covered');
      assert.deepEqual([trace.implementations.length, trace.tests.length], [1, 1]);
    } finally {
      await client.shutdown();
    }
  });
});

describe('editor settings', () => {
  const files = { 'tandem.json': '{ "trace": { "idPattern": "FILE-\\\\d+" } }', 'reqs.md': '## FILE-1: From the file pattern\n\n## EDIT-2: From the editor pattern\n' };

  it('win over tandem.json, from workspace/configuration', async () => {
    const client = await startServer(writeWorkspace(files), { configuration: { trace: { idPattern: 'EDIT-\\d+' } } });
    try {
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['EDIT-2']);
      // A change of the editor's settings re-reads them and re-indexes.
      client.configuration = { trace: { idPattern: 'FILE-\\d+' } };
      const changed = client.waitForNotification('tandem/traceDidChange');
      client.notify('workspace/didChangeConfiguration', { settings: null });
      await changed;
      assert.deepEqual((await client.request('tandem/requirements', {})).requirements.map((r: any) => r.id), ['FILE-1']);
    } finally {
      await client.shutdown();
    }
  });

  it('win over tandem.json, from initializationOptions', async () => {
    const client = await startServer(writeWorkspace(files), { capabilities: minimalCapabilities(), initializationOptions: { tandem: { trace: { idPattern: 'EDIT-\\d+' } } } });
    try {
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['EDIT-2']);
    } finally {
      await client.shutdown();
    }
  });

  it('without any, tandem.json decides', async () => {
    const client = await startServer(writeWorkspace(files));
    try {
      assert.deepEqual((await client.request('tandem/requirements', {})).requirements.map((r: any) => r.id), ['FILE-1']);
    } finally {
      await client.shutdown();
    }
  });
});

describe('trace over LSP in a multi-root workspace', () => {
  it('indexes every folder with its own settings', async () => {
    const first = writeWorkspace({ 'reqs.md': '## REQ-1: First\n' });
    const second = writeWorkspace({ 'tandem.json': '{ "trace": { "idPattern": "ABC_\\\\d+" } }', 'reqs.md': '## ABC_7: Second\n\n## REQ-9: not an ID here\n' });
    const client = await startServer(first, { folders: [second] });
    try {
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id).sort(), ['ABC_7', 'REQ-1']);
      const onlySecond = await client.request('tandem/requirements', { uri: uriOf(second) });
      assert.deepEqual(onlySecond.requirements.map((r: any) => r.id), ['ABC_7']);
    } finally {
      await client.shutdown();
    }
  });
});

describe('an editor that never answers', () => {
  it('does not hold the first index up: workspace/configuration and client/registerCapability go unanswered', async () => {
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n', 'src/a.ts': '// @implements REQ-1\n' });
    // startServer fails if the first index does not finish within its wait.
    const client = await startServer(root, { unanswered: ['workspace/configuration', 'client/registerCapability'] });
    try {
      assert.equal((await client.request('tandem/trace', { id: 'REQ-1' })).requirement.implementations, 1);
    } finally {
      await client.shutdown();
    }
  });
});

describe('the first index', () => {
  it('publishes no diagnostics from a partial index, and says it is indexing until done', async function () {
    this.timeout(30000);
    const files: Record<string, string> = { 'docs/reqs.md': '## REQ-1: One\n' };
    for (let i = 0; i < 3000; i++) files[`src/m${i % 30}/f${i}.ts`] = i === 2999 ? '// @implements REQ-1\n' : `export const v${i} = ${i};\n`;
    const root = writeWorkspace(files);
    const client = await startServer(root, { waitForIndex: false });
    try {
      const early = await client.request('tandem/serverInfo');
      assert.equal(early.indexing, true, 'right after initialize the index has not finished');
      await client.waitFor((m) => m.method === 'window/logMessage' && /^Indexed \d+ files/.test(m.params.message), 'the first index', 20000, true);
      await client.waitForDiagnostics(uriOf(path.join(root, 'docs/reqs.md')), (list) => list.length > 0);
      const order = client.notifications.map((m) => (m.method === 'window/logMessage' && /^Indexed/.test(m.params.message) ? 'indexed' : m.method));
      const firstPublish = order.indexOf('textDocument/publishDiagnostics');
      assert.ok(firstPublish > order.indexOf('indexed'), `diagnostics were published before the index finished: ${order.slice(0, 10).join(', ')}`);
      const published = client.diagnostics.get(uriOf(path.join(root, 'docs/reqs.md')))!;
      assert.ok(published.every((d) => !/no implementation/.test(d.message)), `REQ-1 is implemented: ${JSON.stringify(published)}`);
    } finally {
      await client.shutdown();
    }
  });
});

describe('indexing progress', () => {
  it('reports work-done progress and honours cancellation', async function () {
    this.timeout(30000);
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`src/f${i}.ts`] = `// @implements REQ-${i}\nexport const v${i} = ${i};\n`;
    const root = writeWorkspace(files);
    const client = await startServer(root, { capabilities: fullCapabilities(), waitForIndex: false });
    try {
      const create = await client.waitFor((m) => m.method === 'window/workDoneProgress/create', 'a progress token', 10000, true);
      const token = create.params.token;
      await client.waitForNotification('$/progress', (p) => p.token === token && p.value.kind === 'begin');
      client.notify('window/workDoneProgress/cancel', { token });
      await client.waitForNotification('$/progress', (p) => p.token === token && p.value.kind === 'end', 20000);
      const reports = client.notifications.filter((m) => m.method === '$/progress' && m.params.token === token && m.params.value.kind === 'report');
      assert.equal(reports[reports.length - 1]?.params.value.message, 'cancelled', 'the last report before the end says the index was cancelled');
      const info = await client.request('tandem/serverInfo');
      assert.equal(info.indexing, false);
      assert.ok(info.files < 3000, `a cancelled index keeps what it read so far, not everything: ${info.files} files`);
      // Asking again indexes everything.
      await client.request('workspace/executeCommand', { command: 'tandem.reindex', arguments: [] });
      assert.equal((await client.request('tandem/serverInfo')).files, 3000);
    } finally {
      await client.shutdown();
    }
  });
});

describe('trace quick fixes', () => {
  it('bumps an outdated OpenFastTrace link and corrects a mistyped ID', async () => {
    const design = '# Design\n\n## Parser\n`dsn~parser~2`\n\nParses.\n\nNeeds: impl\n\n## Detail\n`dsn~detail~1`\n\nCovers:\n- dsn~parser~1\n\nNeeds: impl\n';
    const code = '// [impl->dsn~detail~1]\n// @implements REQ-11\nexport const x = 1;\n';
    const root = writeWorkspace({ 'doc/design.md': design, 'doc/reqs.md': '## REQ-1: One\n', 'src/x.ts': code });
    const client = await startServer(root);
    try {
      const designUri = uriOf(path.join(root, 'doc/design.md'));
      const designDiagnostics = await client.waitForDiagnostics(designUri, (list) => list.some((d) => d.code === 'outdated'));
      // The outdated link is reported where it is written (line 14, `- dsn~parser~1`).
      const outdated = designDiagnostics.find((d: any) => d.code === 'outdated' && d.range.start.line === 13);
      assert.ok(outdated, `expected an outdated diagnostic on the link, got ${JSON.stringify(designDiagnostics)}`);
      const actions = await client.request('textDocument/codeAction', { textDocument: { uri: designUri }, range: outdated.range, context: { diagnostics: [outdated] } });
      const bump = actions.find((a: any) => a.kind === 'quickfix');
      assert.ok(bump, `expected a quick fix for the outdated link, got ${JSON.stringify(actions.map((a: any) => a.title))}`);
      assert.equal(bump.title, 'Link to the current revision dsn~parser~2');
      const edit = bump.edit.changes[designUri][0];
      const lines = design.split('\n');
      assert.equal(lines[edit.range.start.line].slice(edit.range.start.character, edit.range.end.character), 'dsn~parser~1', 'the edit replaces exactly the outdated ID');
      assert.equal(edit.newText, 'dsn~parser~2');

      const codeUri = uriOf(path.join(root, 'src/x.ts'));
      const codeDiagnostics = await client.waitForDiagnostics(codeUri, (list) => list.some((d) => d.code === 'unknown-id'));
      const unknown = codeDiagnostics.find((d: any) => d.code === 'unknown-id');
      const fixes = await client.request('textDocument/codeAction', { textDocument: { uri: codeUri }, range: unknown.range, context: { diagnostics: [unknown] } });
      assert.deepEqual(fixes.filter((a: any) => a.kind === 'quickfix').map((a: any) => a.edit.changes[codeUri][0].newText), ['REQ-1']);
    } finally {
      await client.shutdown();
    }
  });
});
