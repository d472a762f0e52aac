/**
 * What the first request to the model says about the project's conventions: the framework line in
 * the project's module syntax (CommonJS `require` in a CommonJS JavaScript project, `import` in an
 * ES-module one) and fences in the project's language.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeScriptModule } from '../../server/src/generation/declarations';
import { runGeneration } from '../../server/src/generation/engine';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { ScriptedModel } from './support/scriptedModel';
import { diskView, fixtureWorkspace, removeWorkspace, shopWorkspace } from './support/workspace';

const ts = require('typescript') as TypeScriptModule;

async function firstPrompt(root: string, request: Parameters<typeof runGeneration>[0]['request']): Promise<{ system: string; user: string }> {
  const model = await new ScriptedModel([{ answer: 'no blocks' }]).start();
  try {
    await runGeneration({
      ts,
      view: diskView(root),
      request,
      settings: { ...generationSettingsDefaults, model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_TEST_KEY', rounds: 1 },
      testabilitySettings: undefined,
      overlay: () => undefined,
      secretEnvNames: [],
      env: { TANDEM_TEST_KEY: 'sk-prompt' },
      progress: () => undefined,
      log: () => undefined,
      signal: new AbortController().signal,
    });
    const [system, user] = model.requests[0].body.messages;
    return { system: system.content, user: user.content };
  } finally {
    await model.stop();
  }
}

describe('generation: the prompt speaks the project\'s dialect', function () {
  this.timeout(60_000);

  it('shows node:test with require and js fences in a CommonJS JavaScript project', async () => {
    const root = fixtureWorkspace('esm-js');
    try {
      const manifest = path.join(root, 'package.json');
      fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"type": "module",', ''));
      fs.writeFileSync(path.join(root, 'src', 'sum.js'), fs.readFileSync(path.join(root, 'src', 'sum.js'), 'utf8').replace(/export function/g, 'function') + '\nmodule.exports = { sum };\n');
      const { system, user } = await firstPrompt(root, { kind: 'stub', path: path.join(root, 'src', 'sum.js'), symbol: 'sum', requirementId: 'SUM-1' });
      assert.match(user, /Tests use node:test \(`const \{ describe, it \} = require\('node:test'\);`; assertions: `const assert = require\('node:assert\/strict'\);`\)/, user);
      assert.match(user, /JavaScript with CommonJS modules/);
      assert.match(system, /for a JavaScript project[\s\S]*```js\n<code>/, system);
      assert.doesNotMatch(system, /```ts/);
    } finally {
      removeWorkspace(root);
    }
  });

  it('shows node:test with import in an ES-module project, and TypeScript fences in a TypeScript one', async () => {
    const esm = fixtureWorkspace('esm-js');
    const shop = shopWorkspace();
    try {
      const { user } = await firstPrompt(esm, { kind: 'stub', path: path.join(esm, 'src', 'sum.js'), symbol: 'sum', requirementId: 'SUM-1' });
      assert.match(user, /`import \{ describe, it \} from 'node:test';`; assertions: `import assert from 'node:assert\/strict';`/, user);
      const typescript = await firstPrompt(shop, { kind: 'stub', path: path.join(shop, 'src', 'slugify.ts'), symbol: 'slugify', requirementId: 'REQ-1' });
      assert.match(typescript.system, /for a TypeScript project[\s\S]*```ts\n<code>/);
      assert.match(typescript.user, /Tests use mocha \(`describe`\/`it` are globals; assertions: `import assert from 'node:assert\/strict';`\)/, typescript.user);
    } finally {
      removeWorkspace(esm);
      removeWorkspace(shop);
    }
  });
});
