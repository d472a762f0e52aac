/**
 * The testability settings section, the docs that every diagnostic links to, and the start-up
 * promise that `typescript` is not loaded until the first analysis.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findingToDiagnostic } from '../../server/src/features/testability';
import { pathToUri } from '../../server/src/lsp/uri';
import { analyzeTestability } from '../../server/src/testability';
import { testabilityRuleCodes } from '../../server/src/testability/model';
import { testabilitySettingsDefaults, validateTestabilitySettings } from '../../server/src/testability/settings';
import { applySettings, defaultSettings, settingsSections } from '../../server/src/workspace/config';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('testability settings and docs', () => {
  it('has defaults for every rule, as plain JSON', () => {
    assert.deepEqual(Object.keys(testabilitySettingsDefaults.rules).sort(), [...testabilityRuleCodes].sort());
    assert.deepEqual(JSON.parse(JSON.stringify(testabilitySettingsDefaults)), testabilitySettingsDefaults);
    assert.equal(testabilitySettingsDefaults.rules['cognitive-complexity'].threshold, 15);
    assert.equal(testabilitySettingsDefaults.rules['nesting-depth'].threshold, 4);
    assert.equal(testabilitySettingsDefaults.rules['parameter-count'].threshold, 4);
  });

  it('reports each invalid severity and threshold in one message', () => {
    const settings = structuredClone(testabilitySettingsDefaults);
    (settings.rules['hidden-clock'] as { severity: string }).severity = 'loud';
    settings.rules['parameter-count'].threshold = -1;
    settings.rules['nesting-depth'].threshold = 2.5;
    const problems = validateTestabilitySettings(settings);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0], /^testability\.rules\.hidden-clock\.severity must be one of .*"loud"/);
    assert.match(problems[1], /^testability\.rules\.nesting-depth\.threshold/);
    assert.match(problems[2], /^testability\.rules\.parameter-count\.threshold/);
    assert.deepEqual(validateTestabilitySettings(testabilitySettingsDefaults), []);
    assert.deepEqual(validateTestabilitySettings({ ...testabilitySettingsDefaults, docsUrl: 'https://docs.example.invalid/testability' }), []);
    assert.match(validateTestabilitySettings({ ...testabilitySettingsDefaults, docsUrl: 'docs/testability' })[0] ?? '', /^testability\.docsUrl must be an absolute URL/);
  });

  it('plugs into the settings loader: values merge, wrong types and invalid values are reported', () => {
    const added = !settingsSections.has('testability');
    if (added) settingsSections.set('testability', { defaults: testabilitySettingsDefaults as unknown as Record<string, unknown>, validate: validateTestabilitySettings });
    try {
      const settings = defaultSettings();
      const problems = applySettings(settings, { testability: { rules: { 'parameter-count': { threshold: 2 } }, ioModules: ['fs', 'my-db'] } });
      assert.deepEqual(problems, []);
      const section = settings.testability as typeof testabilitySettingsDefaults;
      assert.equal(section.rules['parameter-count'].threshold, 2);
      assert.equal(section.rules['parameter-count'].severity, 'warning', 'unset keys keep their defaults');
      assert.deepEqual(section.ioModules, ['fs', 'my-db']);
      const bad = applySettings(settings, { testability: { rules: { 'hidden-clock': { severity: 'loud' }, 'reach-through': { threshold: 'two' } } } });
      const messages = bad.map((problem) => problem.message).sort();
      assert.equal(messages.length, 2, messages.join('\n'));
      assert.match(messages[0], /reach-through\.threshold" must be a number/);
      assert.match(messages[1], /hidden-clock\.severity must be one of/);
      assert.equal((settings.testability as typeof testabilitySettingsDefaults).rules['hidden-clock'].severity, 'warning', 'an invalid section keeps its previous value');
    } finally {
      if (added) settingsSections.delete('testability');
    }
  });

  it('documents every rule under a heading named by its code, with a before and after', () => {
    const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'testability.md'), 'utf8');
    for (const code of testabilityRuleCodes) {
      const at = docs.indexOf(`\n### ${code}\n`);
      assert.ok(at >= 0, `docs/testability.md has no "### ${code}" section (diagnostics link to #${code})`);
      const section = docs.slice(at + 1).split('\n### ')[0].split('\n## ')[0];
      assert.match(section, /Before/, `the ${code} section needs a before example`);
      assert.match(section, /After/, `the ${code} section needs an after example`);
    }
    for (const key of Object.keys(testabilitySettingsDefaults)) assert.ok(docs.includes(`| \`${key}`), `setting ${key} has no row in the settings table`);
  });

  it('links diagnostics to the bundled docs, or to the docsUrl a team sets', () => {
    const finding = analyzeTestability({ path: '/virtual/a.ts', text: 'export function f(start: number) { return Date.now() - start; }\n', settings: testabilitySettingsDefaults })[0];
    assert.equal(finding?.code, 'hidden-clock');
    assert.equal(findingToDiagnostic(finding).codeDescription?.href, `${pathToUri(path.join(repoRoot, 'docs', 'testability.md'))}#hidden-clock`);
    assert.equal(findingToDiagnostic(finding, 'https://docs.example.invalid/testability').codeDescription?.href, 'https://docs.example.invalid/testability#hidden-clock');
  });

  it('does not load typescript when the server loads the feature', () => {
    const feature = path.join(repoRoot, 'out', 'server', 'src', 'features', 'testability.js');
    const script = `require(${JSON.stringify(feature)}); process.stdout.write(String(Object.keys(require.cache).filter((k) => /node_modules[\\\\/]typescript[\\\\/]/.test(k)).length));`;
    const loaded = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
    assert.equal(loaded, '0', 'typescript modules loaded at start-up');
  });
});
