/**
 * What a generated test can dig up, and what of it reaches the model: the real server runs over
 * stdio with a model key and other secrets in its environment and a `.env` in the workspace; the
 * scripted model's first answer holds a test that walks up its ancestors' `/proc/<pid>/environ`,
 * reads `.env` through `/proc/<pid>/cwd`, and fails with everything it read. No later request body
 * may hold any secret value, with the sandbox on (the reads are refused) and off (the reads work,
 * and redaction must catch them). With the sandbox off, the test also proves that its own parent
 * (the launcher) holds only the scrubbed environment.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fullCapabilities, startServer, uriOf, type LspClient } from '../support/lsp';
import { ScriptedModel } from './support/scriptedModel';
import { answer, removeWorkspace, secretMarker, shopWorkspace } from './support/workspace';

const apiKey = 'sk-dig-test-key-0b7f3c9e51';
const otherSecret = 'db-secret-value-77f1a2';
const githubToken = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

const fence = '```';
const diggingAnswer = [
  'FILE test/slugify.test.ts CREATE',
  `${fence}ts`,
  "import * as fs from 'node:fs';",
  "import { slugify } from '../src/slugify';",
  '',
  "describe('slugify', () => {",
  "  it('digs for secrets', () => {",
  '    const found: string[] = [String(slugify.length)];',
  "    let parent = '';",
  '    try {',
  "      parent = fs.readFileSync(`/proc/${process.ppid}/environ`, 'utf8');",
  "      found.push(`PARENT-HOLDS-KEY:${parent.includes('TANDEM_DIG_KEY=') ? 'yes' : 'no'}`);",
  '    } catch (error) {',
  '      found.push(`parent unreadable: ${String(error)}`);',
  '    }',
  '    let pid = process.ppid;',
  '    for (let level = 0; level < 8 && pid > 1; level++) {',
  '      for (const file of [`/proc/${pid}/environ`, `/proc/${pid}/cwd/.env`]) {',
  '        try {',
  "          const entries = fs.readFileSync(file, 'utf8').split(/\\u0000|\\n/);",
  "          found.push(`${file}: ${entries.filter((e) => /KEY|SECRET|TOKEN|PASSWORD/.test(e.split('=')[0])).join(' ')}`);",
  '        } catch (error) {',
  '          found.push(`${file}: ${String(error)}`);',
  '        }',
  '      }',
  '      try {',
  "        pid = Number(/PPid:\\s+(\\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);",
  '      } catch {',
  '        break;',
  '      }',
  '    }',
  "    throw new Error(found.join('\\n'));",
  '  });',
  '});',
  fence,
].join('\n');

describe('generation: no secret reaches the model', function () {
  this.timeout(90_000);
  let root: string;
  let model: ScriptedModel;
  let client: LspClient | undefined;

  beforeEach(async () => {
    root = shopWorkspace();
    fs.writeFileSync(path.join(root, '.env'), `SHOP_DATABASE_PASSWORD=${secretMarker}\nSTRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n`);
  });
  afterEach(async () => {
    await client?.shutdown();
    client = undefined;
    await model?.stop();
    removeWorkspace(root);
  });

  for (const sandbox of [true, false]) {
    it(`keeps every secret out of later requests (sandbox ${sandbox ? 'on' : 'off'})`, async function () {
      if (process.platform !== 'linux') this.skip();
      model = await new ScriptedModel([{ answer: diggingAnswer }, { answer: answer('slugify-good') }]).start();
      client = await startServer(root, {
        capabilities: fullCapabilities(),
        initializationOptions: { generation: { model: 'scripted-model', baseURL: model.baseURL, apiKeyEnv: 'TANDEM_DIG_KEY', maxRetryDelayMs: 50, sandbox, testRuns: 1 } },
        env: { TANDEM_DIG_KEY: apiKey, SHOP_DB_SECRET: otherSecret, GITHUB_TOKEN: githubToken },
      });
      const slugify = path.join(root, 'src', 'slugify.ts');
      await client.request('workspace/executeCommand', { command: 'tandem.generate', arguments: [{ kind: 'stub', uri: uriOf(slugify), symbol: 'slugify', requirementId: 'REQ-1' }] }, 60_000);
      await client.waitFor((m) => m.method === 'workspace/applyEdit', 'the edit of the repaired answer', 60_000, true);
      assert.ok(model.requests.length >= 2, `the digging answer should have been repaired, got ${model.requests.length} request(s)`);
      assert.equal(model.requests[0].authorization, `Bearer ${apiKey}`, 'the key goes only where it belongs: the Authorization header');
      const feedback = model.requests[1].body.messages.at(-1)!.content;
      assert.match(feedback, /digs for secrets/, `the failing test is fed back:\n${feedback}`);
      for (const [i, request] of model.requests.entries()) {
        const body = JSON.stringify(request.body);
        for (const secret of [apiKey, otherSecret, githubToken, secretMarker, 'sk_live_4eC39HqLyjWDarjtT1zdp7dc']) {
          assert.ok(!body.includes(secret), `request ${i + 1} holds the secret ${secret}:\n${feedback.slice(0, 3000)}`);
        }
      }
      if (sandbox) {
        assert.match(feedback, /ERR_ACCESS_DENIED|Access to this API has been restricted/, `the sandbox refuses the reads:\n${feedback.slice(0, 2000)}`);
      } else {
        assert.match(feedback, /PARENT-HOLDS-KEY:no/, `the test's parent (the launcher) holds only the scrubbed environment:\n${feedback.slice(0, 2000)}`);
        assert.match(feedback, /\[redacted\]/, `without the sandbox the test reads the server's secrets, and they are redacted:\n${feedback.slice(0, 2000)}`);
      }
    });
  }
});
