/**
 * The type check blocks only on errors the change brings: in a workspace without node_modules (a
 * fresh clone before `npm install`) the missing types of Node and the test framework are the
 * environment's, not the model's, and an error the unchanged project has too is not counted. Both
 * are kept in the record as notes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { runGeneration } from '../../server/src/generation/engine';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { ScriptedModel } from './support/scriptedModel';
import { answer, diskView, fixtures, removeWorkspace, shopWorkspace } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;

/** Whether a folder or one above it holds node_modules (TypeScript looks types up there too). */
function underNodeModules(dir: string): boolean {
  for (let at = path.resolve(dir), i = 0; i < 100; at = path.dirname(at), i++) {
    if (fs.existsSync(path.join(at, 'node_modules'))) return true;
    if (path.dirname(at) === at) return false;
  }
  return false;
}

/** A copy of the shop fixture with no node_modules in it or above it, like a fresh clone. */
function freshClone(): string {
  const base = [os.tmpdir(), '/var/tmp', os.homedir()].find((dir) => fs.existsSync(dir) && !underNodeModules(dir));
  if (!base) throw new Error('every temporary folder has a node_modules above it; a fresh clone cannot be simulated here');
  const root = fs.realpathSync(fs.mkdtempSync(path.join(base, 'tandem-gen-clone-')));
  fs.cpSync(path.join(fixtures, 'shop'), root, { recursive: true });
  return root;
}

const common = {
  ts,
  testabilitySettings: undefined,
  overlay: () => undefined,
  secretEnvNames: [],
  progress: () => undefined,
  log: () => undefined,
};

describe('generation: the type check blames only the change', function () {
  this.timeout(90_000);

  for (const framework of ['mocha', 'node:test'] as const) {
    it(`accepts the offline ${framework} scaffold in a TypeScript workspace without node_modules, noting the missing types`, async () => {
      const root = freshClone();
      try {
        if (framework === 'node:test') {
          fs.writeFileSync(path.join(root, 'package.json'), '{ "name": "shop", "private": true, "scripts": { "test": "node --test" } }\n');
          const orders = path.join(root, 'test', 'orders.test.ts');
          fs.writeFileSync(orders, `import { describe, it } from 'node:test';\n${fs.readFileSync(orders, 'utf8')}`);
        }
        const result = await runGeneration({ ...common, view: diskView(root), request: { kind: 'requirement', requirementId: 'REQ-3' }, settings: { ...generationSettingsDefaults }, signal: new AbortController().signal });
        const loop = result.loop!;
        assert.equal(result.task!.framework, framework);
        assert.equal(loop.status, 'passed', `${loop.message} ${JSON.stringify(loop.rounds.map((r) => r.issues))}`);
        const notes = loop.rounds[0].issues.filter((i) => i.check === 'types');
        assert.ok(notes.length > 0 && notes.every((i) => !i.blocking && /not counted: the (environment lacks this|unchanged project has this error too)/.test(i.message)), JSON.stringify(notes));
        assert.ok(notes.some((i) => /TS258[0-2]|TS259[1-3]|TS2307/.test(i.message)), JSON.stringify(notes));
      } finally {
        removeWorkspace(root);
      }
    });
  }

  it('does not count an error the unchanged project has too, but still counts the change\'s own', async () => {
    const root = shopWorkspace();
    const model = await new ScriptedModel([]).start();
    try {
      // The project's own test reads a global nobody declared: an error of the unchanged project.
      const orders = path.join(root, 'test', 'orders.test.ts');
      fs.writeFileSync(orders, fs.readFileSync(orders, 'utf8').replace("describe('orderTotal', () => {", "const currency = globalThis.shopCurrency ?? 'EUR';\n\ndescribe('orderTotal', () => {\n  it('uses a currency', () => assert.ok(currency));"));
      const good = answer('slugify-good');
      const repeating = good.replace("describe('slugify', () => {", "const currency = globalThis.shopCurrency ?? 'EUR';\n\ndescribe('slugify', () => {\n  it('knows the currency', () => assert.equal(slugify(currency), 'eur'));");
      const ownError = good.replace("describe('slugify', () => {", "const count: number = 'three';\n\ndescribe('slugify', () => {\n  it('counts', () => assert.ok(count));");
      (model as unknown as { script: { answer: string }[] }).script.push({ answer: ownError }, { answer: repeating });
      const result = await runGeneration({
        ...common,
        view: diskView(root),
        request: { kind: 'stub', path: path.join(root, 'src', 'slugify.ts'), symbol: 'slugify', requirementId: 'REQ-1' },
        settings: { ...generationSettingsDefaults, model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', testRuns: 1 },
        env: { TANDEM_TEST_KEY: 'sk-baseline' },
        signal: new AbortController().signal,
      });
      const loop = result.loop!;
      assert.equal(loop.status, 'passed', `${loop.message} ${JSON.stringify(loop.rounds.map((r) => r.issues))}`);
      assert.equal(loop.rounds.length, 2);
      assert.ok(loop.rounds[0].issues.some((i) => i.check === 'types' && i.blocking && /TS2322/.test(i.message)), 'the change\'s own type error blocks');
      const inherited = loop.rounds[1].issues.filter((i) => i.check === 'types');
      assert.ok(inherited.length > 0 && inherited.every((i) => !i.blocking && /shopCurrency[\s\S]*not counted: the unchanged project has this error too/.test(i.message)), JSON.stringify(inherited));
    } finally {
      await model.stop();
      removeWorkspace(root);
    }
  });
});
