/**
 * The runner's guarantees for runs that misbehave: a hung run is killed with its whole process
 * tree at the timeout, a flood of output is drained and truncated, a cancelled run stops, and the
 * children never see Tandem's secrets. These use `node:test`, which needs no install.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTestFiles } from '../../server/src/testing';
import { writeWorkspace } from '../support/lsp';

const manifest = JSON.stringify({ name: 'isolation', private: true, scripts: { test: 'node --test' } });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('runner isolation', function () {
  this.timeout(30000);
  const roots: string[] = [];
  after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

  it('kills a hung run and the processes it started at the timeout, and says so', async () => {
    const root = writeWorkspace({
      'package.json': manifest,
      'hang.test.js': `const { test } = require('node:test');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
test('spins forever', () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(${JSON.stringify('PIDFILE')}.replace('PIDFILE', __dirname + '/grandchild.pid'), String(child.pid));
  for (;;) {}
});
`,
    });
    roots.push(root);
    const started = Date.now();
    const outcome = await runTestFiles(root, ['hang.test.js'], { timeoutMs: 2000 });
    const elapsed = Date.now() - started;
    assert.ok(outcome.timedOut, `expected the run to time out, got ${JSON.stringify(outcome.processes)}`);
    assert.ok(elapsed < 8000, `expected the run to end soon after the 2000 ms timeout, it took ${elapsed} ms`);
    assert.match(outcome.problems.map((problem) => problem.message).join('\n'), /killed after 2000 ms/);
    const pid = Number(fs.readFileSync(path.join(root, 'grandchild.pid'), 'utf8'));
    await waitUntil(() => !alive(pid), `the grandchild ${pid} is gone`, 3000);
  });

  it('drains and truncates a flood of output and still reports the results', async () => {
    const root = writeWorkspace({
      'package.json': manifest,
      'flood.test.js': `const { test } = require('node:test');
test('floods stdout', () => {
  const line = 'x'.repeat(1023) + '\\n';
  for (let i = 0; i < 30 * 1024; i++) process.stdout.write(line);
});
test('still runs after the flood', () => {});
`,
    });
    roots.push(root);
    const outcome = await runTestFiles(root, ['flood.test.js'], { timeoutMs: 20000 });
    assert.deepStrictEqual(
      outcome.results.map((result) => [result.testName, result.outcome]).sort(),
      [
        ['floods stdout', 'passed'],
        ['still runs after the flood', 'passed'],
      ],
    );
  });

  it('stops a run when it is cancelled', async () => {
    const root = writeWorkspace({ 'package.json': manifest, 'slow.test.js': `require('node:test').test('waits', () => new Promise((resolve) => setTimeout(resolve, 20000)));\n` });
    roots.push(root);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    const outcome = await runTestFiles(root, ['slow.test.js'], { timeoutMs: 20000, signal: controller.signal });
    assert.ok(outcome.cancelled, 'the outcome says the run was cancelled');
    assert.ok(Date.now() - started < 5000, `expected the cancelled run to end quickly, it took ${Date.now() - started} ms`);
  });

  it('keeps secret environment variables from the test process', async () => {
    const root = writeWorkspace({
      'package.json': manifest,
      'env.test.js': `const { test } = require('node:test');
const assert = require('node:assert');
test('sees no model key', () => assert.strictEqual(process.env.TANDEM_TEST_SECRET, undefined));
test('sees ordinary variables', () => assert.strictEqual(process.env.TANDEM_TEST_PLAIN, 'visible'));
`,
    });
    roots.push(root);
    const outcome = await runTestFiles(root, ['env.test.js'], {
      timeoutMs: 20000,
      env: { ...process.env, TANDEM_TEST_SECRET: 'sk-do-not-leak', TANDEM_TEST_PLAIN: 'visible' },
      secretEnvNames: ['TANDEM_TEST_SECRET'],
    });
    assert.deepStrictEqual(
      outcome.results.map((result) => [result.testName, result.outcome, result.message ?? '']).sort(),
      [
        ['sees no model key', 'passed', ''],
        ['sees ordinary variables', 'passed', ''],
      ],
    );
  });

  it('reports a package without a test framework as a problem', async () => {
    const root = writeWorkspace({ 'package.json': JSON.stringify({ name: 'plain' }), 'a.test.js': '' });
    roots.push(root);
    const outcome = await runTestFiles(root, ['a.test.js'], { timeoutMs: 5000 });
    assert.deepStrictEqual(outcome.results, []);
    assert.match(outcome.problems[0]?.message ?? '', /no test framework found/);
  });
});
