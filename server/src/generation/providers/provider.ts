/**
 * The seam between the loop and whatever writes the code: a provider takes chat messages and
 * returns the answer text with its token counts. The `openai` provider talks to any
 * OpenAI-compatible endpoint; the `offline` provider needs no model at all.
 */
import type { ChatMessage, ModelAnswer } from '../model';

export interface ModelProvider {
  readonly name: 'openai' | 'offline';
  /** The model name, for the report. */
  readonly model?: string;
  /** Answers the conversation; rejects with a `ModelError` (kind `cancelled` when `signal` aborts). */
  complete(messages: ChatMessage[], signal: AbortSignal): Promise<ModelAnswer>;
}

/** Why a model request failed, as a kind the loop can act on and a message a person can act on. */
export type ModelErrorKind = 'auth' | 'model' | 'unreachable' | 'rateLimited' | 'server' | 'timeout' | 'cancelled' | 'tooLarge' | 'badRequest' | 'empty';

export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    /** Requests sent before giving up, retries included. */
    readonly requests = 1,
    /** Milliseconds spent, backoff included. */
    readonly ms = 0,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** A rough token count: about four characters per token, which is what budgets need. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
