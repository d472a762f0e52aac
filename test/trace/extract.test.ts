/**
 * Extraction edge cases: roles, tag lists, bad input, and symbol binding marked in fixtures with
 * `$0` (the tag must bind to the declaration named right after the marker).
 */
import * as assert from 'node:assert/strict';
import { extract, textAt } from './helpers';
import { checkTrace } from '../../server/src/trace/check';
import { newGraph } from './helpers';

describe('trace: extraction', () => {
  it('reads @req by role: implements in source, verifies in tests', () => {
    const source = extract('/p/src/a.ts', '// @req REQ-1\nexport const a = 1;\n', 'source');
    const test = extract('/p/test/a.test.ts', '// @req REQ-1\nit("works", () => {});\n', 'test');
    assert.deepEqual(source.tags.map((t) => [t.kind, t.artifactType]), [['implements', 'impl']]);
    assert.deepEqual(test.tags.map((t) => [t.kind, t.artifactType, t.testName]), [['verifies', 'utest', 'works']]);
  });

  it('reads several IDs after one tag, separated by commas or spaces, and stops at prose', () => {
    const text = '/** @implements REQ-1, REQ-2 REQ-3 and REQ-4 */\n';
    const facts = extract('/p/src/a.ts', text, 'source');
    assert.deepEqual(facts.tags.map((t) => t.target), ['REQ-1', 'REQ-2', 'REQ-3']);
    for (const tag of facts.tags) assert.equal(textAt(text, tag.span), tag.target);
  });

  it('reports a tag without an ID', () => {
    const facts = extract('/p/src/a.py', '# @implements\ndef a():\n    pass\n', 'source');
    assert.deepEqual(facts.tags, []);
    assert.deepEqual(facts.problems.map((p) => [p.code, p.span.start.line]), [['tag-without-id', 0]]);
  });

  it('reads requirement files only for definitions, and other files not at all', () => {
    const markdown = extract('/p/docs/a.md', '## REQ-1: One\n\n<!-- @implements REQ-2 -->\n', 'requirements');
    assert.deepEqual([markdown.requirements.map((r) => r.id), markdown.tags], [['REQ-1'], []]);
    const other = extract('/p/data.csv', 'x,@implements REQ-1,[impl->dsn~a~1]', 'other');
    assert.deepEqual([other.requirements, other.tags, other.problems], [[], [], []]);
    const json = extract('/p/model.json', '{"x": "@implements REQ-1", "y": "[impl->dsn~a~1]"}', 'other');
    assert.deepEqual(json.tags.map((t) => [t.kind, t.target]), [['oft', 'dsn~a~1']], 'OpenFastTrace tags count in data files, as OpenFastTrace reads them');
  });

  it('reads no plain definitions from change logs, whose issue keys look like IDs', () => {
    const log = '# Changes\n\n## 1.2.0\n\n- PROJ-12: Fix login\n\n## REQ-1: Not a requirement either\n\n`req~kept~1`\n';
    for (const name of ['CHANGELOG.md', 'docs/changes.md', 'HISTORY.markdown', 'release-notes.md', 'CHANGELOG-2025.md']) {
      const facts = extract(`/p/${name}`, log, 'requirements');
      assert.deepEqual(facts.requirements.map((r) => r.id), ['req~kept~1'], name);
    }
    assert.deepEqual(extract('/p/docs/changes-to-login.md', log, 'requirements').requirements.map((r) => r.id), ['PROJ-12', 'REQ-1', 'req~kept~1']);
  });

  it('reads files of unknown languages whole, as OpenFastTrace does', () => {
    const facts = extract('/p/src/thing.xyz', 'anything @implements REQ-1 [impl->dsn~a~1]\n', 'source');
    assert.deepEqual(facts.tags.map((t) => t.target), ['REQ-1', 'dsn~a~1']);
  });

  it('yields nothing for binary-looking text, and never throws', () => {
    const binary = extract('/p/src/a.ts', 'GIF89a\u0000\u0001// @implements REQ-1', 'source');
    assert.deepEqual([binary.tags, binary.problems], [[], []]);
    for (const text of ['', '\n\n', '/*', '"', '`${', "r#\"", '--[[', '#|', '"""', '// @implements ', '[impl->', '\r\n\r\n## REQ-1:\r\n']) {
      for (const path of ['/p/a.ts', '/p/a.py', '/p/a.rs', '/p/a.lua', '/p/a.lisp', '/p/a.sql', '/p/a.sh', '/p/a.md']) {
        assert.doesNotThrow(() => extract(path, text, path.endsWith('.md') ? 'requirements' : 'test'));
      }
    }
  });

  it('reports an invalid ID pattern once and falls back to the default', () => {
    const facts = extract('/p/src/a.ts', '// @implements REQ-1\n', 'source', { idPattern: '([' });
    assert.deepEqual(facts.problems.map((p) => p.code), ['id-pattern']);
    assert.deepEqual(facts.tags.map((t) => t.target), ['REQ-1']);
  });

  it('handles Windows line ends', () => {
    const text = '// @implements REQ-1\r\nexport function a() {}\r\n';
    const facts = extract('/p/src/a.ts', text, 'source');
    assert.deepEqual(facts.tags.map((t) => [t.target, t.symbol?.name]), [['REQ-1', 'a']]);
    const markdown = extract('/p/docs/a.md', '## REQ-1: One\r\n\r\nText.\r\n', 'requirements');
    assert.deepEqual(markdown.requirements.map((r) => [r.title, r.text]), [['One', 'Text.']]);
  });
});

/** Symbol binding cases: `$0` marks the tag; the expected symbol name follows `=>`. */
const bindingCases: { file: string; source: string; symbol: string | undefined }[] = [
  { file: 'a.ts', source: '/** $0@implements REQ-1 */\nexport async function parseOrder() {}\n', symbol: 'parseOrder' },
  { file: 'a.ts', source: '// $0@implements REQ-1\n@decorator()\nexport class OrderService {}\n', symbol: 'OrderService' },
  { file: 'a.ts', source: '// $0@implements REQ-1\nexport const handler = () => 1;\n', symbol: 'handler' },
  { file: 'a.ts', source: 'function f() {\n  // $0@implements REQ-1\n  return 1;\n}\n', symbol: 'f' },
  { file: 'a.py', source: 'class Cart:\n    def total(self):\n        # $0@implements REQ-1\n        return 0\n', symbol: 'Cart.total' },
  { file: 'a.go', source: 'func Total() int {\n\tx := 1\n\t// $0@implements REQ-1\n\treturn x\n}\n', symbol: 'Total' },
  { file: 'a.go', source: 'func A() {\n}\n\nvar x = 1 // $0@implements REQ-1\n', symbol: 'x' },
  { file: 'a.go', source: 'func A() {\n}\n\n// $0@implements REQ-1\nx = 2\n', symbol: undefined },
  { file: 'a.py', source: '# $0@implements REQ-1\n@cached\ndef parse():\n    pass\n', symbol: 'parse' },
  { file: 'a.py', source: 'class A:\n    def run(self):\n        """$0@implements REQ-1"""\n', symbol: 'A.run' },
  { file: 'a.go', source: '// $0@implements REQ-1\nfunc (s *Server) Handle(w http.ResponseWriter) {}\n', symbol: 'Handle' },
  { file: 'A.java', source: '/** $0@implements REQ-1 */\n@Override\npublic List<String> names(int a) {\n}\n', symbol: 'names' },
  { file: 'a.kt', source: '// $0@implements REQ-1\nsuspend fun load(): Int = 1\n', symbol: 'load' },
  { file: 'a.rs', source: '/// $0@implements REQ-1\n#[inline]\npub(crate) async fn run() {}\n', symbol: 'run' },
  { file: 'a.c', source: '/* $0@implements REQ-1 */\nstatic int parse_line(const char *s)\n{\n}\n', symbol: 'parse_line' },
  { file: 'a.rb', source: '# $0@implements REQ-1\ndef self.build\nend\n', symbol: 'build' },
  { file: 'a.sh', source: '# $0@implements REQ-1\ndeploy() {\n  :\n}\n', symbol: 'deploy' },
  { file: 'a.sql', source: '-- $0@implements REQ-1\nCREATE OR REPLACE FUNCTION billing.total() RETURNS int AS $$ $$;\n', symbol: 'billing.total' },
  { file: 'a.lua', source: '-- $0@implements REQ-1\nlocal function parse(s)\nend\n', symbol: 'parse' },
  { file: 'a.el', source: ';; $0@implements REQ-1\n(defun tandem-parse (s)\n  s)\n', symbol: 'tandem-parse' },
  { file: 'a.ts', source: 'run(); // $0@implements REQ-1\n', symbol: undefined },
  { file: 'Orders.java', source: 'public class Orders {\n  /** $0@implements REQ-1 */\n  public void submit() {\n  }\n}\n', symbol: 'Orders.submit' },
  { file: 'a.rs', source: 'impl Server {\n    /// $0@implements REQ-1\n    pub fn run(&self) {}\n}\n', symbol: 'Server.run' },
  { file: 'a.ts', source: 'class A {\n  x() {}\n}\n// $0@implements REQ-1\nfunction f() {}\n', symbol: 'f' },
  { file: 'A.cs', source: 'namespace Shop {\n  public sealed class Cart {\n    // $0@implements REQ-1\n    public int Total() { return 0; }\n  }\n}\n', symbol: 'Cart.Total' },
];

describe('trace: binding tags to their declaration', () => {
  for (const c of bindingCases) {
    it(`${c.file}: ${JSON.stringify(c.source.split('\n').find((l) => !l.includes('$0')) ?? '')} binds to ${c.symbol ?? 'nothing'}`, () => {
      const marker = c.source.indexOf('$0');
      const text = c.source.replace('$0', '');
      const facts = extract(`/p/src/${c.file}`, text, 'source');
      const tag = facts.tags.find((t) => {
        const lines = text.split('\n');
        const offset = lines.slice(0, t.span.start.line).reduce((n, l) => n + l.length + 1, 0) + t.span.start.character;
        return offset > marker;
      });
      assert.ok(tag, `expected a tag after the marker in ${c.file}`);
      assert.equal(tag.symbol?.name, c.symbol);
      if (tag.symbol) assert.ok(tag.symbol.name.endsWith(textAt(text, tag.symbol.span)), `the symbol span covers "${textAt(text, tag.symbol.span)}", not the end of ${tag.symbol.name}`);
    });
  }
});

describe('trace: defects of plain requirements', () => {
  it('finds duplicates, unknown IDs and orphaned links', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/a.md', '## REQ-1: One\n\nParent: REQ-77\n', 'requirements'));
    graph.setFile(extract('/p/docs/b.md', '## REQ-1: One again\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1, REQ-404\nexport function a() {}\n', 'source'));
    const result = checkTrace(graph, { require: 'covered' });
    const kinds = result.defects.map((d) => [d.kind, d.id ?? d.relatedId]).sort();
    assert.deepEqual(kinds, [
      ['duplicate', 'REQ-1'],
      ['duplicate', 'REQ-1'],
      ['orphaned', 'REQ-1'],
      ['unknownId', 'REQ-404'],
    ]);
    assert.deepEqual(graph.trace('REQ-1')!.definitions.length, 2);
    assert.deepEqual(graph.problems('/p/docs/b.md').map((p) => [p.code, p.severity]), [['duplicate', 'error']]);
    assert.deepEqual(result.gaps.map((g) => [g.id, g.status]), [['REQ-1', 'untested']]);
    assert.equal(result.ok, false);
  });

  it('asks only for what a plain requirement needs', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/a.md', '## REQ-1: Built only\n\nNeeds: impl\n\n## REQ-2: Tested only\n\n**Needs:** utest\n\n## REQ-3: Both\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1, REQ-3\nexport function a() {}\n', 'source'));
    graph.setFile(extract('/p/test/a.test.ts', "it('REQ-2 works', () => {});\n", 'test'));
    assert.deepEqual(graph.requirements({}).map((r) => [r.id, r.status]), [['REQ-1', 'covered'], ['REQ-2', 'covered'], ['REQ-3', 'untested']]);
    assert.deepEqual(graph.trace('REQ-1')!.needs, ['impl']);
    assert.equal(graph.trace('REQ-1')!.text, '', 'the Needs line is not part of the text');
  });

  it('gives a tag on a suite the results of the tests in it', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/a.md', '## REQ-1: One\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1\nexport function a() {}\n', 'source'));
    graph.setFile(extract('/p/test/a.test.ts', "describe('cart', () => {\n  // @verifies REQ-1\n  it('adds', () => {});\n  it('removes', () => {});\n});\n// @verifies REQ-1\ndescribe('totals', () => {\n  it('sums', () => {});\n});\n", 'test'));
    const at = '2026-01-01T00:00:00Z';
    graph.setTestResults([
      { path: '/p/test/a.test.ts', testName: 'cart adds', result: { outcome: 'passed', at, stale: false } },
      { path: '/p/test/a.test.ts', testName: 'totals sums', result: { outcome: 'failed', at, stale: false } },
    ]);
    assert.deepEqual(graph.trace('REQ-1')!.tests.map((t) => [t.testName, t.result?.outcome]), [['cart adds', 'passed'], ['totals', 'failed']]);
    assert.equal(graph.trace('REQ-1')!.requirement.status, 'failing');
  });

  it('counts a test once when both a tag and its title name the requirement', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/a.md', '## REQ-1: One\n', 'requirements'));
    graph.setFile(extract('/p/test/a.test.ts', "// @verifies REQ-1\nit('REQ-1 works', () => {});\nit('REQ-1 also works', () => {});\n", 'test'));
    assert.deepEqual(graph.trace('REQ-1')!.tests.map((t) => [t.kind, t.testName]), [['verifies', 'REQ-1 works'], ['title', 'REQ-1 also works']]);
  });

  it('passes a check when everything is covered, and demands results for verified', () => {
    const graph = newGraph();
    graph.setFile(extract('/p/docs/a.md', '## REQ-1: One\n', 'requirements'));
    graph.setFile(extract('/p/src/a.ts', '// @implements REQ-1\nexport function a() {}\n', 'source'));
    graph.setFile(extract('/p/test/a.test.ts', "it('REQ-1 works', () => {});\n", 'test'));
    assert.equal(checkTrace(graph, { require: 'covered' }).ok, true);
    assert.equal(checkTrace(graph, { require: 'verified' }).ok, false);
    graph.setTestResults([{ path: '/p/test/a.test.ts', testName: 'REQ-1 works', result: { outcome: 'passed', at: '2026-01-01T00:00:00Z', stale: false } }]);
    assert.equal(checkTrace(graph, { require: 'verified' }).ok, true);
    graph.setTestResults([{ path: '/p/test/a.test.ts', testName: 'REQ-1 works', result: { outcome: 'passed', at: '2026-01-01T00:00:00Z', stale: true } }]);
    assert.equal(graph.trace('REQ-1')!.requirement.status, 'covered', 'a stale pass does not verify');
  });
});

describe('trace: large and unusual input', () => {
  it('reads a tag after a megabyte-long minified line', () => {
    const line = 'var a=' + '(1+"x")*'.repeat(150000) + '1;';
    const facts = extract('/p/src/min.js', `${line}\n/* @implements REQ-1 */\nfunction f(){}\n${line}// @implements REQ-2\n`, 'source');
    assert.deepEqual(facts.tags.map((t) => [t.target, t.symbol?.name]), [['REQ-1', 'f'], ['REQ-2', 'a']]);
  });

  it('reads ten thousand requirements in one Markdown file', () => {
    const markdown = Array.from({ length: 10000 }, (_, i) => `## REQ-${i + 1}: Title ${i + 1}\n\nText ${i + 1}.\n`).join('\n');
    const facts = extract('/p/docs/big.md', markdown, 'requirements');
    assert.equal(facts.requirements.length, 10000);
    assert.equal(facts.requirements[9999].text, 'Text 10000.');
  });
});
