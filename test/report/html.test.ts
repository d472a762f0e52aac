/**
 * The HTML report's content without a browser: what the header states (commit and dirty tree of
 * a real git checkout, settings), the policy that forbids requests, links into the repository,
 * and the code coverage column when a coverage report is joined.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliBin, repoRoot, writeWorkspace } from '../support/lsp';

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/** The page's data: one record per requirement (see `View.record`). */
function dataOf(html: string): any[] {
  const start = html.indexOf('<script type="application/json" id="tandem-data">') + 49;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start))).r;
}

describe('report: HTML content', () => {
  it('states the commit and whether the tree was dirty, the settings, and forbids every request', function () {
    if (spawnSync('git', ['--version']).status !== 0) this.skip();
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n\nText.\n', 'tandem.json': '{ "trace": { "checkRequire": "verified" } }' });
    git(root, ['init', '-q']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-qm', 'first']);
    const head = git(root, ['rev-parse', 'HEAD']);
    const clean = tandem(['trace', '--format', 'html', root]).stdout;
    assert.ok(clean.includes(`<code>${head}</code> (clean work tree)`), 'the commit and a clean tree');
    assert.match(clean, /Required status \(trace.checkRequire\)<\/dt><dd><code>verified<\/code>/);
    assert.match(clean, /ID pattern \(trace.idPattern\)<\/dt><dd><code>\[A-Z\]\[A-Z0-9\]\*-\\d\+<\/code>/);
    assert.match(clean, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[^']+'; img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'">/);
    assert.doesNotMatch(clean, /<(?:link|img|iframe)\b|\bsrc="http/);
    fs.appendFileSync(path.join(root, 'docs/reqs.md'), '\n## REQ-2: Two\n\nMore.\n');
    const dirty = tandem(['trace', '--format', 'html', root]).stdout;
    assert.ok(dirty.includes(`<code>${head}</code> <strong class="dirty">with uncommitted changes</strong>`), 'a dirty tree is said so');
    const outside = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n' });
    assert.ok(tandem(['trace', '--format', 'html', outside]).stdout.includes('<dt>Commit</dt><dd>not a git checkout</dd>'));
  });

  it('links path:line evidence into the repository with --link-base', () => {
    const root = writeWorkspace({ 'docs/reqs.md': '## REQ-1: One\n\nText.\n', 'src/a b.ts': '\n\n/** @implements REQ-1 */\nexport function a() {}\n' });
    const html = tandem(['trace', '--format', 'html', '--link-base', 'https://forge.invalid/o/r/blob/abc', root]).stdout;
    const [record] = dataOf(html);
    assert.ok(record[8].includes('<a class="loc" href="https://forge.invalid/o/r/blob/abc/src/a%20b.ts#L3">src/a b.ts:3</a>'), record[8]);
    const plain = tandem(['trace', '--format', 'html', root]).stdout;
    assert.ok(dataOf(plain)[0][8].includes('<span class="loc">src/a b.ts:3</span>'));
  });

  it('shows code coverage when a coverage report is joined', () => {
    const source = path.join(repoRoot, 'test', 'fixtures', 'coverage', 'c');
    const root = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tandem-html-cov-'));
    fs.cpSync(source, root, { recursive: true });
    const html = tandem(['trace', '--format', 'html', '--coverage', path.join(root, 'lcov.info'), root]).stdout;
    assert.match(html, /<button type="button">Code coverage<\/button>/);
    const one = dataOf(html).find((r) => r[1] === 'CAL-1');
    assert.ok(one[7].includes('<td>83% (5/6 lines, run)</td>'), one[7]);
    assert.match(html, /code coverage [\d.]+% on average over 2/);
    const without = tandem(['trace', '--format', 'html', root]).stdout;
    assert.doesNotMatch(without, /Code coverage<\/button>/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
