/**
 * Comment syntax per language: in each fixture, every `YES-n` sits in a comment (or a Python
 * docstring) and must be read as a tag; every `NO-n` sits in a string literal and must not be.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extract, fixture, textAt } from './helpers';

const folder = fixture('languages');

describe('trace: tags in comments, not in strings, per language', () => {
  for (const name of fs.readdirSync(folder).sort()) {
    it(`reads the tags of ${name}`, () => {
      const filePath = path.join(folder, name);
      const text = fs.readFileSync(filePath, 'utf8');
      const facts = extract(filePath, text, 'source');
      const found = facts.tags.map((t) => t.target).sort();
      const expected = [...new Set(text.match(/YES-\d+/g) ?? [])].sort();
      assert.deepEqual(found, expected, `expected the tags ${expected.join(', ')} in ${name}, found ${found.join(', ') || 'none'}`);
      for (const tag of facts.tags) {
        assert.equal(textAt(text, tag.span), tag.target, `the span of ${tag.target} in ${name} covers "${textAt(text, tag.span)}"`);
      }
    });
  }
});
