/**
 * Rename of a requirement ID and the coverage chain as a call hierarchy, over stdio against real
 * files: Markdown requirements, the OpenFastTrace fixture project and the Doorstop fixture tree.
 * Every rename is applied to the files as an editor would, and the server is asked again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFixture, minimalCapabilities, startServer, uriOf, writeWorkspace, type LspClient } from '../support/lsp';

interface TextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

function positionOf(text: string, marker: string, delta = 1): { line: number; character: number } {
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `marker ${marker} not found`);
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: at + delta - (before.lastIndexOf('\n') + 1) };
}

function offsetOf(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) offset = text.indexOf('\n', offset) + 1;
  return offset + position.character;
}

/** Applies text edits (non-overlapping) to a text, last first. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start));
  for (const edit of sorted) text = text.slice(0, offsetOf(text, edit.range.start)) + edit.newText + text.slice(offsetOf(text, edit.range.end));
  return text;
}

/**
 * Applies a WorkspaceEdit to the files on disk, then tells the server, as an editor does, and
 * waits (at most 20 s) until the server traces `id`, the ID the edit gave.
 */
async function applyWorkspaceEdit(client: LspClient, edit: any, id: string): Promise<void> {
  const changes: [string, TextEdit[]][] = edit.changes
    ? Object.entries(edit.changes as Record<string, TextEdit[]>)
    : (edit.documentChanges as any[]).filter((c) => !c.kind).map((c) => [c.textDocument.uri, c.edits]);
  const events: { uri: string; type: number }[] = [];
  for (const [uri, edits] of changes) {
    const file = fileURLToPath(uri);
    fs.writeFileSync(file, applyEdits(fs.readFileSync(file, 'utf8'), edits));
    events.push({ uri, type: 2 });
  }
  for (const change of (edit.documentChanges ?? []) as any[]) {
    if (change.kind !== 'rename') continue;
    fs.renameSync(fileURLToPath(change.oldUri), fileURLToPath(change.newUri));
    events.push({ uri: change.oldUri, type: 3 }, { uri: change.newUri, type: 1 });
  }
  client.notify('workspace/didChangeWatchedFiles', { changes: events });
  const deadline = Date.now() + 20000;
  while ((await client.request('tandem/trace', { id })) === null) {
    if (Date.now() > deadline) throw new Error(`the server did not trace ${id} within 20 s of the edit`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function editedFiles(edit: any): string[] {
  const uris = edit.changes ? Object.keys(edit.changes) : (edit.documentChanges as any[]).filter((c) => !c.kind).map((c) => c.textDocument.uri);
  return uris.map((uri: string) => path.basename(fileURLToPath(uri))).sort();
}

describe('rename and call hierarchy over LSP', () => {
  let client: LspClient | undefined;
  afterEach(async () => {
    await client?.shutdown();
    client = undefined;
  });

  describe('Markdown requirements', () => {
    const requirements = '# Requirements\n\n## REQ-1: Parse orders\n\nOrders arrive as text.\n\n## REQ-2: Totals\n\nTotals include tax.\n';
    const source = '/**\n * Parses an order.\n * @implements REQ-1\n */\nexport function parseOrder(text: string) {\n  return text.split(",");\n}\n';
    const test = "describe('orders', () => {\n  // @verifies REQ-1\n  it('REQ-1 parses a line', () => {});\n});\n";
    let root: string;
    beforeEach(async () => {
      root = writeWorkspace({ 'docs/requirements.md': requirements, 'src/orders.ts': source, 'test/orders.test.ts': test });
      client = await startServer(root);
    });

    it('renames an ID at its definition, tags and test title as one edit', async () => {
      const uri = uriOf(path.join(root, 'src/orders.ts'));
      const prepared = await client!.request('textDocument/prepareRename', { textDocument: { uri }, position: positionOf(source, 'REQ-1') });
      assert.equal(prepared.placeholder, 'REQ-1');
      assert.deepEqual(prepared.range.start, positionOf(source, 'REQ-1', 0));
      const edit = await client!.request('textDocument/rename', { textDocument: { uri }, position: positionOf(source, 'REQ-1'), newName: 'ORD-7' });
      assert.deepEqual(editedFiles(edit), ['orders.test.ts', 'orders.ts', 'requirements.md']);
      await applyWorkspaceEdit(client!, edit, 'ORD-7');
      assert.match(fs.readFileSync(path.join(root, 'docs/requirements.md'), 'utf8'), /## ORD-7: Parse orders/);
      assert.equal(fs.readFileSync(path.join(root, 'test/orders.test.ts'), 'utf8'), test.replace(/REQ-1/g, 'ORD-7'));
      const trace = await client!.request('tandem/trace', { id: 'ORD-7' });
      assert.equal(trace.requirement.status, 'covered');
      assert.equal(await client!.request('tandem/trace', { id: 'REQ-1' }), null);
    });

    it('refuses a name that is no ID, one already defined, and an unknown ID', async () => {
      const uri = uriOf(path.join(root, 'docs/requirements.md'));
      const at = positionOf(requirements, 'REQ-1');
      await assert.rejects(client!.request('textDocument/rename', { textDocument: { uri }, position: at, newName: 'not an id' }), /ID pattern/);
      await assert.rejects(client!.request('textDocument/rename', { textDocument: { uri }, position: at, newName: 'REQ-2' }), /already defined/);
      const unknown = writeWorkspace({ 'docs/r.md': '## REQ-1: x\n', 'src/a.ts': '// @implements REQ-9\n' });
      await client!.shutdown();
      client = await startServer(unknown);
      await assert.rejects(
        client.request('textDocument/prepareRename', { textDocument: { uri: uriOf(path.join(unknown, 'src/a.ts')) }, position: { line: 0, character: 17 } }),
        /only a defined ID/,
      );
    });

    it('refuses the whole rename when a file no longer reads the old ID where it was indexed', async () => {
      const uri = uriOf(path.join(root, 'src/orders.ts'));
      // The editor holds text the server has not seen: the version it indexed is stale.
      fs.writeFileSync(path.join(root, 'test/orders.test.ts'), test.replace(/REQ-1/g, 'REQ-X'));
      await assert.rejects(client!.request('textDocument/rename', { textDocument: { uri }, position: positionOf(source, 'REQ-1'), newName: 'ORD-7' }), /nothing was renamed/);
      assert.equal(fs.readFileSync(path.join(root, 'src/orders.ts'), 'utf8'), source);
    });

    it('shows requirement → implementation and test as outgoing calls, and back as incoming', async () => {
      const uri = uriOf(path.join(root, 'src/orders.ts'));
      const [item] = await client!.request('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: positionOf(source, 'return') });
      assert.equal(item.name, 'REQ-1');
      const outgoing = await client!.request('callHierarchy/outgoingCalls', { item });
      const names = outgoing.map((call: any) => call.to.name).sort();
      assert.deepEqual(names, ['parseOrder', 'orders REQ-1 parses a line'].sort());
      const testCall = outgoing.find((call: any) => call.to.name !== 'parseOrder');
      const back = await client!.request('callHierarchy/incomingCalls', { item: testCall.to });
      assert.deepEqual(back.map((call: any) => call.from.name), ['REQ-1']);
      assert.deepEqual(await client!.request('callHierarchy/incomingCalls', { item }), []);
    });
  });

  describe('OpenFastTrace', () => {
    let root: string;
    beforeEach(async () => {
      root = copyFixture('trace/oft-project');
      client = await startServer(root);
    });

    it('renames an item by name, keeping its revision, in its definition, Covers: and tags', async () => {
      const design = fs.readFileSync(path.join(root, 'doc/design.md'), 'utf8');
      const uri = uriOf(path.join(root, 'doc/design.md'));
      const before = await client!.request('tandem/trace', { id: 'dsn~order-validator~1' });
      const edit = await client!.request('textDocument/rename', { textDocument: { uri }, position: positionOf(design, 'dsn~order-validator~1', 3), newName: 'field-checker' });
      assert.deepEqual(editedFiles(edit), ['Validator.java', 'ValidatorTest.java', 'design.md']);
      await applyWorkspaceEdit(client!, edit, 'dsn~field-checker~1');
      const validator = fs.readFileSync(path.join(root, 'src/Validator.java'), 'utf8');
      // Each link keeps the revision it names: the link to revision 2 stays a link to revision 2.
      assert.match(validator, /\[impl->dsn~field-checker~1\]/);
      assert.match(validator, /\[impl->dsn~field-checker~2\]/);
      const trace = await client!.request('tandem/trace', { id: 'dsn~field-checker~1' });
      assert.ok(trace, 'the renamed item is traced');
      assert.equal(trace.requirement.status, before.requirement.status);
      assert.deepEqual(trace.defects.map((d: any) => d.kind), before.defects.map((d: any) => d.kind));
      assert.deepEqual(trace.upstream.map((u: any) => u.id), ['req~validate-order~1']);
      assert.equal(await client!.request('tandem/trace', { id: 'dsn~order-validator~1' }), null);
    });

    it('bumps the revision when asked, leaving the covering items outdated for review', async () => {
      const design = fs.readFileSync(path.join(root, 'doc/design.md'), 'utf8');
      const uri = uriOf(path.join(root, 'doc/design.md'));
      const edit = await client!.request('textDocument/rename', { textDocument: { uri }, position: positionOf(design, 'dsn~report-exporter~1', 3), newName: 'dsn~report-exporter~2' });
      // Only the definition changes: the links name revision 1 until someone reviews them.
      assert.deepEqual(editedFiles(edit), ['design.md']);
      await applyWorkspaceEdit(client!, edit, 'dsn~report-exporter~2');
      const trace = await client!.request('tandem/trace', { id: 'dsn~report-exporter~2' });
      assert.ok(
        trace.defects.some((d: any) => d.kind === 'outdated' && /covers dsn~report-exporter~1, but the item is dsn~report-exporter~2/.test(d.message)),
        JSON.stringify(trace.defects),
      );
    });

    it('walks feature → requirement → design → implementation and test', async () => {
      const system = fs.readFileSync(path.join(root, 'doc/system_requirements.md'), 'utf8');
      const uri = uriOf(path.join(root, 'doc/system_requirements.md'));
      const [feature] = await client!.request('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: positionOf(system, 'feat~order-intake~1', 3) });
      assert.equal(feature.name, 'feat~order-intake~1');
      const requirements = await client!.request('callHierarchy/outgoingCalls', { item: feature });
      assert.deepEqual(requirements.map((c: any) => c.to.name).sort(), ['req~export-report~2', 'req~validate-order~1']);
      const validate = requirements.find((c: any) => c.to.name === 'req~validate-order~1').to;
      const designs = await client!.request('callHierarchy/outgoingCalls', { item: validate });
      // The fixture's design items and the design tag that cover the requirement.
      assert.deepEqual(designs.map((c: any) => c.to.name).sort(), ['[dsn->req~validate-order~1]', 'dsn~dup~1', 'dsn~order-validator~1']);
      const validator = designs.find((c: any) => c.to.name === 'dsn~order-validator~1').to;
      const code = await client!.request('callHierarchy/outgoingCalls', { item: validator });
      const files = code.map((c: any) => path.basename(fileURLToPath(c.to.uri))).sort();
      assert.deepEqual(files, ['Validator.java', 'ValidatorTest.java']);
      // And back up: the test names the design, the design covers the requirement, which covers the feature.
      const test = code.find((c: any) => c.to.uri.endsWith('ValidatorTest.java')).to;
      const up1 = await client!.request('callHierarchy/incomingCalls', { item: test });
      assert.deepEqual(up1.map((c: any) => c.from.name), ['dsn~order-validator~1']);
      const up2 = await client!.request('callHierarchy/incomingCalls', { item: up1[0].from });
      assert.deepEqual(up2.map((c: any) => c.from.name), ['req~validate-order~1']);
      const up3 = await client!.request('callHierarchy/incomingCalls', { item: up2[0].from });
      assert.deepEqual(up3.map((c: any) => c.from.name), ['feat~order-intake~1']);
    });
  });

  describe('Doorstop', () => {
    let root: string;
    beforeEach(() => {
      root = copyFixture('trace/doorstop');
    });

    it("renames an item's file and every link and tag that names it", async () => {
      client = await startServer(root);
      const source = fs.readFileSync(path.join(root, 'src/orders.py'), 'utf8');
      const uri = uriOf(path.join(root, 'src/orders.py'));
      const prepared = await client.request('textDocument/prepareRename', { textDocument: { uri }, position: positionOf(source, 'SYS001') });
      assert.equal(prepared.placeholder, 'SYS001');
      const edit = await client.request('textDocument/rename', { textDocument: { uri }, position: positionOf(source, 'SYS001'), newName: 'SYS009' });
      const renames = edit.documentChanges.filter((c: any) => c.kind === 'rename');
      assert.deepEqual(renames.map((c: any) => [path.basename(fileURLToPath(c.oldUri)), path.basename(fileURLToPath(c.newUri))]), [['SYS001.yml', 'SYS009.yml']]);
      assert.deepEqual(editedFiles(edit), ['LLR-001.yml', 'orders.py']);
      await applyWorkspaceEdit(client, edit, 'SYS009');
      assert.match(fs.readFileSync(path.join(root, 'llr/LLR-001.yml'), 'utf8'), /- SYS009: /);
      const trace = await client.request('tandem/trace', { id: 'SYS009' });
      assert.ok(trace, 'the renamed item is traced');
      assert.ok(trace.downstream.some((d: any) => d.id === 'LLR-001'));
    });

    it('refuses to rename an item for an editor that cannot rename files', async () => {
      client = await startServer(root, { capabilities: minimalCapabilities() });
      const source = fs.readFileSync(path.join(root, 'src/orders.py'), 'utf8');
      const uri = uriOf(path.join(root, 'src/orders.py'));
      await assert.rejects(client.request('textDocument/rename', { textDocument: { uri }, position: positionOf(source, 'SYS001'), newName: 'SYS009' }), /cannot rename files/);
    });

    it('walks a system item down to its low-level items and the code', async () => {
      client = await startServer(root);
      const source = fs.readFileSync(path.join(root, 'src/orders.py'), 'utf8');
      const uri = uriOf(path.join(root, 'src/orders.py'));
      const items = await client.request('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: positionOf(source, 'LLR-001') });
      assert.equal(items[0].name, 'LLR-001');
      const up = await client.request('callHierarchy/incomingCalls', { item: items[0] });
      assert.deepEqual(up.map((c: any) => c.from.name), ['SYS001']);
      const down = await client.request('callHierarchy/outgoingCalls', { item: up[0].from });
      assert.ok(down.some((c: any) => c.to.name === 'LLR-001'), JSON.stringify(down.map((c: any) => c.to.name)));
    });
  });
});
