/**
 * Installing Tandem from its npm tarball, as a user without a checkout would: `npm pack` (the
 * build is current, since `npm test` builds first; `prepack` builds for everyone else), install
 * the tarball into a temporary prefix, then run the installed `tandem-ls --version` and answer
 * `initialize` over stdio. And a checkout without its build says so in one line.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient, repoRoot, uriOf } from '../support/lsp';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the npm package', function () {
  this.timeout(180_000);
  let scratch: string;
  let installed: string;

  before(function () {
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-pack-')));
    const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const [{ filename }] = JSON.parse(packed);
    const prefix = path.join(scratch, 'prefix');
    execFileSync(npm, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(scratch, filename)], { cwd: scratch, encoding: 'utf8', timeout: 150_000 });
    installed = path.join(prefix, 'lib', 'node_modules', manifest.name);
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('builds before packing, and packs what the server needs', () => {
    assert.equal(manifest.scripts.prepack, 'npm run build');
    for (const file of ['server/bin/tandem-ls.js', 'out/server/src/main.js', 'out/server/src/testing/reporters', 'out/protocol', 'docs/testability.md', 'examples/tandem.json', 'clients/neovim/doc/tags', 'clients/emacs/tandem.el']) {
      assert.ok(fs.existsSync(path.join(installed, file)), `${file} is in the package`);
    }
    assert.ok(!fs.existsSync(path.join(installed, 'out', 'test')), 'the tests stay out of the package');
  });

  it('installs a tandem-ls that prints its version', () => {
    const bin = path.join(path.dirname(path.dirname(installed)), '..', 'bin', 'tandem-ls');
    const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), manifest.version);
  });

  it('installs a server that answers initialize over stdio', async () => {
    const workspace = fs.mkdtempSync(path.join(scratch, 'ws-'));
    fs.writeFileSync(path.join(workspace, 'reqs.md'), '## REQ-1: One\n');
    const client = new LspClient(path.join(installed, 'server', 'bin', 'tandem-ls.js'), ['--stdio']);
    try {
      const result = await client.request('initialize', { processId: process.pid, rootUri: uriOf(workspace), workspaceFolders: [{ uri: uriOf(workspace), name: 'ws' }], capabilities: {} }, 20_000);
      assert.equal(result.serverInfo?.name, 'tandem');
      assert.ok(result.capabilities.hoverProvider);
    } finally {
      await client.shutdown().catch(() => undefined);
    }
  });

  it('says in one line how to build when the build is missing', () => {
    const checkout = fs.mkdtempSync(path.join(scratch, 'checkout-'));
    fs.mkdirSync(path.join(checkout, 'server', 'bin'), { recursive: true });
    for (const bin of ['tandem-ls.js', 'tandem.js']) {
      fs.copyFileSync(path.join(repoRoot, 'server', 'bin', bin), path.join(checkout, 'server', 'bin', bin));
      const result = spawnSync(process.execPath, [path.join(checkout, 'server', 'bin', bin), '--version'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.status, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /is not built .*run `npm run build` in /);
    }
  });
});
