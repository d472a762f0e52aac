/**
 * Discovery honours .gitignore (nested too) and excludes; reading refuses binary and huge files;
 * globs and file events batch as documented.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverFiles, IgnoreRules, readTextFile } from '../../server/src/workspace/files';
import { globToRegExp, matchesAny } from '../../server/src/text/glob';
import { ChangeBatcher } from '../../server/src/workspace/watcher';
import { writeWorkspace } from '../support/lsp';

describe('workspace files', () => {
  it('honours .gitignore at every level, and excludes', () => {
    const root = writeWorkspace({
      '.gitignore': 'dist/\n*.log\n!keep.log\n',
      'src/a.ts': '',
      'src/debug.log': '',
      'src/keep.log': '',
      'dist/out.js': '',
      'node_modules/x/index.js': '',
      'pkg/.gitignore': 'generated/\n',
      'pkg/generated/g.ts': '',
      'pkg/b.ts': '',
      'docs/reqs.md': '',
      'image.png': 'PNG',
    });
    const rules = new IgnoreRules(root, ['**/node_modules/**']);
    const files = discoverFiles(rules).map((file) => path.relative(root, file).split(path.sep).join('/')).sort();
    assert.deepEqual(files, ['.gitignore', 'docs/reqs.md', 'pkg/.gitignore', 'pkg/b.ts', 'src/a.ts', 'src/keep.log']);
  });

  it('refuses binary and oversized files with a reason', () => {
    const root = writeWorkspace({ 'bin.dat2': Buffer.from([0x41, 0x00, 0x42]), 'big.txt': 'x'.repeat(2000), 'ok.txt': 'héllo' });
    const binary = readTextFile(path.join(root, 'bin.dat2'), 1000);
    assert.equal(binary.ok, false);
    assert.equal(!binary.ok && binary.reason, 'binary');
    const big = readTextFile(path.join(root, 'big.txt'), 1000);
    assert.equal(!big.ok && big.reason, 'too-large');
    const ok = readTextFile(path.join(root, 'ok.txt'), 1000);
    assert.deepEqual(ok, { ok: true, text: 'héllo' });
    const missing = readTextFile(path.join(root, 'nope.txt'), 1000);
    assert.equal(!missing.ok && missing.reason, 'missing');
    fs.rmSync(root, { recursive: true });
  });

  it('matches globs like .gitignore users expect', () => {
    const cases: [string, string, boolean][] = [
      ['*.md', 'README.md', true],
      ['*.md', 'docs/deep/x.md', true],
      ['docs/*.md', 'docs/deep/x.md', false],
      ['docs/**/*.md', 'docs/deep/x.md', true],
      ['docs/**/*.md', 'docs/x.md', true],
      ['**/test/**', 'pkg/test/a.ts', true],
      ['**/test/**', 'pkg/testing/a.ts', false],
      ['**/*.{test,spec}.ts', 'src/a.spec.ts', true],
      ['**/node_modules/**', 'node_modules/', true],
      ['src/?.ts', 'src/ab.ts', false],
    ];
    for (const [glob, file, expected] of cases) {
      assert.equal(matchesAny(file, [glob]), expected, `${glob} on ${file}: expected ${expected} (regex ${globToRegExp(glob)})`);
    }
  });

  it('batches a burst of file events into one hand-over', async () => {
    const batches: number[] = [];
    const batcher = new ChangeBatcher((changes) => batches.push(changes.length), 30, 1000);
    for (let i = 0; i < 10000; i++) batcher.add({ path: `/w/f${i}.ts`, type: 'changed' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(batches, [10000]);
    batcher.dispose();
  });
});
