/**
 * Stub detection and test listing, read from fixtures: every declaration in
 * test/fixtures/generation/declarations/stubs.ts is preceded by `// expect: <name> stub|implemented`.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { listDeclarations, listTests, parseSource, removeTests } from '../../server/src/generation/declarations';
import { fixtures } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;

describe('generation: declarations', () => {
  it('tells stubs from implementations as the fixture expects', () => {
    const file = path.join(fixtures, 'declarations', 'stubs.ts');
    const text = fs.readFileSync(file, 'utf8');
    const expected = new Map([...text.matchAll(/\/\/ expect: ([\w.]+) (stub|implemented)/g)].map((m) => [m[1], m[2]]));
    const found = new Map(listDeclarations(ts, parseSource(ts, file, text)).map((d) => [d.name, d.isStub ? 'stub' : 'implemented']));
    for (const [name, verdict] of expected) {
      assert.equal(found.get(name), verdict, `${name}: expected ${verdict}, got ${found.get(name) ?? 'no declaration found'}`);
    }
    assert.equal(found.size, expected.size, `expected exactly ${[...expected.keys()].join(', ')}; found ${[...found.keys()].join(', ')}`);
  });

  it('lists tests with their suite titles and removes chosen ones cleanly', () => {
    const text = [
      "describe('cart', () => {",
      "  it('adds', () => { add(); });",
      "  describe('checkout', () => {",
      "    test('pays', async () => { await pay(); });",
      "    it.skip('refunds', () => {});",
      '  });',
      '});',
      "test('top level', () => {});",
      '',
    ].join('\n');
    const tests = listTests(ts, parseSource(ts, 'cart.test.ts', text));
    assert.deepEqual(tests.map((t) => t.fullTitle), ['cart adds', 'cart checkout pays', 'cart checkout refunds', 'top level']);
    const kept = removeTests(ts, 'cart.test.ts', text, new Set(['cart checkout pays', 'top level']));
    assert.deepEqual(listTests(ts, parseSource(ts, 'cart.test.ts', kept)).map((t) => t.fullTitle), ['cart adds', 'cart checkout refunds']);
    assert.ok(!/^\s*$\n^\s*$/m.test(kept.replace(/\n$/, '')), `removal should not leave blank lines behind:\n${kept}`);
  });
});
