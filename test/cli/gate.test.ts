/**
 * The CI gate must not lie: a check that read nothing does not pass, an unreadable workspace exits
 * 2, an invalid setting is reported and replaced by its default, and every failure the user can act
 * on is one line, never a stack trace.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliBin, writeWorkspace } from '../support/lsp';

function tandem(args: string[], options: { cwd?: string; asNobody?: boolean } = {}): { status: number | null; stdout: string; stderr: string } {
  const command = options.asNobody ? 'setpriv' : process.execPath;
  const prefix = options.asNobody ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath] : [];
  const result = spawnSync(command, [...prefix, cliBin, ...args], { encoding: 'utf8', timeout: 60000, cwd: options.cwd });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const covered = {
  'docs/reqs.md': '## REQ-1: Parse\n\nParse it.\n',
  'src/a.ts': '/** @implements REQ-1 */\nexport function parse() {}\n',
  'test/a.test.ts': "it('REQ-1 parses', () => {});\n",
};

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace: ${stderr}`);
}

/** Running as another user needs root and `setpriv`; in CI both are there, so the test is mandatory. */
function canDropPrivileges(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root to run the CLI as the user nobody';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is not installed';
  return undefined;
}

describe('the CI gate', () => {
  it('exits 2 with one line on a workspace folder it cannot read', function () {
    const missing = canDropPrivileges();
    if (missing) {
      if (process.env.CI === 'true') assert.fail(`mandatory in CI: ${missing}`);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    // A folder only root may enter, inside a temp folder everyone may enter.
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-unreadable-'));
    fs.chmodSync(parent, 0o755);
    const root = path.join(parent, 'ws');
    fs.mkdirSync(root);
    for (const [rel, text] of Object.entries(covered)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    fs.chmodSync(root, 0o700);
    const result = tandem(['check', root], { asNobody: true });
    assert.equal(result.status, 2, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /passed/);
    assert.match(result.stderr, /cannot read the workspace folder .*ws: EACCES/);
    assertNoStack(result.stderr);
    // Readable again: the same workspace passes, so the exit 2 came from the permission alone.
    fs.chmodSync(root, 0o755);
    assert.equal(tandem(['check', root], { asNobody: true }).status, 0);
  });

  it('reports a requirement folder it cannot read, and fails on the nothing that is left', function () {
    const missing = canDropPrivileges();
    if (missing) {
      if (process.env.CI === 'true') assert.fail(`mandatory in CI: ${missing}`);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const root = writeWorkspace(covered);
    fs.chmodSync(root, 0o755);
    for (const dir of ['docs', 'src', 'test']) fs.chmodSync(path.join(root, dir), 0o700);
    const result = tandem(['check', root], { asNobody: true });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /the folder .*docs could not be read/);
    assert.match(result.stdout, /No requirement file was read/);
    assert.doesNotMatch(result.stdout, /passed/);
  });

  for (const size of [0, -1, 0.5]) {
    it(`treats maxFileSize ${size} as an invalid setting and reads with the default`, () => {
      const root = writeWorkspace({ ...covered, 'tandem.json': `{ "maxFileSize": ${size} }` });
      const result = tandem(['check', root]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stderr, /maxFileSize must be a positive whole number of bytes; using the default/);
      const trace = JSON.parse(tandem(['trace', '--format', 'json', root]).stdout);
      assert.deepEqual(trace.requirements.map((t: any) => t.requirement.id), ['REQ-1']);
    });
  }

  it('does not pass when no requirement file was read, unless --allow-empty', () => {
    const root = writeWorkspace({ 'src/a.ts': 'export function parse() {}\n' });
    const failing = tandem(['check', root]);
    assert.equal(failing.status, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout, /No requirement file was read/);
    assert.match(failing.stdout, /Trace check failed/);
    assert.doesNotMatch(failing.stdout, /passed/);
    const json = JSON.parse(tandem(['check', '--format', 'json', root]).stdout);
    assert.equal(json.ok, false);
    assert.match(json.empty, /No requirement file was read/);
    const allowed = tandem(['check', '--allow-empty', root]);
    assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, /No requirement file was read: there is nothing to check\./);
  });

  it('does not pass when the requirement files hold no requirement', () => {
    const root = writeWorkspace({ 'README.md': '# A project\n\nNo IDs here.\n', 'src/a.ts': 'export function parse() {}\n' });
    const result = tandem(['check', root]);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stdout, /No requirement was found in the 1 requirement file read/);
  });

  it('does not pass when every requirement file is over maxFileSize', () => {
    const root = writeWorkspace({ ...covered, 'tandem.json': '{ "maxFileSize": 8 }' });
    const result = tandem(['check', root]);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /No requirement file was read/);
  });

  it('refuses an empty PATH instead of checking the current folder', () => {
    const cwd = writeWorkspace(covered);
    for (const command of ['check', 'trace']) {
      const result = tandem([command, ''], { cwd });
      assert.equal(result.status, 2, result.stdout);
      assert.match(result.stderr, /PATH must not be empty/);
      assert.equal(result.stdout, '');
    }
  });

  it('tells in one line, with exit 2, that --out cannot be written', () => {
    const root = writeWorkspace(covered);
    for (const out of [path.join(root, 'missing', 'folder', 'trace.xml'), path.join(root, 'docs')]) {
      for (const command of ['check', 'trace']) {
        const result = tandem([command, '--out', out, root]);
        assert.equal(result.status, 2, result.stderr);
        assertNoStack(result.stderr);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.match(result.stderr, /^tandem: cannot write .*(ENOENT|EISDIR)/);
      }
    }
    assert.equal(tandem(['check', '--out=', root]).status, 2);
  });

  it('prints no stack trace for any invalid setting', () => {
    const root = writeWorkspace({
      ...covered,
      'tandem.json': JSON.stringify({
        maxFileSize: -1,
        exclude: 7,
        trace: { idPattern: '([', tests: [1] },
        testing: { timeoutMs: 1e10 },
        generation: { requestTimeoutMs: -5 },
        colour: 'blue',
      }),
    });
    const result = tandem(['check', root]);
    assertNoStack(result.stderr);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    for (const key of ['maxFileSize', 'exclude', 'idPattern', 'testing.timeoutMs', 'generation.requestTimeoutMs', 'colour']) assert.match(result.stderr, new RegExp(key.replace('.', '\\.')));
    const broken = writeWorkspace({ ...covered, 'tandem.json': '{ "trace": ' });
    const brokenResult = tandem(['check', broken]);
    assertNoStack(brokenResult.stderr);
    assert.match(brokenResult.stderr, /not valid JSON/);
  });
});
