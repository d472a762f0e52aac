/**
 * The whole generation run against a real OpenAI-compatible HTTP endpoint on 127.0.0.1 (scripted),
 * through the `openai` client, with the real checks: plan, type check over the fixture project,
 * testability rules, and mocha runs in a scratch copy. Each test says what the run reports, what
 * the model was sent, and that nothing on disk changed.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { runGeneration, type EngineResult } from '../../server/src/generation/engine';
import type { GatherRequest } from '../../server/src/generation/gather';
import { generationSettingsDefaults, type GenerationSettings } from '../../server/src/generation/settings';
import { ScriptedModel, type ScriptStep } from './support/scriptedModel';
import { answer, diffSnapshots, diskView, fixtureWorkspace, privateMarker, removeWorkspace, secretMarker, shopWorkspace, snapshot } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;
const apiKey = 'sk-test-key-5521';

interface Run {
  result: EngineResult;
  model: ScriptedModel;
  progress: string[];
  logs: string[];
  /** What changed on disk during the run (should be nothing). */
  diskChanges: string[];
}

const implementSlugify = (root: string): GatherRequest => ({ kind: 'stub', path: path.join(root, 'src', 'slugify.ts'), symbol: 'slugify', requirementId: 'REQ-1' });

async function generate(root: string, request: GatherRequest, script: ScriptStep[], settings: Partial<GenerationSettings> = {}, signal = new AbortController().signal): Promise<Run> {
  const model = await new ScriptedModel(script).start();
  const progress: string[] = [];
  const logs: string[] = [];
  const before = snapshot(root);
  try {
    const result = await runGeneration({
      ts,
      view: diskView(root),
      request,
      settings: { ...generationSettingsDefaults, model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', maxRetryDelayMs: 50, testTimeoutMs: 20_000, ...settings },
      testabilitySettings: undefined,
      overlay: () => undefined,
      secretEnvNames: [],
      env: { TANDEM_TEST_KEY: apiKey },
      progress: (message) => progress.push(message),
      log: (_level, message) => logs.push(message),
      signal,
    });
    return { result, model, progress, logs, diskChanges: diffSnapshots(before, snapshot(root)) };
  } finally {
    await model.stop();
  }
}

function issuesOf(run: Run): string {
  return JSON.stringify(run.result.loop?.rounds.map((r) => r.issues), null, 1);
}

function lastUserMessage(run: Run, request: number): string {
  const messages = run.model.requests[request].body.messages;
  return messages[messages.length - 1].content;
}

describe('generation loop over a scripted OpenAI-compatible endpoint', function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => {
    root = shopWorkspace();
  });
  afterEach(() => removeWorkspace(root));

  it('accepts a first answer that passes every check, streamed', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('slugify-good') }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `expected passed, got ${loop.status}: ${loop.message} ${issuesOf(run)}`);
    assert.equal(loop.rounds.length, 1);
    assert.equal(loop.rounds[0].testsPassed, 3, `expected the 3 new tests to pass every run, got ${loop.rounds[0].testsPassed}`);
    assert.deepEqual(loop.planned!.map((f) => f.relative).sort(), ['src/slugify.ts', 'test/slugify.test.ts']);
    const source = loop.planned!.find((f) => f.relative === 'src/slugify.ts')!;
    assert.match(source.after, /@implements REQ-1[\s\S]*export function slugify[\s\S]*\.join\('-'\)/, `the stub's doc comment and tag should stay above the implementation:\n${source.after}`);
    assert.doesNotMatch(source.after, /not implemented/);
    const request = run.model.requests[0];
    assert.equal(request.body.stream, true);
    assert.equal(request.body.model, 'scripted-model');
    assert.equal(request.authorization, `Bearer ${apiKey}`);
    const prompt = request.body.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /Drops characters that are not letters or digits/, 'the acceptance criteria go into the prompt');
    assert.match(prompt, /export function slugify\(title: string\): string/, 'the signature goes into the prompt');
    assert.match(prompt, /describe\('orderTotal'/, 'an existing test goes into the prompt as the style to follow');
    assert.ok(!prompt.includes(secretMarker), 'the .env file must never reach the prompt');
    assert.ok(!prompt.includes(privateMarker), 'a .gitignored file must never reach the prompt');
    assert.ok(run.progress.some((p) => /Round 1\/3: running the new tests \(3\/3\)/.test(p)), `progress should name the stage and round, got ${run.progress.join(' | ')}`);
    assert.deepEqual(run.diskChanges, [], 'generation writes nothing into the workspace');
  });

  it('works without streaming and retries a 429 after its Retry-After', async () => {
    const run = await generate(root, implementSlugify(root), [{ status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } }, { answer: answer('slugify-good') }], { stream: false });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.equal(run.model.requests.length, 2, 'one rate-limited request and one retry');
    assert.equal(loop.rounds[0].requests, 2);
    assert.equal(run.model.requests[1].body.stream, false);
    assert.ok(run.logs.some((l) => /HTTP 429; retry 1/.test(l)), `the retry should be logged, got ${run.logs.join(' | ')}`);
  });

  it('feeds failing assertions back and accepts the repaired answer', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('slugify-wrong') }, { answer: answer('slugify-good') }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.equal(loop.rounds.length, 2);
    const failures = loop.rounds[0].issues.filter((i) => i.check === 'tests' && i.blocking);
    assert.ok(failures.length >= 1, `round 1 should fail tests, got ${issuesOf(run)}`);
    const feedback = lastUserMessage(run, 1);
    assert.match(feedback, /\[tests\].*slugify (lower-cases|drops characters).*failed/, `the failure should be fed back, got:\n${feedback}`);
    assert.match(feedback, /expected "red-wool-socks"|expected "socks-2-pack"/, `the expected value should be fed back, got:\n${feedback}`);
    assert.equal(run.model.requests[1].body.messages.at(-2)?.role, 'assistant', 'the previous answer is part of the repair conversation');
  });

  it('feeds type errors back and accepts the repaired answer', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('slugify-type-error') }, { answer: answer('slugify-good') }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    const typeErrors = loop.rounds[0].issues.filter((i) => i.check === 'types');
    assert.ok(typeErrors.some((i) => i.path === 'src/slugify.ts' && /TS2322/.test(i.message)), `expected TS2322 in src/slugify.ts, got ${issuesOf(run)}`);
    assert.match(lastUserMessage(run, 1), /\[types\] src\/slugify\.ts:\d+: TS2322/);
  });

  it('stops after the configured rounds when the answer never converges, keeping the best attempt', async () => {
    const wrong = { answer: answer('slugify-wrong') };
    const run = await generate(root, implementSlugify(root), [wrong, wrong, wrong, wrong], { rounds: 3 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.equal(loop.rounds.length, 3);
    assert.equal(run.model.requests.length, 3, 'no request beyond the third round');
    assert.ok(loop.planned && loop.planned.length === 2, 'the best attempt is kept');
    assert.ok(loop.failingIssues.some((i) => i.check === 'tests'), `the failing checks are listed, got ${JSON.stringify(loop.failingIssues)}`);
    assert.match(loop.message, /after 3 round/);
    assert.deepEqual(run.diskChanges, []);
  });

  it('reports a server error after its retries with the status', async () => {
    const failing = { status: 500, body: { error: { message: 'upstream exploded' } } };
    const run = await generate(root, implementSlugify(root), [failing, failing, failing], { maxRetries: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'error');
    assert.match(loop.message, /HTTP 500 after 1 retry/);
    assert.equal(run.model.requests.length, 2);
    assert.deepEqual(run.diskChanges, []);
  });

  it('aborts a hung request when cancelled', async () => {
    const controller = new AbortController();
    // Cancel once the request is in flight: gathering the context first can take seconds on a loaded machine.
    let cancelled = 0;
    const arrive = () => setTimeout(() => ((cancelled = Date.now()), controller.abort()), 300);
    const run = await generate(root, implementSlugify(root), [{ hang: true, onArrive: arrive }], {}, controller.signal);
    assert.equal(run.result.loop!.status, 'cancelled');
    assert.ok(cancelled > 0, 'the request reached the model before the run ended');
    assert.ok(Date.now() - cancelled < 5000, `cancellation should be prompt, took ${Date.now() - cancelled} ms`);
    const deadline = Date.now() + 2000;
    while (!run.model.requests[0].aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(run.model.requests[0].aborted, true, 'the HTTP request itself must be aborted');
    assert.deepEqual(run.diskChanges, []);
  });

  it('kills the test run when cancelled during it', async () => {
    const controller = new AbortController();
    const model = await new ScriptedModel([{ answer: answer('slugify-hanging-test') }]).start();
    const started = Date.now();
    let cancelledAt = 0;
    try {
      const result = await runGeneration({
        ts,
        view: diskView(root),
        request: implementSlugify(root),
        settings: { ...generationSettingsDefaults, model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', testTimeoutMs: 60_000 },
        testabilitySettings: undefined,
        overlay: () => undefined,
        secretEnvNames: [],
        env: { TANDEM_TEST_KEY: apiKey },
        progress: (message) => {
          if (/running the new tests/.test(message) && !cancelledAt) {
            cancelledAt = Date.now();
            setTimeout(() => controller.abort(), 500);
          }
        },
        log: () => undefined,
        signal: controller.signal,
      });
      assert.equal(result.loop!.status, 'cancelled');
      assert.ok(cancelledAt > 0, 'the run reached the tests');
      assert.ok(Date.now() - cancelledAt < 10_000, `the hanging test run should stop soon after cancelling, took ${Date.now() - cancelledAt} ms (started ${Date.now() - started} ms ago)`);
    } finally {
      await model.stop();
    }
  });

  it('runs generated tests under the permission sandbox: no writes outside the temp folder, no processes', async () => {
    const target = path.join(root, 'src', 'planted.ts');
    const hostile = [
      'FILE src/slugify.ts REPLACE slugify',
      '```ts',
      'export function slugify(title: string): string {',
      "  return (title.toLowerCase().match(/[a-z0-9]+/g) ?? []).join('-');",
      '}',
      '```',
      '',
      'FILE test/slugify.test.ts CREATE',
      '```ts',
      "import { strict as assert } from 'node:assert';",
      "import * as fs from 'node:fs';",
      "import { execSync } from 'node:child_process';",
      "import { slugify } from '../src/slugify';",
      '',
      "describe('slugify', () => {",
      "  it('writes into the workspace', () => {",
      `    fs.writeFileSync(${JSON.stringify(target)}, 'planted');`,
      "    assert.equal(slugify('A b'), 'a-b');",
      '  });',
      "  it('starts a process', () => {",
      "    execSync('true');",
      '  });',
      '});',
      '```',
    ].join('\n');
    const run = await generate(root, implementSlugify(root), [{ answer: hostile }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    const failures = loop.rounds[0].issues.filter((i) => i.check === 'tests' && i.blocking).map((i) => i.message).join('\n');
    assert.match(failures, /"slugify writes into the workspace" failed: .*(ERR_ACCESS_DENIED|Access to this API has been restricted)/);
    assert.match(failures, /"slugify starts a process" failed: .*(ERR_ACCESS_DENIED|Access to this API has been restricted)/);
    assert.equal(fs.existsSync(target), false, 'the workspace file must not exist');
    assert.deepEqual(run.diskChanges, []);
  });

  it('refuses garbage output and says so in the feedback', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('garbage') }, { answer: answer('garbage') }], { rounds: 2 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.equal(loop.planned, undefined, 'nothing is offered when no answer could be read');
    assert.ok(loop.rounds.every((r) => r.issues.some((i) => i.check === 'format')));
    assert.match(lastUserMessage(run, 1), /no file block/);
  });

  it('refuses a path that escapes the workspace, whatever a comment in the workspace says', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('escape') }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'paths' && /outside the workspace/.test(i.message)), issuesOf(run));
    assert.equal(loop.planned, undefined, 'an attempt with a refused block is never offered: it would be half an edit');
    assert.equal(fs.existsSync(path.join(path.dirname(root), 'outside')), false);
    assert.deepEqual(run.diskChanges, []);
  });

  it('refuses an answer that would overwrite an existing file', async () => {
    const run = await generate(root, implementSlugify(root), [{ answer: answer('overwrite') }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    const overwrite = loop.rounds[0].issues.filter((i) => i.check === 'overwrite');
    assert.deepEqual(overwrite.map((i) => i.path).sort(), ['src/orders.ts', 'test/orders.test.ts'], issuesOf(run));
    assert.equal(loop.planned, undefined);
    assert.deepEqual(run.diskChanges, []);
  });

  it('refuses a huge answer without reading it all', async () => {
    const huge = `FILE src/huge.ts CREATE\n\`\`\`ts\n${'export const x = 1;\n'.repeat(5000)}\`\`\`\n`;
    const run = await generate(root, implementSlugify(root), [{ answer: huge }], { rounds: 1, maxAnswerChars: 10_000 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'size' && /10000 characters/.test(i.message)), issuesOf(run));
    assert.deepEqual(run.diskChanges, []);
  });

  it('drops a flaky test and a test the project already has, keeping the rest', async () => {
    {
      const run = await generate(root, implementSlugify(root), [{ answer: answer('flaky-and-duplicate') }]);
      const loop = run.result.loop!;
      assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
      const issues = loop.rounds[0].issues;
      assert.ok(issues.some((i) => i.check === 'flaky' && /passes only on the first run/.test(i.message) && !i.blocking), issuesOf(run));
      assert.ok(issues.some((i) => i.check === 'duplicate' && /orderTotal totals an empty order as zero/.test(i.message) && !i.blocking), issuesOf(run));
      const tests = loop.planned!.find((f) => f.isTest)!.after;
      assert.ok(!tests.includes('passes only on the first run'), `the flaky test should be gone:\n${tests}`);
      assert.ok(!tests.includes("it('totals an empty order as zero'"), `the repeated test should be gone:\n${tests}`);
      assert.ok(tests.includes("it('joins words with hyphens'"), 'the good test stays');
      assert.match(loop.message, /Dropped as flaky: "slugify passes only on the first run": its verdict changed between runs \(passed, failed, failed\)/, `the user is told which test was flaky and why: ${loop.message}`);
      assert.ok(run.progress.some((p) => /running the new tests \(3\/3\)/.test(p)), 'the new tests run three times by default');
    }
  });

  it('drops a trivial test and one that passes against the stub, keeping those that prove the change', async () => {
    const good = answer('slugify-good');
    const padded = good.replace("  it('returns an empty string without letters or digits'", "  it('is trivially true', () => {\n    assert.ok(true);\n  });\n  it('keeps the stub callable', () => {\n    assert.equal(typeof slugify, 'function');\n  });\n  it('returns an empty string without letters or digits'");
    assert.notEqual(padded, good);
    const run = await generate(root, implementSlugify(root), [{ answer: padded }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    const proof = loop.rounds[0].issues.filter((i) => i.check === 'proof');
    assert.deepEqual(proof.map((i) => [i.blocking, /"slugify (is trivially true|keeps the stub callable)"/.exec(i.message)?.[1]]).sort(), [[false, 'is trivially true'], [false, 'keeps the stub callable']], issuesOf(run));
    const tests = loop.planned!.find((f) => f.isTest)!.after;
    assert.ok(!tests.includes('trivially true') && !tests.includes('keeps the stub callable'), `the tests that prove nothing are gone:\n${tests}`);
    assert.ok(tests.includes('drops characters that are not letters or digits'), 'the tests that fail against the stub stay');
    assert.equal(loop.rounds[0].testsPassed, 3);
    assert.match(loop.message, /Dropped as proving nothing: "slugify is trivially true": it passes against the stub slugify too/);
  });

  it('fails a round whose tests all pass against the stub, naming them, and accepts the repair', async () => {
    const useless = [
      'FILE src/slugify.ts REPLACE slugify',
      '```ts',
      'export function slugify(title: string): string {',
      "  return (title.toLowerCase().match(/[a-z0-9]+/g) ?? []).join('-');",
      '}',
      '```',
      '',
      'FILE test/slugify.test.ts CREATE',
      '```ts',
      "import { strict as assert } from 'node:assert';",
      "import { orderTotal } from '../src/orders';",
      '',
      "describe('slugify', () => {",
      "  it('totals one line', () => {",
      "    assert.equal(orderTotal([{ sku: 'a', unitPrice: 2, quantity: 3 }]), 6);",
      '  });',
      '});',
      '```',
    ].join('\n');
    const run = await generate(root, implementSlugify(root), [{ answer: useless }, { answer: answer('slugify-good') }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.equal(loop.rounds.length, 2);
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'proof' && i.blocking), issuesOf(run));
    assert.match(lastUserMessage(run, 1), /\[proof\].*no new test fails without the change: "slugify totals one line" passes against the stub slugify too/);
  });

  it('reads an answer shaped the way chat models write it: reasoning, list markers, quotes, info strings, indented fences, a bold path, a repeated doc comment', async () => {
    const chatty = [
      'Let me think about the slug rules first. FILE src/wrong.ts CREATE would be wrong.',
      '</think>',
      'Here is the change:',
      '',
      '1. FILE "src/slugify.ts" REPLACE `slugify`',
      '   ```ts title="src/slugify.ts"',
      '   /**',
      '    * The URL slug of a product title.',
      '    * @implements REQ-1',
      '    */',
      '   export function slugify(title: string): string {',
      "     return (title.toLowerCase().match(/[a-z0-9]+/g) ?? []).join('-');",
      '   }',
      '   ```',
      '',
      '2. And the tests, in **test/slugify.test.ts**:',
      '',
      '**test/slugify.test.ts**',
      '```typescript {1-3}',
      "import { strict as assert } from 'node:assert';",
      "import { slugify } from '../src/slugify';",
      '',
      "describe('slugify', () => {",
      "  it('lower-cases and joins words with hyphens', () => {",
      "    assert.equal(slugify('Red  Wool Socks'), 'red-wool-socks');",
      '  });',
      "  it('drops characters that are not letters or digits', () => {",
      "    assert.equal(slugify('Socks! (2-pack)'), 'socks-2-pack');",
      '  });',
      '});',
      '```',
    ].join('\n');
    const run = await generate(root, implementSlugify(root), [{ answer: chatty }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.deepEqual(loop.planned!.map((f) => f.relative).sort(), ['src/slugify.ts', 'test/slugify.test.ts']);
    const source = loop.planned!.find((f) => f.relative === 'src/slugify.ts')!.after;
    assert.equal(source.match(/The URL slug of a product title/g)?.length, 1, `one doc comment is kept:\n${source}`);
    assert.match(source, /^export function slugify\(title: string\): string \{\n  return/m, `the indented block is dedented:\n${source}`);
    assert.equal(loop.rounds[0].testsPassed, 2);
    const criteria = loop.rounds[0].issues.filter((i) => i.check === 'criteria');
    assert.deepEqual(criteria.map((i) => [i.blocking, i.message]), [[false, 'No kept test covers acceptance criteria "3. Returns an empty string for a title without letters or digits." of REQ-1.']], 'the criterion without a test is named');
    assert.match(loop.message, /No kept test covers acceptance criteria "3\. Returns an empty string/);
  });

  it('counts a test that names its criterion as covering it', async () => {
    const marked = answer('slugify-good').replace("it('returns an empty string without letters or digits', () => {", "it('handles punctuation only', () => {\n    // criterion 3");
    const run = await generate(root, implementSlugify(root), [{ answer: marked }], { testRuns: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.deepEqual(loop.rounds[0].issues.filter((i) => i.check === 'criteria'), [], issuesOf(run));
  });

  it('restates the expected headers after a format error, and refuses an APPEND that repeats the imports', async () => {
    fs.writeFileSync(path.join(root, 'test', 'slugify.test.ts'), "import { strict as assert } from 'node:assert';\nimport { slugify } from '../src/slugify';\n\ndescribe('slugify exists', () => {\n  it('is a function', () => {\n    assert.equal(typeof slugify, 'function');\n  });\n});\n");
    const headerless = 'Here is the fix:\n```ts\nexport function slugify(title: string): string {\n  return title;\n}\n```\n';
    const repeating = answer('slugify-good').replace('FILE test/slugify.test.ts CREATE', 'FILE test/slugify.test.ts APPEND');
    const run = await generate(root, implementSlugify(root), [{ answer: headerless }, { answer: repeating }, { answer: repeating }], { rounds: 3 });
    const first = lastUserMessage(run, 1);
    assert.match(first, /The headers this task expects:\nFILE src\/slugify\.ts REPLACE slugify\nFILE test\/slugify\.test\.ts APPEND \(the file exists: APPEND only the new tests; do not repeat its imports\)/, first);
    const second = lastUserMessage(run, 2);
    assert.match(second, /test\/slugify\.test\.ts APPEND redeclares assert, slugify, which the file already declares/, second);
    assert.match(second, /The headers this task expects:/, 'a refused APPEND is a format error, so the headers are restated');
  });

  it('refactors for testability: a finding left in place is fed back, its removal is accepted', async () => {
    const request: GatherRequest = { kind: 'refactor', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock inside the function' } };
    const run = await generate(root, request, [{ answer: answer('refactor-still-hidden') }, { answer: answer('refactor-injected') }]);
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'testability' && i.blocking && /hidden-clock/.test(i.message)), issuesOf(run));
    assert.match(lastUserMessage(run, 1), /\[testability\] src\/orders\.ts:\d+: hidden-clock/);
    const source = loop.planned!.find((f) => f.relative === 'src/orders.ts')!;
    assert.match(source.after, /now: number = Date\.now\(\)/);
    assert.match(source.after, /export function orderTotal\(lines: OrderLine\[\]\): number \{\n  return lines\.reduce/, 'the rest of the file is untouched');
    assert.match(lastUserMessage(run, 0), /Refactor placedToday in src\/orders\.ts \(REPLACE it\) so that it no longer triggers "reads the clock inside the function"/);
  });

  it('lets a refactoring through when the only finding left was there before it', async () => {
    const orders = path.join(root, 'src', 'orders.ts');
    fs.writeFileSync(orders, fs.readFileSync(orders, 'utf8').replace('  const now = Date.now();\n', "  const now = Date.now();\n  const zone = process.env.SHOP_TZ ?? 'UTC';\n").replace('  return Math.floor(placedAt / 86_400_000)', "  return zone !== '' && Math.floor(placedAt / 86_400_000)"));
    const keepsEnv = answer('refactor-injected').replace(
      'export function placedToday(placedAt: number, now: number = Date.now()): boolean {\n  return Math.floor(placedAt / 86_400_000)',
      "export function placedToday(placedAt: number, now: number = Date.now()): boolean {\n  const zone = process.env.SHOP_TZ ?? 'UTC';\n  return zone !== '' && Math.floor(placedAt / 86_400_000)",
    );
    assert.match(keepsEnv, /process\.env/);
    const request: GatherRequest = { kind: 'refactor', path: orders, symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock' } };
    const run = await generate(root, request, [{ answer: keepsEnv }], { rounds: 1, testRuns: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    const inherited = loop.rounds[0].issues.filter((i) => i.check === 'testability');
    assert.ok(inherited.some((i) => !i.blocking && /^hidden-env: .*not counted: the code had this before the change/.test(i.message)), issuesOf(run));
  });

  it("refuses a refactoring that breaks the project's own tests of the module", async () => {
    fs.writeFileSync(
      path.join(root, 'test', 'placed.test.ts'),
      "import { strict as assert } from 'node:assert';\nimport { placedToday } from '../src/orders';\n\ndescribe('placedToday today', () => {\n  it('is true for an order placed a moment ago', () => {\n    assert.equal(placedToday(Date.now() - 1000), true);\n  });\n});\n",
    );
    const request: GatherRequest = { kind: 'refactor', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock' } };
    const run = await generate(root, request, [{ answer: answer('refactor-changes-behaviour') }, { answer: answer('refactor-injected') }], { rounds: 2 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
    const regression = loop.rounds[0].issues.find((i) => i.check === 'tests' && i.blocking && /project's test/.test(i.message));
    assert.ok(regression, `round 1 should fail on the existing test, got ${issuesOf(run)}`);
    assert.equal(regression.path, 'test/placed.test.ts');
    assert.match(regression.message, /"placedToday today is true for an order placed a moment ago" passed before the change and fails with it/);
    assert.ok(run.progress.some((p) => /running the project's tests of src\/orders\.ts before the change/.test(p)));
    assert.equal(run.progress.filter((p) => /before the change/.test(p)).length, 1, 'the baseline runs once per generation, not per round');
  });

  it('catches a refactoring that breaks a test already in the test file it appends to', async () => {
    const placed = path.join(root, 'test', 'placed.test.ts');
    fs.writeFileSync(placed, "import { strict as assert } from 'node:assert';\nimport { placedToday } from '../src/orders';\n\ndescribe('placedToday today', () => {\n  it('is true for an order placed a moment ago', () => {\n    assert.equal(placedToday(Date.now() - 1000), true);\n  });\n});\n");
    const appending = [
      'FILE src/orders.ts REPLACE placedToday',
      '```ts',
      'export function placedToday(placedAt: number, now: number = Date.now()): boolean {',
      '  return placedAt > now;',
      '}',
      '```',
      '',
      'FILE test/placed.test.ts APPEND',
      '```ts',
      "describe('placedToday with a given time', () => {",
      "  it('is true for a later order', () => {",
      '    assert.equal(placedToday(2, 1), true);',
      '  });',
      '});',
      '```',
    ].join('\n');
    const request: GatherRequest = { kind: 'refactor', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock' } };
    const run = await generate(root, request, [{ answer: appending }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed', `the broken existing test must fail the round: ${loop.message} ${issuesOf(run)}`);
    const regression = loop.rounds[0].issues.find((i) => i.check === 'tests' && i.blocking && /project's test/.test(i.message));
    assert.ok(regression, `the existing test of the appended file should be reported, got ${issuesOf(run)}`);
    assert.equal(regression.path, 'test/placed.test.ts');
    assert.match(regression.message, /"placedToday today is true for an order placed a moment ago" passed before the change and fails with it/);
    assert.equal(fs.readFileSync(placed, 'utf8').includes('given time'), false, 'nothing is written to the workspace');
  });

  it('reports a caller that a refactoring breaks', async () => {
    fs.writeFileSync(path.join(root, 'src', 'report.ts'), "import { placedToday } from './orders';\n\nexport const todayOnly = (times: number[]) => times.filter((t) => placedToday(t));\n");
    const request: GatherRequest = { kind: 'refactor', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock' } };
    const run = await generate(root, request, [{ answer: answer('refactor-breaks-caller') }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'types' && i.path === 'src/report.ts' && /TS2554 in a caller of placedToday/.test(i.message)), issuesOf(run));
  });

  it('refuses implementation changes when only tests were asked for', async () => {
    const request: GatherRequest = { kind: 'tests', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday' };
    const run = await generate(root, request, [{ answer: answer('tests-that-change-code') }], { rounds: 1 });
    const loop = run.result.loop!;
    assert.equal(loop.status, 'failed');
    assert.ok(loop.rounds[0].issues.some((i) => i.check === 'overwrite' && /only adds tests/.test(i.message)), issuesOf(run));
  });
});

describe('generation in other kinds of project', function () {
  this.timeout(60_000);

  it('works in an ES-module JavaScript project tested with node:test', async () => {
    const root = fixtureWorkspace('esm-js');
    try {
      const request: GatherRequest = { kind: 'stub', path: path.join(root, 'src', 'sum.js'), symbol: 'sum', requirementId: 'SUM-1' };
      const run = await generate(root, request, [{ answer: answer('esm-sum') }]);
      const loop = run.result.loop!;
      assert.equal(loop.status, 'passed', `${loop.message} ${issuesOf(run)}`);
      assert.equal(loop.rounds[0].testsPassed, 2);
      assert.equal(run.result.task!.framework, 'node:test');
      assert.equal(run.result.task!.moduleKind, 'esm');
      assert.match(lastUserMessage(run, 0), /import \{ sum \} from '\.\.\/src\/sum\.js';/, 'the import hint follows ES-module rules');
      assert.deepEqual(run.diskChanges, []);
    } finally {
      removeWorkspace(root);
    }
  });

  it('writes node:test skeletons and an ES-module stub without a model', async () => {
    const root = fixtureWorkspace('esm-js');
    try {
      const result = await runGeneration({
        ts,
        view: diskView(root),
        request: { kind: 'requirement', requirementId: 'SUM-2' },
        settings: { ...generationSettingsDefaults },
        testabilitySettings: undefined,
        overlay: () => undefined,
        secretEnvNames: [],
        env: {},
        progress: () => undefined,
        log: () => undefined,
        signal: new AbortController().signal,
      });
      const loop = result.loop!;
      assert.equal(loop.status, 'passed', `${loop.message} ${JSON.stringify(loop.rounds)}`);
      const test = loop.planned!.find((f) => f.isTest)!;
      const stub = loop.planned!.find((f) => !f.isTest)!;
      assert.equal(test.relative, 'test/running-totals.test.js');
      assert.match(test.after, /^import \{ describe, it \} from 'node:test';/);
      assert.match(test.after, /it\('The running totals of no values are empty\.', \{ todo: true \}, \(\) => \{/);
      assert.match(test.after, /^import \{ runningTotals \} from '\.\.\/src\/running-totals\.js';$/m, 'the skeleton imports the stub it tests');
      assert.equal(stub.relative, 'src/running-totals.js');
      assert.match(stub.after, /@implements SUM-2[\s\S]*export function runningTotals\(\) \{\s*throw new Error\('not implemented: SUM-2'\)/);
    } finally {
      removeWorkspace(root);
    }
  });
});

describe('generation without a model', function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => {
    root = shopWorkspace();
  });
  afterEach(() => removeWorkspace(root));

  async function offline(request: GatherRequest): Promise<EngineResult> {
    return runGeneration({
      ts,
      view: diskView(root),
      request,
      settings: { ...generationSettingsDefaults },
      testabilitySettings: undefined,
      overlay: () => undefined,
      secretEnvNames: [],
      env: {},
      progress: () => undefined,
      log: () => undefined,
      signal: new AbortController().signal,
    });
  }

  it('writes one pending, tagged test per acceptance criterion and a tagged stub', async () => {
    const result = await offline({ kind: 'requirement', requirementId: 'REQ-2' });
    const loop = result.loop!;
    assert.equal(result.provider, 'offline');
    assert.equal(loop.status, 'passed', `${loop.message} ${JSON.stringify(loop.rounds)}`);
    const test = loop.planned!.find((f) => f.isTest)!;
    const stub = loop.planned!.find((f) => !f.isTest)!;
    assert.equal(test.relative, 'test/order-totals.test.ts');
    assert.match(test.after, /@verifies REQ-2/);
    assert.match(test.after, /it\.skip\('An empty order totals zero\.', \(\) => \{/);
    assert.match(test.after, /it\.skip\('A line counts its price once per unit\.', \(\) => \{/);
    assert.match(test.after, /^import \{ orderTotals \} from '\.\.\/src\/order-totals';$/m, 'the skeleton imports the stub it tests');
    assert.match(test.after, /assert\.equal\(typeof orderTotals, 'function'\);/, 'and asserts');
    assert.equal(stub.relative, 'src/order-totals.ts');
    assert.match(stub.after, /@implements REQ-2[\s\S]*export function orderTotals\(\): never \{\s*throw new Error\('not implemented: REQ-2'\)/);
  });

  it('says that refactoring needs a model', async () => {
    const result = await offline({ kind: 'refactor', path: path.join(root, 'src', 'orders.ts'), symbol: 'placedToday', finding: { code: 'hidden-clock', message: 'reads the clock' } });
    assert.equal(result.loop!.status, 'error');
    assert.match(result.loop!.message, /Refactoring needs a model: set generation\.model/);
  });
});
