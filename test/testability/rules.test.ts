/**
 * Every rule against fixtures whose markers say where findings must be, and nowhere else.
 */
import * as assert from 'node:assert/strict';
import { analyzeTestability } from '../../server/src/testability';
import { describeFinding, expectedFindings, fixtureNames, fixtureSettings, readFixture, type ExpectedFinding } from './fixture';

describe('testability rules (fixtures)', () => {
  for (const name of fixtureNames('rules')) {
    it(name, () => {
      const { path, text } = readFixture(`rules/${name}`);
      const expected = expectedFindings(text);
      const findings = analyzeTestability({ path, text, settings: fixtureSettings(text) });
      const valued = new Set(expected.filter((finding) => finding.value !== undefined).map((finding) => `${finding.code}@${finding.line}:${finding.character}`));
      const actual: ExpectedFinding[] = findings.map((finding) => ({
        code: finding.code,
        line: finding.span.start.line,
        character: finding.span.start.character,
        value: valued.has(`${finding.code}@${finding.span.start.line}:${finding.span.start.character}`) ? finding.value : undefined,
      }));
      const show = (list: ExpectedFinding[]) => list.map(describeFinding).sort();
      assert.deepEqual(show(actual), show(expected), `findings of ${name}: expected ${show(expected).join(', ') || 'none'}, got ${show(actual).join(', ') || 'none'}`);
      for (const finding of findings) {
        assert.ok(finding.message.length > 40 && /\.$/.test(finding.message), `${finding.code} message should say why and what to do: "${finding.message}"`);
      }
    });
  }

  it('reports a hazard once per function, with its other occurrences as related information', () => {
    const { path, text } = readFixture('rules/clock.ts');
    const findings = analyzeTestability({ path, text, settings: fixtureSettings(text) }).filter((candidate) => candidate.symbol === 'measure');
    assert.equal(findings.length, 1, `one hidden-clock finding for measure, got ${findings.length}`);
    const occurrences = (findings[0].related ?? []).filter((place) => place.occurrence);
    assert.deepEqual(
      occurrences.map((place) => [text.slice(place.start, place.end), place.span.start.line]),
      [['performance.now()', text.split('\n').findIndex((line) => line.includes('return performance.now() - before'))]],
    );
  });

  it('hands a suppressed first occurrence over to the next one', () => {
    const text = 'export function f(start: number): number {\n  // tandem-ignore-next-line hidden-clock\n  const a = Date.now();\n  return Date.now() - start + a;\n}\n';
    const findings = analyzeTestability({ path: '/virtual/f.ts', text, settings: fixtureSettings('') });
    assert.deepEqual(findings.map((finding) => `${finding.code}@${finding.span.start.line}:${finding.span.start.character}`), ['hidden-clock@3:9']);
  });

  it('points a module-level write at the declaration it changes', () => {
    const { path, text } = readFixture('rules/state.ts');
    const finding = analyzeTestability({ path, text, settings: fixtureSettings(text) }).find((candidate) => candidate.code === 'mutable-global' && candidate.symbol === 'counter');
    const related = finding?.related?.[0];
    assert.ok(related, 'expected related information on the counter write');
    assert.equal(text.slice(related.start, related.end), 'counter');
    assert.equal(related.span.start.line, 0, 'counter is declared on the first line');
  });
});
