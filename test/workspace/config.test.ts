/**
 * Settings: defaults, tandem.json, editor settings, later wins; invalid values are reported and
 * replaced by their defaults.
 */
import * as assert from 'node:assert/strict';
import { applySettings, defaultSettings, locateKey, parseSettingsFile, stripJsonComments } from '../../server/src/workspace/config';

describe('settings', () => {
  it('lets later sources win, key by key', () => {
    const settings = defaultSettings();
    assert.deepEqual(applySettings(settings, { trace: { idPattern: 'ORD-\\d+' } }), []);
    assert.deepEqual(applySettings(settings, { trace: { uncoveredSeverity: 'error' } }), []);
    assert.equal(settings.trace.idPattern, 'ORD-\\d+');
    assert.equal(settings.trace.uncoveredSeverity, 'error');
    assert.equal(settings.trace.checkRequire, 'covered', 'untouched keys keep their defaults');
  });

  it('reports a value of the wrong type and keeps the default', () => {
    const settings = defaultSettings();
    const problems = applySettings(settings, { maxFileSize: 'big', trace: { tests: 'test/**' } });
    assert.deepEqual(
      problems.map((p) => p.key),
      ['maxFileSize', 'trace.tests'],
    );
    assert.equal(settings.maxFileSize, defaultSettings().maxFileSize);
    assert.deepEqual(settings.trace.tests, defaultSettings().trace.tests);
  });

  it('reports unknown keys and invalid values of a section', () => {
    const settings = defaultSettings();
    const problems = applySettings(settings, { colour: 'blue', trace: { idPattern: '([', uncoveredSeverity: 'loud' } });
    const messages = problems.map((p) => p.message).join('\n');
    assert.match(messages, /unknown setting "colour"/);
    assert.match(messages, /idPattern is not a valid regular expression/);
    assert.match(messages, /uncoveredSeverity must be one of/);
    assert.equal(settings.trace.idPattern, defaultSettings().trace.idPattern, 'an invalid section falls back');
  });

  it('reads tandem.json with comments and locates keys for diagnostics', () => {
    const text = '{\n  // IDs\n  "trace": { /* here */ "idPattern": "X-\\\\d+" }\n}';
    assert.equal(stripJsonComments(text).length, text.length, 'offsets are kept');
    const parsed = parseSettingsFile(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.value, { trace: { idPattern: 'X-\\d+' } });
    assert.equal(text.slice(locateKey(text, 'trace.idPattern')).startsWith('"idPattern"'), true);
    const broken = parseSettingsFile('{ "trace": ');
    assert.equal(broken.problems.length, 1);
    assert.match(broken.problems[0].message, /not valid JSON/);
  });
});
