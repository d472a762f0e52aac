/**
 * The nesting measure behind the YAML and JSON caps: an upper bound of the real depth, linear,
 * and blind to brackets inside strings, comments and block scalars.
 */
import * as assert from 'node:assert/strict';
import { jsonNesting, parseJson, yamlNesting } from '../../server/src/trace/nesting';

describe('nesting caps', () => {
  it('measures JSON exactly, skipping strings', () => {
    assert.equal(jsonNesting('[[1],[2,[3]]]'), 3);
    assert.equal(jsonNesting('{"a":"[[[[\\"[["}'), 1);
    assert.equal(jsonNesting('['.repeat(20000)), 101, 'stops just past the limit');
    assert.throws(() => parseJson('['.repeat(200) + ']'.repeat(200)), /nests deeper than 100 levels/);
    assert.deepEqual(parseJson('{"a":[1]}'), { a: [1] });
  });

  it('bounds YAML nesting from above in every style, and stops past the limit', () => {
    const n = 1000;
    assert.equal(yamlNesting(`text: ${'['.repeat(n)}${']'.repeat(n)}`), 101);
    assert.equal(yamlNesting(`text: ${'{a: '.repeat(n)}1${'}'.repeat(n)}`), 101);
    assert.equal(yamlNesting(`text:\n  ${'- '.repeat(n)}x\n`), 101);
    assert.equal(yamlNesting(Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n')), 101);
    assert.equal(yamlNesting(Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\r')), 101, 'CR-only line ends');
    // A sequence at its key's indentation still nests: repos → seq → map → hooks → seq → map.
    assert.ok(yamlNesting('repos:\n- repo: x\n  hooks:\n  - id: y\n') >= 5);
  });

  it('does not count brackets in quotes, comments, plain text or block scalars', () => {
    const deep = '['.repeat(500);
    assert.ok(yamlNesting(`text: '${deep}'\n`) <= 2);
    assert.ok(yamlNesting(`text: "${deep}"\n`) <= 2);
    assert.ok(yamlNesting(`# ${deep}\ntext: x\n`) <= 2);
    assert.ok(yamlNesting(`text: see ${deep}\n`) <= 2);
    assert.ok(yamlNesting(`text: |\n  ${deep}\n  ${deep}\nlinks: []\n`) <= 2);
    assert.ok(yamlNesting(`text: >-\n  ${deep}\n`) <= 2);
  });
});
