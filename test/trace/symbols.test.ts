/**
 * Exact bindings from the TypeScript parser (loaded lazily, only for the file asked about): the
 * declaration whose doc comment or body holds a tag, and the test around it.
 */
import * as assert from 'node:assert/strict';
import { refineBindings } from '../../server/src/trace/symbols';
import { extract } from './helpers';

const cases: { name: string; file: string; source: string; symbol?: string; testName?: string }[] = [
  { name: 'a tag inside a function body', file: 'a.ts', source: 'export function parse(s: string) {\n  // @implements REQ-1\n  return s;\n}\n', symbol: 'parse' },
  { name: 'a method of a class, from its doc comment', file: 'a.ts', source: 'export class OrderService {\n  /** @implements REQ-1 */\n  async submit(): Promise<void> {}\n}\n', symbol: 'OrderService.submit' },
  { name: 'an arrow function held by a property', file: 'a.ts', source: 'class A {\n  handler = () => {\n    // @implements REQ-1\n  };\n}\n', symbol: 'A.handler' },
  { name: 'a nested test', file: 'a.test.ts', source: "describe('orders', () => {\n  describe('submit', () => {\n    it('rejects empty', () => {\n      // @verifies REQ-1\n    });\n  });\n});\n", testName: 'orders submit rejects empty' },
  { name: 'JSX in a .tsx file', file: 'a.tsx', source: 'export function View() {\n  // @implements REQ-1\n  return <div>{"@implements REQ-2"}</div>;\n}\n', symbol: 'View' },
];

describe('trace: bindings refined by the TypeScript parser', () => {
  for (const c of cases) {
    it(c.name, () => {
      const path = `/p/src/${c.file}`;
      const facts = extract(path, c.source, c.file.includes('.test.') ? 'test' : 'source');
      assert.equal(facts.tags.length, 1, `expected one tag, found ${facts.tags.map((t) => t.target).join(', ')}`);
      const refined = refineBindings(path, c.source, facts.tags).get(facts.tags[0]);
      assert.ok(refined, 'the tag is bound');
      if (c.symbol !== undefined) assert.equal(refined.symbol?.name, c.symbol);
      if (c.testName !== undefined) assert.equal(refined.testName, c.testName);
      assert.ok(refined.scope, 'the binding has a scope');
    });
  }

  it('keeps the cheap binding of a tag whose text moved since the file was indexed', () => {
    const source = '// @implements REQ-1\nexport function a() {}\n';
    const facts = extract('/p/src/a.ts', source, 'source');
    assert.equal(refineBindings('/p/src/a.ts', `\n${source}`, facts.tags).size, 0);
  });
});
