/**
 * The environment policy every child process gets (testing/env.ts), its launcher, and the
 * redaction of what goes to the model.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { holdsKeyLikeString, Redactor } from '../../server/src/generation/redact';
import { scrubbedEnv, scrubbedValues, throughLauncher } from '../../server/src/testing/env';

describe('generation: one environment policy, its launcher, and redaction', () => {
  it('drops named secrets, anything named like one and Node internals; untrusted code also loses NODE_OPTIONS', () => {
    const base = { PATH: '/bin', HOME: '/home/x', MY_MODEL_KEY: 'a', GITHUB_TOKEN: 'b', DB_PASSWORD: 'c', AWS_ACCESS_KEY_ID: 'd', GITLAB_PAT: 'e', NODE_OPTIONS: '--require x', NODE_CHANNEL_FD: '3', MOCHA_COLORS: '1' };
    assert.deepEqual(Object.keys(scrubbedEnv(base, ['my_model_key'])).sort(), ['FORCE_COLOR', 'HOME', 'MOCHA_COLORS', 'NODE_OPTIONS', 'NO_COLOR', 'PATH']);
    assert.deepEqual(Object.keys(scrubbedEnv(base, ['MY_MODEL_KEY'], { untrusted: true })).sort(), ['CI', 'FORCE_COLOR', 'HOME', 'NO_COLOR', 'PATH']);
    assert.deepEqual(scrubbedValues({ ...base, SHOP_SECRET: 'long-enough-value' }, []), ['long-enough-value']);
  });

  it('starts a command through the launcher with the given environment, and exits as it did', () => {
    const launched = throughLauncher(process.execPath, ['-e', "require('fs').writeSync(3, String(process.env.VISIBLE) + ':' + String(process.env.HIDDEN_TOKEN)); process.exit(7)"]);
    const result = spawnSync(launched.command, launched.args, { env: scrubbedEnv({ ...process.env, VISIBLE: 'yes', HIDDEN_TOKEN: 'no' }, []), stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 20_000 });
    assert.equal(result.status, 7, String(result.stderr));
    assert.equal(String(result.output[3]), 'yes:undefined', 'file descriptor 3 (the result channel) reaches the command');
    const killed = spawnSync(...(Object.values(throughLauncher(process.execPath, ['-e', "process.kill(process.pid, 'SIGTERM')"])) as [string, string[]]), { timeout: 20_000 });
    assert.equal(killed.signal, 'SIGTERM', 'a command killed by a signal makes the launcher die of it too');
  });

  it('recognises modules that hold a key-like string, and only those', () => {
    for (const text of [
      "const stripe = require('stripe')('sk_live_4eC39HqLyjWDarjtT1zdp7dc');",
      "export const accessKeyId = 'AKIAIOSFODNN7EXAMPLE';",
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      "const config = { apiToken: 'q8Zr2LmX9vT4kP7wN3cY6bH1' };",
      'PASSWORD = "Xk29!fLq03#zVb71Wm"',
    ]) assert.ok(holdsKeyLikeString(text), text);
    for (const text of [
      "const token = tokenize(input);",
      "export const passwordHint = 'choose a long phrase you remember';",
      "const secretKeyName = 'SHOP_SECRET';",
      "const key = 'aaaaaaaaaaaaaaaaaaaaaaaa';",
      "import { apiKeyEnv } from './settings';",
    ]) assert.ok(!holdsKeyLikeString(text), text);
  });

  it('redacts scrubbed values, the values of secret files and key shapes, and leaves the rest alone', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-redact-'));
    try {
      fs.writeFileSync(path.join(folder, '.env'), '# local\nNODE_ENV=production\nDB_URL="postgres://shop:pw-771@db/shop"\nexport SESSION=abc123def\n');
      fs.mkdirSync(path.join(folder, 'config'));
      fs.writeFileSync(path.join(folder, 'config', 'credentials.json'), '{"client_secret": "cs-991-abc"}\n');
      const redactor = Redactor.forWorkspace(folder, { OPENAI_API_KEY: 'sk-abcdefghijklmnop1234', HOME: '/home/me' }, ['OPENAI_API_KEY']);
      const text = 'env: sk-abcdefghijklmnop1234 url postgres://shop:pw-771@db/shop session abc123def client cs-991-abc in production, home /home/me, stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc';
      assert.equal(redactor.redact(text), 'env: [redacted] url [redacted] session [redacted] client [redacted] in production, home /home/me, stripe [redacted]');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
