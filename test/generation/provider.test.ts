/**
 * The `openai` provider against a scripted endpoint: the messages a person gets for each way a
 * model can be unreachable, and the backoff policy that `Retry-After` drives.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { OpenAIProvider, type OpenAIProviderOptions } from '../../server/src/generation/providers/openai';
import { ModelError } from '../../server/src/generation/providers/provider';
import { backoffDelay, retryAfterMs } from '../../server/src/generation/providers/retry';
import { ScriptedModel, type ScriptStep } from './support/scriptedModel';

function options(baseURL: string, extra: Partial<OpenAIProviderOptions> = {}): OpenAIProviderOptions {
  return {
    baseURL,
    model: 'scripted-model',
    apiKey: 'sk-provider-test',
    apiKeyEnv: 'TANDEM_TEST_KEY',
    temperature: 0,
    stream: true,
    requestTimeoutMs: 5000,
    maxRetries: 2,
    maxRetryDelayMs: 100,
    maxAnswerTokens: 100,
    maxAnswerChars: 10_000,
    baseRetryDelayMs: 10,
    ...extra,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ModelError, `expected a ModelError, got ${error}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('generation: the openai provider', function () {
  this.timeout(20_000);
  let model: ScriptedModel;
  const script: ScriptStep[] = [];
  beforeEach(async () => {
    script.length = 0;
    model = await new ScriptedModel(script).start();
  });
  afterEach(() => model.stop());

  it('reports a missing model with the settings to check', async () => {
    script.push({ status: 404, body: { error: { message: 'model not found' } } });
    const error = await failureOf(new OpenAIProvider(options(model.baseURL)).complete(messages, new AbortController().signal));
    assert.equal(error.kind, 'model');
    assert.match(error.message, /has no model "scripted-model" \(HTTP 404\); check generation\.model and generation\.baseURL/);
    assert.equal(model.requests.length, 1, 'a 404 is not retried');
  });

  it('reports a refused key by the variable that holds it, never the key', async () => {
    script.push({ status: 401, body: { error: { message: 'bad key' } } });
    const error = await failureOf(new OpenAIProvider(options(model.baseURL)).complete(messages, new AbortController().signal));
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /refused the API key from TANDEM_TEST_KEY \(HTTP 401\)/);
    assert.ok(!error.message.includes('sk-provider-test'));
  });

  it('says the key variable is unset before sending anything to the default endpoint', async () => {
    const error = await failureOf(new OpenAIProvider(options('', { apiKey: undefined })).complete(messages, new AbortController().signal));
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /TANDEM_TEST_KEY is not set/);
    assert.equal(error.requests, 0);
  });

  it('reports an endpoint that is down, after its retries', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(port));
      });
    });
    const error = await failureOf(new OpenAIProvider(options(`http://127.0.0.1:${closed}/v1`)).complete(messages, new AbortController().signal));
    assert.equal(error.kind, 'unreachable');
    assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:${closed}/v1 cannot be reached.*after 2 retries; is it running`));
    assert.equal(error.requests, 3);
  });

  it('gives up on a request that exceeds its timeout', async () => {
    script.push({ hang: true });
    const error = await failureOf(new OpenAIProvider(options(model.baseURL, { requestTimeoutMs: 300 })).complete(messages, new AbortController().signal));
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /within 300 ms \(generation\.requestTimeoutMs\)/);
  });

  it('retries 5xx answers and returns the answer with usage and request count', async () => {
    script.push({ status: 503, body: { error: { message: 'busy' } } }, { answer: 'FILE a.ts CREATE', usage: { prompt_tokens: 42, completion_tokens: 7 } });
    const answer = await new OpenAIProvider(options(model.baseURL)).complete(messages, new AbortController().signal);
    assert.deepEqual({ text: answer.text, tokensIn: answer.tokensIn, tokensOut: answer.tokensOut, requests: answer.requests }, { text: 'FILE a.ts CREATE', tokensIn: 42, tokensOut: 7, requests: 2 });
  });

  it('asks again without stream_options when an endpoint rejects them', async () => {
    script.push({ status: 400, body: { error: { message: 'Unrecognized request argument supplied: stream_options' } } }, { answer: 'FILE a.ts CREATE' });
    const answer = await new OpenAIProvider(options(model.baseURL)).complete(messages, new AbortController().signal);
    assert.equal(answer.text, 'FILE a.ts CREATE');
    assert.ok('stream_options' in model.requests[0].body);
    assert.ok(!('stream_options' in model.requests[1].body), 'the second request leaves stream_options out');
    assert.equal(model.requests[1].body.stream, true);
  });

  it('honours Retry-After in seconds, as an HTTP date and in milliseconds, capped', () => {
    const headers = (values: Record<string, string>) => (name: string) => values[name];
    assert.equal(retryAfterMs(headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '150' })), 150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' })), undefined);
    const policy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 4000 };
    assert.equal(backoffDelay(policy, 0, 2000), 2000, 'the server wins');
    assert.equal(backoffDelay(policy, 0, 60_000), 4000, 'but never beyond the cap');
    assert.equal(backoffDelay(policy, 2, undefined, () => 0.5), 2000, 'computed: 500 ms doubled twice');
  });
});
