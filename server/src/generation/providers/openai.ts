/**
 * The `openai` provider: chat completions from any OpenAI-compatible endpoint through the `openai`
 * client, with the client's own retries turned off so that retry, backoff and `Retry-After` follow
 * one policy (retry.ts) that tests can observe. The key is read by the caller from the environment
 * variable the settings name and is never logged; every error message names what to fix.
 */
import type { ChatMessage, ModelAnswer } from '../model';
import { estimateTokens, ModelError, type ModelErrorKind, type ModelProvider } from './provider';
import { backoffDelay, isRetryableStatus, retryAfterMs, sleep, type BackoffPolicy } from './retry';

export interface OpenAIProviderOptions {
  /** Empty for the client's default endpoint. */
  baseURL: string;
  model: string;
  /** The key itself (read from the environment by the caller), or undefined when the variable is unset. */
  apiKey: string | undefined;
  /** The environment variable the key comes from, named in error messages. */
  apiKeyEnv: string;
  temperature: number;
  stream: boolean;
  requestTimeoutMs: number;
  maxRetries: number;
  maxRetryDelayMs: number;
  maxAnswerTokens: number;
  maxAnswerChars: number;
  /** The first backoff delay (doubles per retry); 500 ms unless a test wants less. */
  baseRetryDelayMs?: number;
  /** Told about each retry, for the log. */
  onRetry?: (attempt: number, delayMs: number, reason: string) => void;
}

interface ClientError {
  status?: number;
  headers?: { get(name: string): string | null };
  message: string;
  cause?: { code?: string; message?: string };
  name?: string;
}

type OpenAIClient = import('openai').OpenAI;

export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai' as const;
  private client: OpenAIClient | undefined;
  /** Asks for token usage in the stream; turned off for endpoints that reject `stream_options`. */
  private usageInStream = true;

  constructor(private readonly options: OpenAIProviderOptions) {}

  get model(): string {
    return this.options.model;
  }

  private getClient(): OpenAIClient {
    if (!this.client) {
      // Loaded on first use: the server does not pay for the client at start-up.
      const { OpenAI } = require('openai') as typeof import('openai');
      this.client = new OpenAI({
        apiKey: this.options.apiKey || 'unset',
        baseURL: this.options.baseURL || undefined,
        maxRetries: 0,
        timeout: this.options.requestTimeoutMs,
      });
    }
    return this.client;
  }

  async complete(messages: ChatMessage[], signal: AbortSignal): Promise<ModelAnswer> {
    if (!this.options.apiKey && !this.options.baseURL) {
      throw new ModelError('auth', `No API key: the environment variable ${this.options.apiKeyEnv} is not set (generation.apiKeyEnv names it).`, 0);
    }
    const policy: BackoffPolicy = { maxRetries: this.options.maxRetries, baseDelayMs: this.options.baseRetryDelayMs ?? 500, maxDelayMs: this.options.maxRetryDelayMs };
    const started = Date.now();
    let requests = 0;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new ModelError('cancelled', 'The model request was cancelled.', requests, Date.now() - started);
      requests++;
      try {
        const answer = await this.once(messages, signal);
        return { ...answer, ms: Date.now() - started, requests };
      } catch (error) {
        if (error instanceof ModelError) throw new ModelError(error.kind, error.message, requests, Date.now() - started);
        const failure = error as ClientError;
        if (signal.aborted) throw new ModelError('cancelled', 'The model request was cancelled.', requests, Date.now() - started);
        if (failure.status === 400 && this.usageInStream && this.options.stream && /stream_options/.test(failure.message ?? '')) {
          // Some compatible servers do not know `stream_options`: ask again without it, and count tokens ourselves.
          this.usageInStream = false;
          this.options.onRetry?.(attempt + 1, 0, 'the endpoint does not accept stream_options');
          continue;
        }
        const retryable = failure.status === undefined ? !isTimeout(failure) && !isAbort(failure) : isRetryableStatus(failure.status);
        if (retryable && attempt < policy.maxRetries) {
          const asked = failure.headers ? retryAfterMs((name) => failure.headers!.get(name)) : undefined;
          const delay = backoffDelay(policy, attempt, asked);
          this.options.onRetry?.(attempt + 1, delay, describeStatus(failure));
          try {
            await sleep(delay, signal);
          } catch {
            throw new ModelError('cancelled', 'The model request was cancelled.', requests, Date.now() - started);
          }
          continue;
        }
        const [kind, message] = this.explain(failure, attempt);
        throw new ModelError(kind, message, requests, Date.now() - started);
      }
    }
  }

  /** One request, streamed or not, under the request timeout and the caller's signal. */
  private async once(messages: ChatMessage[], signal: AbortSignal): Promise<Omit<ModelAnswer, 'ms' | 'requests'>> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const body = {
      model: this.options.model,
      messages,
      temperature: this.options.temperature,
      max_tokens: this.options.maxAnswerTokens,
    };
    const promptTokens = estimateTokens(messages.map((m) => m.content).join('\n'));
    try {
      if (!this.options.stream) {
        const completion = await this.getClient().chat.completions.create({ ...body, stream: false }, { signal: combined });
        const text = completion.choices?.[0]?.message?.content ?? '';
        this.checkSize(text.length);
        if (!text.trim()) throw new ModelError('empty', 'The model answered with no text.');
        return {
          text,
          tokensIn: completion.usage?.prompt_tokens ?? promptTokens,
          tokensOut: completion.usage?.completion_tokens ?? estimateTokens(text),
        };
      }
      const stream = await this.getClient().chat.completions.create({ ...body, stream: true, ...(this.usageInStream ? { stream_options: { include_usage: true } } : {}) }, { signal: combined });
      let text = '';
      let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
      for await (const chunk of stream) {
        text += chunk.choices?.[0]?.delta?.content ?? '';
        if (chunk.usage) usage = chunk.usage;
        if (text.length > this.options.maxAnswerChars) {
          stream.controller.abort();
          this.checkSize(text.length);
        }
      }
      if (!text.trim()) throw new ModelError('empty', 'The model answered with no text.');
      return { text, tokensIn: usage?.prompt_tokens ?? promptTokens, tokensOut: usage?.completion_tokens ?? estimateTokens(text) };
    } catch (error) {
      if (timeout.aborted && !signal.aborted && !(error instanceof ModelError)) {
        throw new ModelError('timeout', `The model did not answer within ${this.options.requestTimeoutMs} ms (generation.requestTimeoutMs).`);
      }
      throw error;
    }
  }

  private checkSize(length: number): void {
    if (length > this.options.maxAnswerChars) {
      throw new ModelError('tooLarge', `The answer exceeded ${this.options.maxAnswerChars} characters (generation.maxAnswerChars) and was refused.`);
    }
  }

  private explain(failure: ClientError, retries: number): [ModelErrorKind, string] {
    const where = this.options.baseURL || 'the default endpoint';
    const detail = failure.message?.replace(/\s+/g, ' ').slice(0, 200) ?? '';
    const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
    switch (failure.status) {
      case 401:
      case 403:
        return [
          'auth',
          this.options.apiKey
            ? `The endpoint refused the API key from ${this.options.apiKeyEnv} (HTTP ${failure.status}); check that the variable holds a valid key for ${where}.`
            : `The endpoint wants an API key (HTTP ${failure.status}) but ${this.options.apiKeyEnv} is not set.`,
        ];
      case 404:
        return ['model', `The endpoint ${where} has no model "${this.options.model}" (HTTP 404); check generation.model and generation.baseURL.`];
      case 429:
        return ['rateLimited', `The endpoint kept answering "too many requests" (HTTP 429)${after}; try again later.`];
      case 400:
      case 422:
        return ['badRequest', `The endpoint rejected the request (HTTP ${failure.status}): ${detail}`];
      case undefined:
        if (isTimeout(failure)) return ['timeout', `The model did not answer within ${this.options.requestTimeoutMs} ms (generation.requestTimeoutMs).`];
        return ['unreachable', `The model endpoint ${where} cannot be reached${failure.cause?.code ? ` (${failure.cause.code})` : ''}${after}; is it running, and is generation.baseURL right?`];
      default:
        return ['server', `The model endpoint failed with HTTP ${failure.status}${after}: ${detail}`];
    }
  }
}

function isTimeout(failure: ClientError): boolean {
  return failure.name === 'APIConnectionTimeoutError' || /timed? ?out/i.test(failure.message ?? '');
}

function isAbort(failure: ClientError): boolean {
  return failure.name === 'APIUserAbortError' || failure.name === 'AbortError';
}

function describeStatus(failure: ClientError): string {
  return failure.status ? `HTTP ${failure.status}` : `connection failed${failure.cause?.code ? ` (${failure.cause.code})` : ''}`;
}
