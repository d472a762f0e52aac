/**
 * The fast paths against the regular expressions they stand for. The Markdown reader has a fast
 * path (headings and bullets read by character codes) beside the regular-expression path; the tag
 * scanner tests cheap hints before its expressions. A hint may let through a line the expression
 * then rejects, never the reverse, and the fast path must read every document as the slow one
 * does: over every fixture and example of the repository, plus generated edge lines (tabs, NBSP,
 * U+3000, seven `#`, four-space bullets, bold, every case).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { idRegExp, defaultIdPattern } from '../../server/src/trace/ids';
import { languages } from '../../server/src/trace/languages';
import { extractMarkdown, plainLinkLine, plainLinkStarts, plainLinkWords } from '../../server/src/trace/markdown';
import { isSpace, LineIndex } from '../../server/src/trace/text';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function filesUnder(folder: string, extension: RegExp, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) filesUnder(file, extension, out);
    else if (extension.test(entry.name)) out.push(file);
  }
  return out;
}

const fixtureFolders = [path.join(repoRoot, 'test', 'fixtures'), path.join(repoRoot, 'examples'), path.join(repoRoot, 'docs')];
const markdownFiles = fixtureFolders.flatMap((folder) => filesUnder(folder, /\.(?:md|markdown)$/i)).concat(path.join(repoRoot, 'README.md'), path.join(repoRoot, 'ARCHITECTURE.md'));
const sourceFiles = fixtureFolders.flatMap((folder) => filesUnder(folder, /\.(?:ts|js|java|kt|py|go|rs|c|cpp|cs|rb)$/i));

/** White space a line may start with: none, spaces, a tab, NBSP, U+3000, an em space, four spaces. */
const leads = ['', ' ', '   ', '    ', '\t', '\u00a0', '\u3000', '\u2003', ' \t '];

/** Lines a Markdown requirement document may hold, each in many spellings. */
function markdownLines(): string[] {
  const bases = [
    ...plainLinkWords.flatMap((word) => [`${word}: REQ-1`, `**${word}:** REQ-2, REQ-3`, `**${word}**: REQ-4`, `${word} : REQ-5`, `${word}:`]),
    '# REQ-1: One',
    '###### REQ-2 Six',
    '####### REQ-3 Seven is no heading',
    '#REQ-4 no space',
    '## REQ-5: Closed ##',
    '- REQ-6: Bullet',
    '* REQ-7 Star',
    '+ REQ-8 Plus',
    '1. REQ-9 Numbered',
    '12) REQ-10 Paren',
    '-REQ-11 no space',
    '- [ ] REQ-12 box',
    'Given a cart, when paid, then it is closed.',
    'And more',
    'But not this',
    '**Given** bold',
    'Needs: impl, utest',
    'Acceptance criteria:',
    '| REQ-13 | Table | Text |',
    '`req~oft~1`',
    'Plain text with REQ-14 inside.',
  ];
  const out: string[] = [];
  for (const base of bases) {
    for (const variant of [base, base.toLowerCase(), base.toUpperCase()]) for (const lead of leads) out.push(`${lead}${variant}`, `${lead}${variant}\t`, `${lead}${variant}\u00a0`);
  }
  return out;
}

function firstNonSpace(line: string): number {
  let at = 0;
  while (at < line.length && isSpace(line.charCodeAt(at))) at++;
  return at < line.length ? line.charCodeAt(at) : -1;
}

function read(text: string, fast: boolean): unknown {
  const idRegex = idRegExp(defaultIdPattern) as RegExp;
  return JSON.parse(JSON.stringify(extractMarkdown('/w/docs/r.md', text, new LineIndex(text), idRegex, true, fast)));
}

describe('trace: shortcuts and their expressions', () => {
  it('reads every Markdown fixture the same on the fast path and the regular-expression path', () => {
    assert.ok(markdownFiles.length >= 5, `found ${markdownFiles.length} Markdown files`);
    for (const file of markdownFiles) {
      const text = fs.readFileSync(file, 'utf8');
      assert.deepEqual(read(text, true), read(text, false), path.relative(repoRoot, file));
    }
  });

  it('reads generated documents of edge lines the same on both paths', () => {
    const lines = markdownLines();
    // Each edge line under a heading that opens an item, and as a document of its own.
    for (const line of lines) {
      for (const text of [`## REQ-100: Host\n\n${line}\n\nText after.\n`, `${line}\n`, `- REQ-101 Host\n${line}\n    - indented\n`, `${line}\n===\n`]) {
        assert.deepEqual(read(text, true), read(text, false), JSON.stringify(text));
      }
    }
  });

  it('turns away no line that plainLinkLine accepts', () => {
    const lines = [...markdownLines(), ...markdownFiles.flatMap((file) => fs.readFileSync(file, 'utf8').split('\n'))];
    let accepted = 0;
    for (const line of lines) {
      if (!plainLinkLine.test(line)) continue;
      accepted++;
      assert.ok(plainLinkStarts.has(firstNonSpace(line)), `the shortcut rejects ${JSON.stringify(line)}`);
    }
    assert.ok(accepted > 100, `only ${accepted} link lines were tried`);
  });

  it("turns away no text a language's test-title call accepts, nor a declaration its expression accepts", () => {
    const calls = ['describe', 'context', 'suite', 'it', 'test', 'specify', 'bench', 'it.only', 'test.skip', 'describe.concurrent', 'it.failing', 'test.todo', 'suite.sequential', 'should', 'scenario', 'feature', 'pending', '@DisplayName', 't.Run'];
    const texts: string[] = [];
    for (const call of calls) for (const lead of leads) for (const gap of ['', ' ', '\t', '\u00a0', '\u3000']) texts.push(`${lead}${call}${gap}(${gap}`, `x = ${call}(`, `${lead}${call} `);
    const sourceLines = sourceFiles.flatMap((file) => fs.readFileSync(file, 'utf8').split('\n'));
    for (const line of sourceLines) texts.push(line, `${line}(`);
    let checked = 0;
    for (const [name, syntax] of Object.entries(languages)) {
      for (const text of texts) {
        if (syntax.testTitleCall && syntax.testTitleHint && syntax.testTitleCall.test(text)) {
          checked++;
          assert.ok(syntax.testTitleHint(text, 0, text.length), `${name}: the test-title hint rejects ${JSON.stringify(text)}`);
        }
        if (syntax.declarationHint && syntax.declaration.test(text)) {
          checked++;
          assert.ok(syntax.declarationHint(text), `${name}: the declaration hint rejects ${JSON.stringify(text)}`);
        }
      }
    }
    assert.ok(checked > 100, `only ${checked} accepted texts were tried`);
  });
});
