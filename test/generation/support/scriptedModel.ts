/**
 * A scripted OpenAI-compatible endpoint on 127.0.0.1: each request to `/chat/completions` takes the
 * next step of the script (a status, headers, a JSON body or server-sent-event chunks, a delay, or
 * a hang until the client goes away), and every request is recorded for the test to inspect.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptStep {
  status?: number;
  headers?: Record<string, string>;
  /** The answer text, sent as a chat completion (JSON, or SSE chunks when the request streams). */
  answer?: string;
  /** A raw body instead of `answer`. */
  body?: unknown;
  /** Milliseconds before the response starts. */
  delayMs?: number;
  /** Never answer; the response stays open until the client aborts. */
  hang?: boolean;
  /** Called when the request this step answers has arrived, before anything is sent. */
  onArrive?: () => void;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedRequest {
  url: string;
  authorization?: string;
  body: { model?: string; stream?: boolean; messages: { role: string; content: string }[]; [key: string]: unknown };
  /** True when the client closed the connection before the response ended. */
  aborted: boolean;
}

export class ScriptedModel {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private readonly open = new Set<http.ServerResponse>();
  /** Used when the script runs out. */
  fallback: ScriptStep = { status: 500, body: { error: { message: 'the script ran out' } } };

  constructor(private readonly script: ScriptStep[]) {}

  get baseURL(): string {
    const address = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      let body: RecordedRequest['body'];
      try {
        body = JSON.parse(raw);
      } catch {
        body = { messages: [] };
      }
      const record: RecordedRequest = { url: req.url ?? '', authorization: req.headers.authorization, body, aborted: false };
      this.requests.push(record);
      this.open.add(res);
      res.on('close', () => {
        if (!res.writableEnded) record.aborted = true;
        this.open.delete(res);
      });
      const step = this.script.shift() ?? this.fallback;
      step.onArrive?.();
      if (step.hang) return;
      setTimeout(() => this.respond(step, body, res), step.delayMs ?? 0);
    });
  }

  private respond(step: ScriptStep, body: RecordedRequest['body'], res: http.ServerResponse): void {
    if (res.destroyed) return;
    const status = step.status ?? 200;
    if (status !== 200 || step.body !== undefined || step.answer === undefined) {
      res.writeHead(status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify(step.body ?? { error: { message: `status ${status}` } }));
      return;
    }
    const usage = step.usage ?? { prompt_tokens: 100, completion_tokens: Math.ceil(step.answer.length / 4) };
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...step.headers });
      const pieces = step.answer.match(/[\s\S]{1,200}/g) ?? [];
      for (const piece of pieces) {
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...step.headers });
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: step.answer }, finish_reason: 'stop' }],
        usage,
      }),
    );
  }
}
