/**
 * The runner against real installs of each framework: every outcome kind, the failing assertion's
 * place and values, single-test filtering, and crashing files.
 */
import * as assert from 'node:assert';
import * as path from 'node:path';
import { detectFramework, isMissing, runTestFiles, runTests, scrubbedEnv, type FrameworkInfo, type RunOutcome } from '../../server/src/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { copyProject, fixtureFrameworks, fixturesDir, markerLine, missingInstall, removeProject } from './support';

/** What every fixture's `test/calc.test.js` must yield, by full title. */
const expectedCalcOutcomes = {
  'calc adds two numbers REQ-1': 'passed',
  'calc divides evenly REQ-2': 'failed',
  'calc multiplies (not written yet)': 'skipped',
  'calc waits for a reply that never comes': 'failed',
};

function outcomesByName(outcome: RunOutcome): Record<string, string> {
  return Object.fromEntries(outcome.results.map((result) => [result.testName, result.outcome]));
}

for (const { name, package: packageName } of fixtureFrameworks) {
  describe(`runner: ${name}`, function () {
    this.timeout(60000);
    let root: string;
    let framework: FrameworkInfo;

    before(function () {
      const missing = missingInstall(name, packageName);
      if (missing) {
        console.log(`      skipped: ${missing}`);
        this.skip();
      }
      root = copyProject(name);
      const detected = detectFramework(root);
      assert.ok(detected && !isMissing(detected), `expected ${name} to be detected and installed in ${root}, got ${JSON.stringify(detected)}`);
      assert.strictEqual(detected.name, name);
      framework = detected;
    });
    after(() => root && removeProject(root));

    it('reports passed, failed, skipped and timed-out tests with the failing assertion located', async () => {
      const testFile = path.join(root, 'test', 'calc.test.js');
      const streamed: string[] = [];
      const outcome = await runTestFiles(root, ['test/calc.test.js'], { timeoutMs: 30000, onResult: (result) => streamed.push(result.testName) });
      assert.deepStrictEqual(outcomesByName(outcome), expectedCalcOutcomes, `problems: ${JSON.stringify(outcome.problems)}`);
      assert.deepStrictEqual(streamed.sort(), Object.keys(expectedCalcOutcomes).sort(), 'every result is streamed through onResult');
      const failed = outcome.results.find((result) => result.testName === 'calc divides evenly REQ-2')!;
      const fail = markerLine(testFile, '$fail');
      assert.deepStrictEqual(
        { file: failed.failedAt?.file, line: failed.failedAt && failed.failedAt.line - 1 },
        { file: testFile, line: fail.line },
        `expected the failure at the $fail line; stack was:\n${failed.stack}`,
      );
      assert.strictEqual(failed.expected, '2');
      assert.strictEqual(failed.actual, '3');
      const timedOut = outcome.results.find((result) => result.testName === 'calc waits for a reply that never comes')!;
      assert.match(timedOut.message ?? '', /time/i, `expected a timeout message, got ${timedOut.message}`);
    });

    it('runs one test by its full title and reports only that test', async () => {
      const testFile = path.join(root, 'test', 'calc.test.js');
      const outcome = await runTests([{ framework, files: [testFile], tests: [['calc', 'adds two numbers REQ-1']] }], { timeoutMs: 30000, env: scrubbedEnv(process.env, []), concurrency: 1 });
      assert.deepStrictEqual(outcomesByName(outcome), { 'calc adds two numbers REQ-1': 'passed' });
    });

    it('runs only the named file even when the config selects more', async () => {
      const outcome = await runTestFiles(root, ['test/greet.test.js'], { timeoutMs: 30000 });
      assert.deepStrictEqual(outcomesByName(outcome), { 'greet greets by name REQ-3': 'passed' });
    });

    it('turns a test that exits the process into a failure or a problem of its file, never a pass', async () => {
      const crashFile = path.join(root, 'test', 'crash.test.js');
      const outcome = await runTestFiles(root, ['test/crash.test.js'], { timeoutMs: 30000 });
      const passed = outcome.results.filter((result) => result.outcome === 'passed');
      assert.deepStrictEqual(passed, [], 'nothing passes in a crashed file');
      const failedResult = outcome.results.some((result) => result.file === crashFile && result.outcome === 'failed');
      const fileProblem = outcome.problems.some((problem) => problem.file === crashFile);
      assert.ok(failedResult || fileProblem, `expected a failed result or a problem for ${crashFile}, got ${JSON.stringify(outcome)}`);
    });
  });
}

describe('runner: a scratch copy without node_modules', function () {
  this.timeout(30000);
  it('runs with the framework installed in the project it was copied from', async function () {
    const missing = missingInstall('mocha', 'mocha');
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-scratch-')));
    try {
      fs.mkdirSync(path.join(scratch, 'test'));
      fs.mkdirSync(path.join(scratch, 'src'));
      fs.copyFileSync(path.join(fixturesDir, 'mocha', 'src', 'greet.js'), path.join(scratch, 'src', 'greet.js'));
      fs.copyFileSync(path.join(fixturesDir, 'mocha', 'test', 'greet.test.js'), path.join(scratch, 'test', 'greet.test.js'));
      const withoutInstall = await runTestFiles(scratch, ['test/greet.test.js'], { timeoutMs: 20000, framework: 'mocha' });
      assert.match(withoutInstall.problems[0]?.message ?? '', /mocha is not installed/);
      const outcome = await runTestFiles(scratch, ['test/greet.test.js'], { timeoutMs: 20000, framework: 'mocha', resolvePaths: [path.join(fixturesDir, 'mocha')] });
      assert.deepStrictEqual(outcomesByName(outcome), { 'greet greets by name REQ-3': 'passed' }, `problems: ${JSON.stringify(outcome.problems)}`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
