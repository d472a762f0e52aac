/**
 * The small fallback runner for generated tests (mocha and node:test), on files written to a temp
 * folder: verdicts with full titles and messages, pending tests, a scrubbed environment, and a
 * timeout that kills a test stuck in a loop.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTestFiles } from '../../server/src/generation/runner';
import { scrubbedEnv as policy } from '../../server/src/testing/env';

const scrubbedEnv = (names: string[], base: NodeJS.ProcessEnv = process.env) => policy(base, names, { untrusted: true });
import { repoRoot } from './support/workspace';

function folder(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-runner-')));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const spec = (framework: 'mocha' | 'node:test') => `
${framework === 'node:test' ? "const { describe, it } = require('node:test');" : ''}
const assert = require('node:assert/strict');
describe('cart', () => {
  it('adds', () => assert.equal(1 + 1, 2));
  it('totals', () => assert.equal(2 + 2, 5));
  it('sees no secret', () => assert.equal(process.env.TANDEM_RUNNER_SECRET, undefined));
  it('pending'${framework === 'node:test' ? ', { todo: true }' : ''});
});
`;

describe('generation: the fallback test runner', function () {
  this.timeout(30_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const framework of ['mocha', 'node:test'] as const) {
    it(`runs ${framework} files and reports each verdict`, async () => {
      const dir = folder({ 'cart.test.js': spec(framework) });
      dirs.push(dir);
      const env = scrubbedEnv(['TANDEM_RUNNER_SECRET'], { ...process.env, TANDEM_RUNNER_SECRET: 'x' });
      const result = await runTestFiles({ dir, files: [path.join(dir, 'cart.test.js')], framework, timeoutMs: 20_000, env, signal: new AbortController().signal, resolvePaths: [repoRoot] });
      assert.equal(result.error, undefined);
      const verdicts = Object.fromEntries(result.verdicts.map((v) => [v.fullTitle, v.outcome]));
      assert.deepEqual(verdicts, { 'cart adds': 'passed', 'cart totals': 'failed', 'cart sees no secret': 'passed', 'cart pending': 'skipped' });
      const failure = result.verdicts.find((v) => v.title === 'totals')!;
      assert.match(failure.message ?? '', /4 !== 5|expected 5, got 4/);
    });
  }

  it('says why a node:test file does not load', async () => {
    const dir = folder({ 'broken.test.js': 'const x = ;\n' });
    dirs.push(dir);
    const result = await runTestFiles({ dir, files: [path.join(dir, 'broken.test.js')], framework: 'node:test', timeoutMs: 20_000, env: scrubbedEnv([]), signal: new AbortController().signal });
    assert.deepEqual(result.verdicts, []);
    assert.match(result.error ?? '', /broken\.test\.js did not load:[\s\S]*SyntaxError: Unexpected token/);
  });

  it('kills a run that exceeds its timeout', async () => {
    const dir = folder({ 'stuck.test.js': "const { it } = require('node:test');\nit('loops', () => { for (;;) {} });\n" });
    dirs.push(dir);
    const started = Date.now();
    const result = await runTestFiles({ dir, files: [path.join(dir, 'stuck.test.js')], framework: 'node:test', timeoutMs: 1000, env: scrubbedEnv([]), signal: new AbortController().signal });
    assert.match(result.error ?? '', /longer than 1000 ms/);
    assert.ok(Date.now() - started < 10_000, `the run should stop soon after the timeout, took ${Date.now() - started} ms`);
  });

  it('drops secrets and anything named like one from the environment', () => {
    const env = scrubbedEnv(['MY_MODEL_KEY'], { PATH: '/bin', MY_MODEL_KEY: 'a', GITHUB_TOKEN: 'b', DB_PASSWORD: 'c', HOME: '/home/x' });
    assert.deepEqual(Object.keys(env).sort(), ['CI', 'FORCE_COLOR', 'HOME', 'NO_COLOR', 'PATH']);
  });
});
