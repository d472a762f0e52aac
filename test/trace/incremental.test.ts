/**
 * Incremental updates: after any sequence of setFile / removeFile (with queries in between, so
 * cached answers exist), every answer equals that of a graph built fresh from the final files.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TraceGraph } from '../../server/src/trace/graph';
import type { FileRole } from '../../server/src/trace/model';
import { extract, fixture, newGraph } from './helpers';
import { loadProject, roleOf } from './project';

/** Everything a client can ask, in one comparable value. */
function snapshot(graph: TraceGraph): unknown {
  const requirements = graph.requirements({});
  return {
    requirements,
    traces: requirements.map((r) => graph.trace(r.id)),
    problems: graph.files().sort().map((f) => [f, graph.problems(f)]),
    coverage: graph.coverage(),
  };
}

function fresh(files: Map<string, { text: string; role: FileRole }>, idPattern?: string): TraceGraph {
  const graph = newGraph();
  for (const [file, { text, role }] of [...files].sort()) graph.setFile(extract(file, text, role, idPattern ? { idPattern } : {}));
  return graph;
}

for (const name of ['oft-project', 'mixed']) {
  describe(`trace: incremental updates equal a fresh build (${name})`, () => {
    const root = fixture(name);
    const project = loadProject(root);
    const files = new Map([...project.texts].map(([file, text]) => [file, { text, role: roleOf(root, file, undefined) }]));

    it('removing and re-adding each file, with queries between', () => {
      const graph = loadProject(root).graph;
      const expected = snapshot(fresh(files));
      for (const file of files.keys()) {
        snapshot(graph);
        graph.removeFile(file);
        const without = new Map(files);
        without.delete(file);
        assert.deepEqual(snapshot(graph), snapshot(fresh(without)), `after removing ${path.relative(root, file)}`);
        const { text, role } = files.get(file)!;
        graph.setFile(extract(file, text, role));
        assert.deepEqual(snapshot(graph), expected, `after re-adding ${path.relative(root, file)}`);
      }
    });

    it('editing a file in place', () => {
      const graph = loadProject(root).graph;
      snapshot(graph);
      const edited = new Map(files);
      for (const [file, { text, role }] of files) {
        // Bump every revision and break every second ID: links become outdated, orphaned, unknown.
        const changed = text.replace(/~1\b/g, '~2').replace(/REQ-([135])\b/g, 'REQ-$10');
        if (changed === text) continue;
        edited.set(file, { text: changed, role });
        graph.setFile(extract(file, changed, role));
        assert.deepEqual(snapshot(graph), snapshot(fresh(edited)), `after editing ${path.relative(root, file)}`);
      }
    });
  });
}

describe('trace: change tracking', () => {
  it('reports everything as changed while a full index is built, before any answer', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/req.md', '## REQ-1: One\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1\nexport function a() {}\n', 'source'));
    assert.deepEqual(graph.takeChanges(), { ids: 'all', files: ['/p/docs/req.md', '/p/src/a.ts'] });
    assert.equal(graph.trace('REQ-1')!.requirement.status, 'untested');
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-2\nexport function a() {}\n', 'source'));
    assert.deepEqual((graph.takeChanges().ids as string[]).sort(), ['REQ-1', 'REQ-2']);
  });

  it('counts versions and reports the IDs and files a change touched', () => {
    const graph = newGraph();
    const req = '/p/docs/req.md';
    const code = '/p/src/a.ts';
    graph.setFile(extract(req, '## REQ-1: One\n\n## REQ-2: Two\n', 'requirements'));
    graph.setFile(extract(code, '// @implements REQ-1\nexport function a() {}\n', 'source'));
    graph.coverage();
    graph.takeChanges();
    const before = graph.version;
    graph.setFile(extract(code, '// @implements REQ-1\nexport function a() {}\n', 'source'));
    assert.equal(graph.version, before, 'the same facts again change nothing');
    assert.deepEqual(graph.takeChanges(), { ids: [], files: [] });
    graph.setFile(extract(code, '// @implements REQ-2\nexport function a() {}\n', 'source'));
    assert.ok(graph.version > before);
    const changes = graph.takeChanges();
    assert.deepEqual([...(changes.ids as string[])].sort(), ['REQ-1', 'REQ-2']);
    assert.deepEqual(changes.files.sort(), [req, code].sort());
    graph.removeFile(code);
    assert.deepEqual((graph.takeChanges().ids as string[]).sort(), ['REQ-2']);
    assert.deepEqual(graph.files(), [req]);
  });

  it('reports test-result changes as changes of the IDs their tests verify', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/req.md', '## REQ-1: One\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1\nexport function a() {}\n', 'source'));
    graph.setFile(extract('/p/test/a.test.ts', "it('REQ-1 works', () => {});\n", 'test'));
    graph.coverage();
    graph.takeChanges();
    graph.setTestResults([{ path: '/p/test/a.test.ts', testName: 'REQ-1 works', result: { outcome: 'passed', at: '2026-01-01T00:00:00Z', stale: false } }]);
    assert.deepEqual(graph.takeChanges().ids, ['REQ-1']);
    assert.equal(graph.trace('REQ-1')!.requirement.status, 'verified');
  });

  it('asks to refresh only the files whose problems can change when a requirement file is edited', () => {
    const graph = newGraph();
    const req = '/p/docs/req.md';
    graph.setFile(extract(req, '## REQ-1: One\n\n## REQ-2: Two\n', 'requirements'));
    for (let i = 0; i < 5; i++) graph.setFile(extract(`/p/src/m${i}.ts`, `// @implements REQ-${(i % 2) + 1}\nexport function m${i}() {}\n`, 'source'));
    graph.coverage();
    graph.takeChanges();
    graph.setFile(extract(req, '## REQ-1: One, renamed\n\n## REQ-2: Two\n', 'requirements'));
    assert.deepEqual(graph.takeChanges().files, [req], 'a new title changes no tag');
    graph.setFile(extract(req, '## REQ-1: One, renamed\n', 'requirements'));
    assert.deepEqual(graph.takeChanges().files.sort(), [req, '/p/src/m1.ts', '/p/src/m3.ts'], 'the tags of a removed ID become unknown');
    assert.deepEqual(graph.problems('/p/src/m1.ts').map((p) => p.code), ['unknown-id']);
  });
});

describe('trace: OpenFastTrace coverage cycles', () => {
  it('reports items that cover each other as uncovered, in any order of questions', () => {
    const spec = '# A\n`req~a~1`\nCovers:\n* `dsn~b~1`\n\nNeeds: dsn\n\n# B\n`dsn~b~1`\nCovers:\n* `req~a~1`\n\nNeeds: req\n';
    for (const first of ['req~a~1', 'dsn~b~1']) {
      const graph = newGraph();
      graph.setFile(extract('/p/doc/spec.md', spec, 'requirements'));
      graph.trace(first);
      for (const id of ['req~a~1', 'dsn~b~1']) {
        const trace = graph.trace(id)!;
        assert.deepEqual(trace.defects.map((d) => d.kind), ['uncovered'], `${id} after asking about ${first} first`);
        assert.match(trace.defects[0].message, /cycle/);
      }
    }
  });
});

describe('trace: random edits', () => {
  it('never throw, and leave the graph equal to a fresh build (fixed seed)', () => {
    let seed = 20260101;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['"', "'", '`', '/', '*', '#', '-', '[', ']', '~', '>', '\n', '@implements REQ-1', '[impl->dsn~order-validator~1]', '## REQ-9: x\n', '`req~x~1`\n', 'Covers:\n* `dsn~dup~1`\n', 'oft:off', '```\n', '\\'];
    const files = new Map<string, { text: string; role: FileRole }>();
    for (const name of ['oft-project', 'mixed']) {
      const root = fixture(name);
      for (const [file, text] of loadProject(root).texts) files.set(file, { text, role: roleOf(root, file, undefined) });
    }
    const graph = fresh(files);
    const paths = [...files.keys()];
    for (let step = 0; step < 300; step++) {
      const file = paths[random(paths.length)];
      const entry = files.get(file)!;
      const at = random(entry.text.length + 1);
      const text = random(3) === 0 ? entry.text.slice(0, at) + entry.text.slice(at + 1 + random(20)) : entry.text.slice(0, at) + pieces[random(pieces.length)] + entry.text.slice(at);
      files.set(file, { text, role: entry.role });
      graph.setFile(extract(file, text, entry.role));
      if (step % 50 === 0) snapshot(graph);
    }
    assert.deepEqual(snapshot(graph), snapshot(fresh(files)));
  });
});

