/**
 * Line ends as LSP counts them (`\n`, `\r\n` and a lone `\r`; not U+2028 or U+2029): every reader
 * gives a CRLF or CR-only file the same requirements, tags, problems and positions as its LF copy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDoorstopConfig } from '../../server/src/trace/doorstop';
import type { FileFacts, FileRole } from '../../server/src/trace/model';
import { LineIndex } from '../../server/src/trace/text';
import { extract, fixture, walk } from './helpers';

type Options = Parameters<typeof extract>[3];

/** What a reader found, with positions: the same shape whatever the line ends. */
function shape(facts: FileFacts): unknown {
  const clean = (value: string) => value.replace(/\r\n?/g, '\n');
  return JSON.parse(
    JSON.stringify({ requirements: facts.requirements, tags: facts.tags, problems: facts.problems }, (key, value) => (typeof value === 'string' && key !== 'path' ? clean(value) : value)),
  );
}

function assertSameForEveryLineEnd(file: string, role: FileRole, options: Options = {}): FileFacts {
  const lf = fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
  const expected = extract(file, lf, role, options);
  for (const [name, text] of [
    ['CRLF', lf.replace(/\n/g, '\r\n')],
    ['CR', lf.replace(/\n/g, '\r')],
  ]) {
    assert.deepEqual(shape(extract(file, text, role, options)), shape(expected), `${path.basename(file)} with ${name} line ends`);
  }
  return expected;
}

describe('line breaks as LSP counts them', () => {
  it('counts \\n, \\r\\n and a lone \\r, but not U+2028 or U+2029, in the line table', () => {
    const lines = new LineIndex('a\rb\r\nc\nd\u2028e\u2029f');
    assert.deepEqual(lines.lineStarts(), [0, 2, 5, 7]);
    assert.equal(lines.lineText(0), 'a');
    assert.equal(lines.lineText(1), 'b');
    assert.deepEqual(lines.position(9), { line: 3, character: 2 }, 'U+2028 is not a line end');
  });

  it('Markdown requirements', () => {
    const facts = assertSameForEveryLineEnd(fixture('mixed', 'docs', 'requirements.md'), 'requirements');
    assert.ok(facts.requirements.length >= 3);
  });

  it('OpenFastTrace specification items and tags', () => {
    let items = 0;
    for (const file of walk(fixture('oft-project', 'doc'))) items += assertSameForEveryLineEnd(file, 'requirements').requirements.length;
    assert.ok(items >= 5, `${items} items`);
    let tags = 0;
    for (const file of [...walk(fixture('oft-project', 'src')), ...walk(fixture('oft-project', 'test'))]) {
      tags += assertSameForEveryLineEnd(file, file.includes(`${path.sep}test${path.sep}`) ? 'test' : 'source').tags.length;
    }
    assert.ok(tags >= 5, `${tags} tags`);
  });

  it('tags in every language', () => {
    let tags = 0;
    for (const file of walk(fixture('languages'))) tags += assertSameForEveryLineEnd(file, 'source').tags.length;
    for (const file of walk(fixture('mixed', 'test'))) tags += assertSameForEveryLineEnd(file, 'test').tags.length;
    assert.ok(tags >= 20, `${tags} tags`);
  });

  it('Doorstop items and documents', () => {
    const configFile = fixture('doorstop', 'llr', '.doorstop.yml');
    const config = fs.readFileSync(configFile, 'utf8');
    const document = parseDoorstopConfig(configFile, config).document!;
    for (const ends of ['\r\n', '\r']) assert.deepEqual(parseDoorstopConfig(configFile, config.replace(/\n/g, ends)).document, document);
    for (const file of walk(fixture('doorstop', 'llr')).filter((f) => f.endsWith('.yml') && !f.endsWith('.doorstop.yml'))) {
      const facts = assertSameForEveryLineEnd(file, 'requirements', { doorstop: document });
      assert.equal(facts.requirements.length, 1);
    }
    // A problem below the first line is placed on its line whatever the line ends.
    const broken = 'active: true\nlinks: []\ntext: [unclosed\n';
    const at = (text: string) => extract('/t/LLR-009.yml', text, 'requirements', { doorstop: document }).problems.map((p) => p.span);
    assert.deepEqual(at(broken.replace(/\n/g, '\r')), at(broken));
  });

  it('keeps U+2028 and U+2029 inside their line in every reader', () => {
    const markdown = extract('/t/reqs.md', '## REQ-1: One\u2028still the heading\n\n## REQ-2: Two\n', 'requirements');
    assert.deepEqual(markdown.requirements.map((r) => [r.id, r.span.start.line]), [['REQ-1', 0], ['REQ-2', 2]]);
    const tags = extract('/t/a.ts', "const s = 'a\u2028b';\n/** @implements REQ-1 */\nexport function f() {}\n", 'source');
    assert.deepEqual(tags.tags.map((t) => [t.target, t.span.start.line]), [['REQ-1', 1]]);
    const oft = extract('/t/spec.md', '# Spec\u2029\n\n`req~one~1`\n\nNeeds: impl\n', 'requirements');
    assert.deepEqual(oft.requirements.map((r) => [r.id, r.span.start.line]), [['req~one~1', 2]]);
  });
});
