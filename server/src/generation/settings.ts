/**
 * The `generation` section of Tandem's settings: which model answers, how hard the loop tries, and
 * what never leaves the machine. Every value is plain JSON so `tandem.json` and editor settings can
 * hold it; the API key itself is never a setting, only the name of the environment variable that
 * holds it.
 */

import { durationProblem } from '../limits';

export interface GenerationSettings {
  /**
   * `auto` uses the `openai` provider when `model` is set and the `offline` provider otherwise;
   * `openai` and `offline` force one of them.
   */
  provider: 'auto' | 'openai' | 'offline';
  /** The OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`; empty means the client's default. */
  baseURL: string;
  /** The model name sent with each request; empty means no model is configured. */
  model: string;
  /** The name of the environment variable that holds the API key. */
  apiKeyEnv: string;
  temperature: number;
  /** Stream the answer (server-sent events) rather than wait for the whole body. */
  stream: boolean;
  /** Milliseconds one model request may take before it is abandoned. */
  requestTimeoutMs: number;
  /** Retries of one model request after a 429, a 5xx or a dropped connection. */
  maxRetries: number;
  /** Upper bound on one backoff wait, also when `Retry-After` asks for more. */
  maxRetryDelayMs: number;
  /** Generate → check → repair rounds before the loop gives up. */
  rounds: number;
  /** Estimated tokens the prompt may use (about four characters per token). */
  promptTokenBudget: number;
  /** `max_tokens` asked of the model for one answer. */
  maxAnswerTokens: number;
  /** Answers longer than this many characters are refused unread. */
  maxAnswerChars: number;
  /** Milliseconds one run of the generated tests may take. */
  testTimeoutMs: number;
  /** How many times the generated tests run; a test whose verdict differs between runs is flaky and dropped. */
  testRuns: number;
  /**
   * Run mocha and node:test tests of generated code under Node's permission model: they may read
   * anything but write only inside their scratch copy, and (mocha) not start processes.
   */
  sandbox: boolean;
  /** Globs (relative to the workspace folder) of files never sent to a model, on top of `.gitignore` and secret-looking files. */
  neverSend: string[];
  /** When the rounds run out, keep the best attempt so the user can still apply it with its failing checks listed. */
  offerFailedAttempt: boolean;
}

export const generationSettingsDefaults: GenerationSettings = {
  provider: 'auto',
  baseURL: '',
  model: '',
  apiKeyEnv: 'OPENAI_API_KEY',
  temperature: 0.2,
  stream: true,
  requestTimeoutMs: 120_000,
  maxRetries: 3,
  maxRetryDelayMs: 30_000,
  rounds: 3,
  promptTokenBudget: 6000,
  maxAnswerTokens: 4000,
  maxAnswerChars: 200_000,
  testTimeoutMs: 30_000,
  testRuns: 3,
  sandbox: true,
  neverSend: [],
  offerFailedAttempt: true,
};

/** Checks beyond types: one message per invalid value, each starting with its dotted key. */
export function validateGenerationSettings(value: GenerationSettings): string[] {
  const problems: string[] = [];
  if (!['auto', 'openai', 'offline'].includes(value.provider)) problems.push('generation.provider must be "auto", "openai" or "offline"');
  if (value.baseURL && !/^https?:\/\/[^\s]+$/.test(value.baseURL)) problems.push('generation.baseURL must be an http(s) URL');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.apiKeyEnv)) problems.push('generation.apiKeyEnv must be the name of an environment variable, not a key');
  if (!(value.temperature >= 0 && value.temperature <= 2)) problems.push('generation.temperature must be between 0 and 2');
  for (const key of ['requestTimeoutMs', 'testTimeoutMs'] as const) {
    const problem = durationProblem(`generation.${key}`, value[key], 1);
    if (problem) problems.push(problem);
  }
  const positive: (keyof GenerationSettings)[] = ['rounds', 'promptTokenBudget', 'maxAnswerTokens', 'maxAnswerChars', 'testRuns'];
  for (const key of positive) {
    const n = value[key] as number;
    if (!Number.isInteger(n) || n < 1) problems.push(`generation.${key} must be a positive integer`);
  }
  if (!Number.isInteger(value.maxRetries) || value.maxRetries < 0) problems.push('generation.maxRetries must be a non-negative integer');
  const retryDelay = durationProblem('generation.maxRetryDelayMs', value.maxRetryDelayMs, 0);
  if (retryDelay) problems.push(retryDelay);
  if (value.rounds > 10) problems.push('generation.rounds must be at most 10');
  if (value.provider === 'openai' && value.model.trim() === '') problems.push('generation.model must name a model when generation.provider is "openai"');
  return problems;
}
