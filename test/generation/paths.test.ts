/**
 * Which paths an answer may write and which files may reach a prompt.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { looksSecret, maySend, resolveProposedPath } from '../../server/src/generation/paths';

describe('generation: paths', () => {
  let root: string;
  let outside: string;
  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-paths-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-outside-')));
    fs.mkdirSync(path.join(root, 'src'));
    fs.symlinkSync(outside, path.join(root, 'src', 'linked'));
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const refused: [string, RegExp][] = [
    ['../outside.ts', /outside the workspace/],
    ['src/../../x.ts', /outside the workspace/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/x.ts', /absolute/],
    ['~/x.ts', /absolute/],
    ['node_modules/pkg/index.js', /node_modules/],
    ['src/.git/config', /\.git/],
    ['.env.local', /secrets file/],
    ['config/server.pem', /secrets file/],
    ['src/linked/evil.ts', /symbolic link src\/linked/],
    ['', /not a path/],
  ];
  for (const [written, reason] of refused) {
    it(`refuses "${written}"`, () => {
      const resolved = resolveProposedPath(root, written);
      assert.equal(resolved.ok, false, `expected "${written}" to be refused, got ${JSON.stringify(resolved)}`);
      if (!resolved.ok) assert.match(resolved.reason, reason);
    });
  }

  it('accepts paths inside, normalizing separators and dots', () => {
    assert.deepEqual(resolveProposedPath(root, './src\\new\\a.ts'), { ok: true, path: path.join(root, 'src', 'new', 'a.ts'), relative: 'src/new/a.ts' });
  });

  it('keeps secrets, unindexed files and neverSend globs out of prompts', () => {
    for (const name of ['.env', '.env.production', 'id_rsa', 'id_ed25519.pub', 'credentials.json', 'server.key', 'cert.p12', '.npmrc', 'secrets.yaml']) {
      assert.ok(looksSecret(path.join(root, name)), `${name} should look secret`);
    }
    assert.ok(!looksSecret(path.join(root, 'src', 'keyboard.ts')));
    const indexed = new Set([path.join(root, 'src', 'a.ts'), path.join(root, 'vendor', 'b.ts'), path.join(root, '.env')]);
    const may = (file: string) => maySend(path.join(root, file), root, (f) => indexed.has(f), ['vendor/**']);
    assert.equal(may('src/a.ts'), true);
    assert.equal(may('vendor/b.ts'), false, 'neverSend');
    assert.equal(may('.env'), false, 'secret, even when indexed');
    assert.equal(may('private/c.ts'), false, 'not in the index (ignored)');
  });
});
