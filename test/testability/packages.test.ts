/**
 * `untested-export` in packages whose tests import the package by its own name (zod's tests import
 * `zod/v4`) or reach modules through CommonJS re-exports (pino's `module.exports.transport =
 * require('./lib/transport')`): the index resolves both, reading the package's `package.json`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeWorkspace } from '../../server/src/testability/workspace';
import { testabilitySettingsDefaults } from '../../server/src/testability';
import { describeFinding, expectedFindings, fixturesRoot } from './fixture';

function filesOf(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(full));
    else if (/\.[cm]?[jt]s$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('testability workspace rules in packages', () => {
  it('places findings by LSP lines in a whole-workspace analysis (U+2028 inside a string is no line break)', () => {
    const text = 'const sep = "a\u2028b";\nexport function stamp(start: number): string {\n  return sep + (Date.now() - start);\n}\n';
    const results = analyzeWorkspace({ files: [{ path: '/virtual/src/stamp.ts', text, role: 'source' }], settingsFor: () => testabilitySettingsDefaults });
    const clock = results.get('/virtual/src/stamp.ts')?.find((finding) => finding.code === 'hidden-clock');
    assert.deepEqual(clock?.span.start, { line: 2, character: 16 });
  });

  for (const name of ['selfpkg', 'cjspkg']) {
    it(`resolves what the tests of ${name} use`, () => {
      const root = path.join(fixturesRoot, 'packages', name);
      const files = filesOf(root).map((file) => ({ path: file, text: fs.readFileSync(file, 'utf8'), role: file.includes(`${path.sep}test${path.sep}`) ? ('test' as const) : ('source' as const) }));
      const results = analyzeWorkspace({ files, settingsFor: () => testabilitySettingsDefaults });
      for (const file of files.filter((candidate) => candidate.role === 'source')) {
        const expected = expectedFindings(file.text).map(describeFinding).sort();
        const actual = (results.get(file.path) ?? [])
          .filter((finding) => finding.code === 'untested-export')
          .map((finding) => describeFinding({ code: finding.code, line: finding.span.start.line, character: finding.span.start.character }))
          .sort();
        assert.deepEqual(actual, expected, `${path.relative(root, file.path)}: expected ${expected.join(', ') || 'none'}, got ${actual.join(', ') || 'none'}`);
      }
    });
  }
});
