/**
 * Every quick fix on fixtures: the fixture marks the finding to fix and names the fix in a
 * `// fix: <title prefix>` line (`none` when no rule fix may be offered, `not <title prefix>` when
 * that fix must not be offered, `extract` for the language-service refactor). The test applies the fix, compares the result with
 * `<name>.expected.<ext>`, checks the targeted finding is gone, and type-checks every fixture
 * before and after in one program. Set UPDATE_EXPECTED=1 to write missing expected files.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeTestability, loadTypeScript, type TestabilityFinding } from '../../server/src/testability';
import { extractFunction } from '../../server/src/testability/extract';
import { applyChanges, testabilityFixes } from '../../server/src/testability/fixes';
import { expectedFindings, fixtureNames, fixtureSettings, fixturesRoot, readFixture } from './fixture';
import { typeCheck } from './typecheck';

const ts = loadTypeScript();
const fixtures = fixtureNames('fixes', (name) => !name.includes('.expected.'));

function expectedPath(name: string): string {
  const extension = path.extname(name);
  return path.join(fixturesRoot, 'fixes', `${name.slice(0, -extension.length)}.expected${extension}`);
}

/** The fixture's marked finding and the text after the named fix. */
function applyFixture(name: string): { before: string; after: string | undefined; finding: TestabilityFinding; fixTitles: string[] } {
  const { path: file, text } = readFixture(`fixes/${name}`);
  const settings = fixtureSettings(text);
  const [marker] = expectedFindings(text);
  assert.ok(marker, `${name} marks no finding to fix`);
  const findings = analyzeTestability({ path: file, text, settings, ts });
  const finding = findings.find((candidate) => candidate.code === marker.code && candidate.span.start.line === marker.line && candidate.span.start.character === marker.character);
  assert.ok(finding, `${name}: expected a ${marker.code} finding at ${marker.line + 1}:${marker.character + 1}, got ${findings.map((f) => `${f.code}@${f.span.start.line + 1}:${f.span.start.character + 1}`).join(', ') || 'none'}`);
  const wanted = /^\/\/ fix: (.*)$/m.exec(text)![1].trim();
  if (wanted === 'extract') {
    assert.equal(finding.fix?.kind, 'complexity', `${name}: the finding should carry the range to extract`);
    const fix = finding.fix.kind === 'complexity' ? extractFunction({ path: file, text, start: finding.fix.extractStart, end: finding.fix.extractEnd, ts }) : undefined;
    return { before: text, after: fix && applyChanges(text, fix.changes), finding, fixTitles: fix ? [fix.title] : [] };
  }
  const fixes = testabilityFixes({ path: file, text, finding, ts });
  const titles = fixes.map((fix) => fix.title);
  if (wanted === 'none') return { before: text, after: undefined, finding, fixTitles: titles };
  if (wanted.startsWith('not ')) {
    const unwanted = wanted.slice(4);
    assert.ok(!titles.some((title) => title.startsWith(unwanted)), `${name}: no fix titled "${unwanted}…" may be offered, got ${titles.join(', ')}`);
    return { before: text, after: undefined, finding, fixTitles: [] };
  }
  const chosen = fixes.find((fix) => fix.title.startsWith(wanted));
  assert.ok(chosen, `${name}: expected a fix titled "${wanted}…", got ${titles.map((title) => `"${title}"`).join(', ')}`);
  return { before: text, after: applyChanges(text, chosen.changes), finding, fixTitles: titles };
}

describe('testability quick fixes (fixtures)', () => {
  const results = new Map<string, ReturnType<typeof applyFixture>>();

  for (const name of fixtures) {
    it(name, () => {
      const result = applyFixture(name);
      results.set(name, result);
      const { path: file, text } = readFixture(`fixes/${name}`);
      if (result.after === undefined) {
        assert.ok(/^\/\/ fix: (none|not .*)$/m.test(text), `${name}: the fix produced no change`);
        assert.deepEqual(
          result.fixTitles.filter((title) => !title.startsWith('Suppress')),
          [],
          `${name}: no rule fix may be offered here, got ${result.fixTitles.join(', ')}`,
        );
        return;
      }
      const expectedFile = expectedPath(name);
      if (!fs.existsSync(expectedFile) && process.env.UPDATE_EXPECTED === '1') fs.writeFileSync(expectedFile, result.after);
      assert.ok(fs.existsSync(expectedFile), `${name}: missing ${path.basename(expectedFile)} (run with UPDATE_EXPECTED=1 and review it)`);
      assert.equal(result.after, fs.readFileSync(expectedFile, 'utf8'), `${name}: the fixed text differs from ${path.basename(expectedFile)}`);
      if (!/^\/\/ fix: extract$/m.test(text) && !/^\/\/ fix: Move/m.test(text)) {
        const again = analyzeTestability({ path: file, text: result.after, settings: fixtureSettings(text), ts });
        const still = again.filter((finding) => finding.code === result.finding.code && finding.symbol === result.finding.symbol);
        assert.deepEqual(
          still.map((finding) => `${finding.code}@${finding.span.start.line + 1}`),
          [],
          `${name}: after the fix no ${result.finding.code} finding should remain for ${result.finding.symbol}`,
        );
      }
    });
  }

  it('every fixture type-checks before and after its fix', function () {
    this.timeout(60000);
    const files = new Map<string, string>();
    for (const name of fixtures) {
      const result = results.get(name) ?? applyFixture(name);
      files.set(`/virtual/before/${name}`, result.before);
      if (result.after !== undefined) files.set(`/virtual/after/${name}`, result.after);
    }
    const errors = [...typeCheck(ts, files)].filter(([, list]) => list.length > 0).map(([file, list]) => `${file}: ${list.join('; ')}`);
    assert.deepEqual(errors, [], `expected no type errors, got:\n${errors.join('\n')}`);
  });
});
