/**
 * Generated tests in jest and vitest projects, run through the workspace's test runner: the fixture
 * projects of the test-run area (test/fixtures/testing/{jest,vitest}, with their frameworks
 * installed by test/fixtures/testing/install.js) copied to a temp folder, their node_modules linked.
 * Without the install the tests skip and say so, except under CI, where they must run.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { runGeneration } from '../../server/src/generation/engine';
import type { GatherRequest } from '../../server/src/generation/gather';
import type { ModelAnswer } from '../../server/src/generation/model';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { diffSnapshots, diskView, removeWorkspace, repoRoot, snapshot } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;
const fence = '```';

/** A provider that answers with the given text, so these tests exercise the runner, not HTTP. */
function answering(text: string) {
  return {
    name: 'openai' as const,
    model: 'fixed',
    complete: async (): Promise<ModelAnswer> => ({ text, tokensIn: 1, tokensOut: 1, ms: 0, requests: 1 }),
  };
}

function copyProject(name: string): string | undefined {
  const source = path.join(repoRoot, 'test', 'fixtures', 'testing', name);
  if (!fs.existsSync(path.join(source, 'node_modules', name))) return undefined;
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tandem-gen-${name}-`)));
  fs.cpSync(source, root, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
  fs.symlinkSync(path.join(source, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  return root;
}

const cases: { framework: 'jest' | 'vitest'; request: (root: string) => GatherRequest; answer: string; passed: number; duplicate?: string }[] = [
  {
    framework: 'vitest',
    request: (root) => ({ kind: 'tests', path: path.join(root, 'src', 'calc.js'), symbol: 'add', requirementId: 'REQ-1' }),
    answer: [
      'FILE test/add.test.js CREATE',
      `${fence}js`,
      "import { describe, expect, it } from 'vitest';",
      "import { add } from '../src/calc.js';",
      '',
      "describe('add', () => {",
      "  it('adds two numbers', () => {",
      '    expect(add(2, 3)).toBe(5);',
      '  });',
      "  it('adds negative numbers', () => {",
      '    expect(add(-2, -3)).toBe(-5);',
      '  });',
      '});',
      fence,
    ].join('\n'),
    // The first test repeats the body of the fixture's own "adds two numbers REQ-1" and is dropped.
    passed: 1,
    duplicate: 'add adds two numbers',
  },
  {
    framework: 'jest',
    request: () => ({ kind: 'requirement', requirementId: 'REQ-2' }),
    answer: [
      'FILE src/divide-exactly.js CREATE',
      `${fence}js`,
      'exports.divideExactly = (a, b) => a / b;',
      fence,
      '',
      'FILE test/divide-exactly.test.js CREATE',
      `${fence}js`,
      "const { divideExactly } = require('../src/divide-exactly');",
      '',
      "describe('divideExactly', () => {",
      "  it('divides evenly divisible numbers exactly', () => {",
      '    expect(divideExactly(6, 3)).toBe(2);',
      '  });',
      '});',
      fence,
    ].join('\n'),
    passed: 1,
  },
];

describe('generation with jest and vitest', function () {
  this.timeout(90_000);
  for (const c of cases) {
    it(`runs generated ${c.framework} tests with the project's framework`, async function () {
      const root = copyProject(c.framework);
      if (!root) {
        if (process.env.CI === 'true') assert.fail(`${c.framework} is not installed in test/fixtures/testing/${c.framework}: run node test/fixtures/testing/install.js`);
        this.skip();
      }
      try {
        const before = snapshot(root);
        const result = await runGeneration({
          ts,
          view: diskView(root),
          request: c.request(root),
          settings: { ...generationSettingsDefaults, model: 'fixed', rounds: 1 },
          testabilitySettings: undefined,
          overlay: () => undefined,
          secretEnvNames: [],
          progress: () => undefined,
          log: () => undefined,
          signal: new AbortController().signal,
          provider: answering(c.answer),
        });
        const loop = result.loop!;
        assert.equal(result.task!.framework, c.framework);
        assert.equal(loop.status, 'passed', `${loop.message} ${JSON.stringify(loop.rounds.map((r) => r.issues))}`);
        assert.equal(loop.rounds[0].testsPassed, c.passed, JSON.stringify(loop.rounds[0].issues));
        const dropped = loop.rounds[0].issues.filter((i) => i.check === 'duplicate').map((i) => i.message);
        assert.deepEqual(dropped, c.duplicate ? [`dropped "${c.duplicate}": the project already has this test`] : []);
        assert.deepEqual(diffSnapshots(before, snapshot(root)), []);
      } finally {
        removeWorkspace(root);
      }
    });
  }
});
