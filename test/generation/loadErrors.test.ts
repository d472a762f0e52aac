/**
 * A test file that fails to load is fed back with the loader's own message and the workspace path
 * and line, never a scratch path or just "test failed": node:test (a wrong import path, a jest API
 * in a node:test project, a redeclared name) and mocha (an error while the file loads), each
 * through the scripted OpenAI-compatible endpoint, the second answer repairing the first.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { runGeneration } from '../../server/src/generation/engine';
import type { GatherRequest } from '../../server/src/generation/gather';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { ScriptedModel } from './support/scriptedModel';
import { answer, diskView, fixtureWorkspace, removeWorkspace, repoRoot, shopWorkspace } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;

/** A copy of the test-run area's jest or vitest fixture with its installed framework linked, or undefined when it is not installed. */
function frameworkProject(name: 'jest' | 'vitest'): string | undefined {
  const source = path.join(repoRoot, 'test', 'fixtures', 'testing', name);
  if (!fs.existsSync(path.join(source, 'node_modules', name))) return undefined;
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tandem-load-${name}-`)));
  fs.cpSync(source, root, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
  fs.symlinkSync(path.join(source, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  return root;
}
const fence = '```';

async function feedbackFor(root: string, request: GatherRequest, first: string, second: string): Promise<{ feedback: string; status: string }> {
  const model = await new ScriptedModel([{ answer: first }, { answer: second }]).start();
  try {
    const result = await runGeneration({
      ts,
      view: diskView(root),
      request,
      settings: { ...generationSettingsDefaults, model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', testRuns: 1, testTimeoutMs: 20_000 },
      testabilitySettings: undefined,
      overlay: () => undefined,
      secretEnvNames: [],
      env: { TANDEM_TEST_KEY: 'sk-load-errors' },
      progress: () => undefined,
      log: () => undefined,
      signal: new AbortController().signal,
    });
    assert.ok(model.requests.length >= 2, `the load error should be fed back: ${result.error ?? ""} ${result.loop?.message} ${JSON.stringify(result.loop?.rounds.map((r) => r.issues))}`);
    const messages = model.requests[1].body.messages;
    return { feedback: messages[messages.length - 1].content, status: result.loop!.status };
  } finally {
    await model.stop();
  }
}

const sumImplementation = ['FILE src/sum.js REPLACE sum', `${fence}js`, 'export function sum(values) {', '  return values.reduce((total, value) => total + value, 0);', '}', fence, ''];

const nodeTestCases: { name: string; test: string[]; message: RegExp }[] = [
  {
    name: 'a wrong import path',
    test: ["import { it } from 'node:test';", "import assert from 'node:assert/strict';", "import { sum } from '../src/summ.js';", '', "it('adds', () => assert.equal(sum([1, 2]), 3));"],
    message: /test\/sum\.test\.js did not load:[\s\S]*(ERR_MODULE_NOT_FOUND|Cannot find module)[\s\S]*src\/summ\.js[\s\S]*test\/sum\.test\.js/,
  },
  {
    name: 'a jest API in a node:test project',
    test: ["import { sum } from '../src/sum.js';", '', "describe('sum', () => {", "  test('adds', () => expect(sum([1, 2])).toBe(3));", '});'],
    message: /test\/sum\.test\.js did not load:[\s\S]*ReferenceError: describe is not defined[\s\S]*test\/sum\.test\.js:4/, // line 3 of the answer, after the @verifies tag added on top
  },
  {
    name: 'a redeclared name',
    test: ["import { it } from 'node:test';", "import assert from 'node:assert/strict';", "import { sum } from '../src/sum.js';", 'const sum = 1;', '', "it('adds', () => assert.equal(sum, 1));"],
    message: /test\/sum\.test\.js did not load:[\s\S]*SyntaxError: Identifier 'sum' has already been declared/,
  },
];

describe('generation: load errors fed back in the loader\'s words, with workspace paths', function () {
  this.timeout(90_000);

  for (const c of nodeTestCases) {
    it(`node:test: ${c.name}`, async () => {
      const root = fixtureWorkspace('esm-js');
      try {
        const broken = [...sumImplementation, 'FILE test/sum.test.js CREATE', `${fence}js`, ...c.test, fence].join('\n');
        const { feedback, status } = await feedbackFor(root, { kind: 'stub', path: path.join(root, 'src', 'sum.js'), symbol: 'sum', requirementId: 'SUM-1' }, broken, answer('esm-sum'));
        assert.match(feedback, c.message, feedback);
        assert.ok(!feedback.includes('tandem-generation-'), `no scratch path reaches the model:\n${feedback}`);
        assert.ok(!feedback.includes(root), `workspace paths are relative:\n${feedback}`);
        assert.equal(status, 'passed');
      } finally {
        removeWorkspace(root);
      }
    });
  }

  for (const framework of ['jest', 'vitest'] as const) {
    it(`${framework}: a wrong import path`, async function () {
      const root = frameworkProject(framework);
      if (!root) {
        if (process.env.CI === 'true') assert.fail(`${framework} is not installed in test/fixtures/testing/${framework}: run node test/fixtures/testing/install.js`);
        this.skip();
      }
      try {
        const source = framework === 'vitest' ? 'export const divideExactly = (a, b) => a / b;' : 'exports.divideExactly = (a, b) => a / b;';
        const importOf = (file: string) => (framework === 'vitest' ? ["import { describe, expect, it } from 'vitest';", `import { divideExactly } from '../src/${file}.js';`] : [`const { divideExactly } = require('../src/${file}');`]);
        const body = ["describe('divideExactly', () => {", "  it('divides evenly divisible numbers exactly', () => {", '    expect(divideExactly(6, 3)).toBe(2);', '  });', '});'];
        const answerWith = (file: string) => ['FILE src/divide-exactly.js CREATE', `${fence}js`, source, fence, '', 'FILE test/divide-exactly.test.js CREATE', `${fence}js`, ...importOf(file), '', ...body, fence].join('\n');
        const { feedback, status } = await feedbackFor(root, { kind: 'requirement', requirementId: 'REQ-2' }, answerWith('divide-exactlyy'), answerWith('divide-exactly'));
        assert.match(feedback, /Cannot find module|Failed to (load|resolve)|does the file exist/i, feedback);
        assert.match(feedback, /divide-exactlyy/, feedback);
        assert.ok(!feedback.includes('tandem-generation-'), `no scratch path reaches the model:\n${feedback}`);
        assert.equal(status, 'passed');
      } finally {
        removeWorkspace(root);
      }
    });
  }

  it('mocha: an error while the test file loads, at its TypeScript line', async () => {
    const root = shopWorkspace();
    try {
      const good = answer('slugify-good');
      const broken = good.replace("describe('slugify', () => {", "describe('slugify', () => {\n  const cases = JSON.parse('{');");
      assert.notEqual(broken, good);
      const { feedback, status } = await feedbackFor(root, { kind: 'stub', path: path.join(root, 'src', 'slugify.ts'), symbol: 'slugify', requirementId: 'REQ-1' }, broken, good);
      assert.match(feedback, /did not load[\s\S]*SyntaxError[\s\S]*JSON[\s\S]*test\/slugify\.test\.ts:6/, feedback);
      assert.ok(!feedback.includes('tandem-generation-'), `no scratch path reaches the model:\n${feedback}`);
      assert.ok(!feedback.includes(root), `workspace paths are relative:\n${feedback}`);
      assert.equal(status, 'passed');
    } finally {
      removeWorkspace(root);
    }
  });
});
