/**
 * A full index reads files from disk without binding their tags to declarations; the binding is
 * found on first use. These tests hold the deferred bindings to what reading with bindings gives,
 * on every code file of the examples and fixtures, and follow a file that changes on disk.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindTags } from '../../server/src/trace/extract';
import { languageOf } from '../../server/src/trace/languages';
import type { FileRole, TraceTag } from '../../server/src/trace/model';
import { Workspace } from '../../server/src/workspace/workspace';
import { defaultIdPattern, extract, fixturesRoot, positionOf, walk } from './helpers';

const repoRoot = path.resolve(fixturesRoot, '..', '..', '..');

function bindingOf(tag: Pick<TraceTag, 'symbol' | 'scope' | 'testName'> | undefined): string {
  return JSON.stringify({ symbol: tag?.symbol, scope: tag?.scope, testName: tag?.testName });
}

describe('trace: bindings deferred to first use', () => {
  it('binds every tag as a read with bindings does, in every code file of the examples and fixtures', () => {
    const files = [...walk(path.join(repoRoot, 'examples')), ...walk(fixturesRoot)].filter((file) => languageOf(file) !== undefined);
    let bound = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const role of ['source', 'test'] as FileRole[]) {
        const eager = extract(file, text, role);
        const deferred = extract(file, text, role, { deferBindings: true });
        assert.deepEqual(
          deferred.tags.map((t) => [t.kind, t.target, JSON.stringify(t.span)]),
          eager.tags.map((t) => [t.kind, t.target, JSON.stringify(t.span)]),
          `${file} as ${role}: the same tags`,
        );
        if (role === 'test') {
          // A test file's tags are bound at once: the test a tag is in is what counts it.
          assert.equal(deferred.bindingsDeferred, undefined);
          assert.deepEqual(deferred.tags.map(bindingOf), eager.tags.map(bindingOf), `${file} as a test file`);
          continue;
        }
        assert.equal(deferred.bindingsDeferred, deferred.tags.length > 0 ? true : undefined, file);
        assert.ok(deferred.tags.every((t) => t.symbol === undefined && t.scope === undefined), `${file}: nothing bound yet`);
        const later = bindTags(file, text, { idPattern: defaultIdPattern, role }, deferred.tags);
        deferred.tags.forEach((tag, i) => {
          assert.equal(bindingOf(later.get(tag)), bindingOf(eager.tags[i]), `${file}: ${tag.target} at line ${tag.span.start.line + 1}`);
          if (eager.tags[i].symbol) bound++;
        });
      }
    }
    assert.ok(files.length >= 20 && bound >= 30, `too little to compare: ${files.length} files, ${bound} bound tags`);
  });

  it('leaves out a tag that the text no longer holds where it was read', () => {
    const text = 'def a():\n    # @implements REQ-1\n    return 1\n\n# @implements REQ-2\ndef b():\n    return 2\n';
    const deferred = extract('/p/src/a.py', text, 'source', { deferBindings: true });
    const moved = `# a new first line\n${text}`;
    const later = bindTags('/p/src/a.py', moved, { idPattern: defaultIdPattern, role: 'source' }, deferred.tags);
    assert.equal(later.size, 0);
    const same = bindTags('/p/src/a.py', text, { idPattern: defaultIdPattern, role: 'source' }, deferred.tags);
    assert.deepEqual([...same.values()].map((b) => b.symbol?.name), ['a', 'b']);
  });

  describe('in a workspace indexed from disk', () => {
    let root: string;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bind-'));
      fs.mkdirSync(path.join(root, 'docs'));
      fs.mkdirSync(path.join(root, 'src'));
      fs.writeFileSync(path.join(root, 'docs', 'requirements.md'), '## REQ-1: Parse\n\n## REQ-2: Price\n');
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    /** A workspace over `root` after its full index, which reads every file from disk. */
    async function indexed(): Promise<Workspace> {
      const workspace = new Workspace({ toUri: (p) => `file://${p}`, log: () => undefined });
      workspace.setFolders([root]);
      await workspace.fullIndex();
      return workspace;
    }

    it('answers traceAt, trace and the outline with the binding, and follows a rename on disk', async () => {
      const file = path.join(root, 'src', 'orders.py');
      const before = 'class Orders:\n    # @implements REQ-1\n    def parse(self, text):\n        return text.split()\n';
      fs.writeFileSync(file, before);
      const workspace = await indexed();

      const inside = workspace.graph.traceAt(file, positionOf(before, 'text.split'));
      assert.deepEqual([inside.symbol, inside.requirements.map((r) => r.id)], ['Orders.parse', ['REQ-1']]);
      assert.deepEqual(workspace.graph.trace('REQ-1')?.implementations.map((l) => l.symbol), ['Orders.parse']);
      assert.deepEqual(workspace.graph.documentSymbols(file).map((s) => s.detail), ['implements by Orders.parse']);

      // Only the declaration changes: the tags are the same, the binding is not.
      const after = before.replace('def parse', 'def read');
      fs.writeFileSync(file, after);
      workspace.applyChanges([{ path: file, type: 'changed' }]);
      assert.equal(workspace.graph.traceAt(file, positionOf(after, 'text.split')).symbol, 'Orders.read');
      assert.deepEqual(workspace.graph.trace('REQ-1')?.implementations.map((l) => l.symbol), ['Orders.read']);
    });

    it('follows a rename on disk in a TypeScript file, whose bindings the parser refines', async () => {
      const file = path.join(root, 'src', 'orders.ts');
      const before = 'export class Orders {\n  /** @implements REQ-1 */\n  parse(text: string): string[] {\n    return text.split(" ");\n  }\n}\n';
      fs.writeFileSync(file, before);
      const workspace = await indexed();
      assert.equal(workspace.graph.traceAt(file, positionOf(before, 'text.split')).symbol, 'Orders.parse');
      const after = before.replace('parse(', 'read(');
      fs.writeFileSync(file, after);
      workspace.applyChanges([{ path: file, type: 'changed' }]);
      assert.equal(workspace.graph.traceAt(file, positionOf(after, 'text.split')).symbol, 'Orders.read');
    });

    it('binds an open document at once, from its unsaved text', async () => {
      const file = path.join(root, 'src', 'price.py');
      fs.writeFileSync(file, '# @implements REQ-2\ndef price(order):\n    return 0\n');
      const workspace = await indexed();
      const unsaved = '# @implements REQ-2\ndef total_price(order):\n    return 0\n';
      workspace.setOverlay(file, unsaved, 2);
      assert.equal(workspace.graph.traceAt(file, positionOf(unsaved, 'return 0')).symbol, 'total_price');
      // Deleted on disk meanwhile: the open document's binding does not need the disk.
      fs.rmSync(file);
      assert.equal(workspace.graph.traceAt(file, positionOf(unsaved, 'return 0')).symbol, 'total_price');
    });
  });
});
