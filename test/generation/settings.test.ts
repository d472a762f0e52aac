/**
 * The generation settings' own checks, beyond the types the loader checks against the defaults.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generationSettingsDefaults, validateGenerationSettings, type GenerationSettings } from '../../server/src/generation/settings';
import { repoRoot } from './support/workspace';

const cases: [string, Partial<GenerationSettings>, RegExp | undefined][] = [
  ['the defaults', {}, undefined],
  ['a local endpoint with a model', { baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen2.5-coder' }, undefined],
  ['an unknown provider', { provider: 'magic' as GenerationSettings['provider'] }, /generation\.provider must be/],
  ['a key where its variable name belongs', { apiKeyEnv: 'sk-abc123-secret' }, /generation\.apiKeyEnv must be the name of an environment variable/],
  ['a baseURL that is not http', { baseURL: 'ftp://models' }, /generation\.baseURL must be an http\(s\) URL/],
  ['zero rounds', { rounds: 0 }, /generation\.rounds must be a positive integer/],
  ['too many rounds', { rounds: 50 }, /generation\.rounds must be at most 10/],
  ['a temperature out of range', { temperature: 3 }, /generation\.temperature must be between 0 and 2/],
  ['negative retries', { maxRetries: -1 }, /generation\.maxRetries must be a non-negative integer/],
  ['the openai provider without a model', { provider: 'openai' }, /generation\.model must name a model/],
];

describe('generation: settings', () => {
  for (const [name, override, expected] of cases) {
    it(`${expected ? 'rejects' : 'accepts'} ${name}`, () => {
      const problems = validateGenerationSettings({ ...generationSettingsDefaults, ...override });
      if (!expected) assert.deepEqual(problems, []);
      else assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
    });
  }
});

describe('generation: settings documentation', () => {
  it('documents every setting with its default in docs/generation.md', () => {
    const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'generation.md'), 'utf8');
    const missing = Object.entries(generationSettingsDefaults)
      .filter(([key, value]) => !docs.includes(`| \`${key}\` | \`${JSON.stringify(value)}\` |`))
      .map(([key, value]) => `${key} (default ${JSON.stringify(value)})`);
    assert.deepEqual(missing, [], 'these settings or defaults are missing from the table in docs/generation.md');
  });
});
