/**
 * A language client over a child process's stdio: framed JSON-RPC, as an editor speaks it. The
 * `tandem demo` command drives the real server with it, and so do the project's protocol tests.
 * Every wait races the server's exit and a timeout, and fails loudly with what it waited for.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

export interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

type Waiter = { test: (message: Message) => boolean; resolve: (message: Message) => void };

export class LspClient {
  readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number | string, { resolve: (m: Message) => void; request: Message }>();
  private waiters: Waiter[] = [];
  readonly notifications: Message[] = [];
  readonly serverRequests: Message[] = [];
  readonly diagnostics = new Map<string, any[]>();
  readonly logs: string[] = [];
  stderr = '';
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
  /** What the client answers to `workspace/applyEdit`. */
  applyEditResponse: { applied: boolean; failureReason?: string } = { applied: true };
  configuration: unknown;
  /** Server requests this client never answers (to play a slow or broken editor). */
  readonly unanswered = new Set<string>();
  /** The result of `initialize`, once the caller has stored it. */
  initializeResult: any;
  /**
   * Watches every message: `sent` sees what the client writes, `received` what the server sends
   * (with the request a response answers) and returns what is wrong with it. A response with
   * problems fails its request; problems in notifications are kept in `violations`.
   */
  inspector: { sent(message: Message): void; received(message: Message, request?: Message): string[] } | undefined;
  readonly violations: string[] = [];

  constructor(serverBin: string, args: string[] = ['--stdio'], env?: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [serverBin, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Chunks received since `buffer` was last joined, and the bytes the frame being read needs. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = 0;

  private onData(chunk: Buffer): void {
    // Chunks are joined only once a whole frame is there: joining on every chunk is quadratic in a large message.
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
    this.chunks = [];
    this.buffered = this.buffer.length;
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) {
        this.needed = headerEnd + 4 + length;
        return;
      }
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.buffered = this.buffer.length;
      this.needed = 0;
      this.onMessage(JSON.parse(body));
    }
  }

  private onMessage(message: Message): void {
    if (message.id !== undefined && message.method === undefined) {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      const problems = this.inspector?.received(message, pending?.request) ?? [];
      if (problems.length > 0) {
        this.violations.push(...problems);
        pending?.resolve({ ...message, problems } as Message);
      } else pending?.resolve(message);
      return;
    }
    if (message.method) this.violations.push(...(this.inspector?.received(message) ?? []));
    if (message.id !== undefined && message.method) {
      this.serverRequests.push(message);
      this.answerServerRequest(message);
    } else if (message.method) {
      this.notifications.push(message);
      if (message.method === 'textDocument/publishDiagnostics') this.diagnostics.set(message.params.uri, message.params.diagnostics);
      if (message.method === 'window/logMessage') this.logs.push(message.params.message);
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.test(message)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      }
    }
  }

  private answerServerRequest(message: Message): void {
    if (this.unanswered.has(message.method!)) return;
    let result: unknown = null;
    switch (message.method) {
      case 'workspace/configuration':
        result = (message.params.items as unknown[]).map(() => this.configuration ?? null);
        break;
      case 'workspace/applyEdit':
        result = this.applyEditResponse;
        break;
      default:
        result = null;
    }
    this.write({ jsonrpc: '2.0', id: message.id, result });
  }

  /** Sends raw bytes (for wire tests). */
  writeRaw(data: string | Buffer): void {
    this.child.stdin.write(data);
  }

  write(message: object): void {
    this.inspector?.sent(message as Message);
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  /** Races a promise against the server's exit and a timeout. */
  async race<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Server stderr:\n${this.stderr.slice(-2000)}`)), timeoutMs);
    });
    const exit = this.exited.then((code) => {
      throw new Error(`The server exited (code ${code}) while waiting for ${what}. Server stderr:\n${this.stderr.slice(-2000)}`);
    });
    try {
      return await Promise.race([promise, timeout, exit]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a request and returns its result; an error response throws with its message. */
  async request<R = any>(method: string, params?: unknown, timeoutMs = 10000): Promise<R> {
    const response = await this.requestRaw(method, params, timeoutMs);
    if (response.error) throw new Error(`${method} failed: ${response.error.message} (code ${response.error.code})`);
    return response.result as R;
  }

  /**
   * Runs `tandem.generate` like an editor: the command answers at once with the run's id, and
   * the final report arrives as `tandem/generationDidFinish`; resolves to that report.
   */
  async generate<R = any>(args: unknown, timeoutMs = 60000): Promise<R> {
    const started = await this.request('workspace/executeCommand', { command: 'tandem.generate', arguments: [args] });
    const runId = started?.runId;
    const finished = await this.waitFor((m) => m.method === 'tandem/generationDidFinish' && m.id === undefined && m.params?.runId === runId, `the end of generation run ${runId}`, timeoutMs, true);
    return finished.params as R;
  }

  /** Sends a request and returns the whole response message, errors included. */
  async requestRaw(method: string, params?: unknown, timeoutMs = 10000): Promise<Message> {
    const id = this.nextId++;
    const request: Message = { jsonrpc: '2.0', id, method, params };
    const response = new Promise<Message>((resolve) => this.pending.set(id, { resolve, request }));
    this.write(request);
    const message = await this.race(response, `the response to ${method}`, timeoutMs);
    const problems = (message as { problems?: string[] }).problems;
    if (problems) throw new Error(`${method} answered with positions outside their documents:\n${problems.slice(0, 5).join('\n')}`);
    return message;
  }

  notify(method: string, params?: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Waits for a notification or server request matching the predicate (already received ones count if `past`). */
  waitFor(test: (message: Message) => boolean, what: string, timeoutMs = 10000, past = false): Promise<Message> {
    if (past) {
      const found = [...this.notifications, ...this.serverRequests].find(test);
      if (found) return Promise.resolve(found);
    }
    const promise = new Promise<Message>((resolve) => this.waiters.push({ test, resolve }));
    return this.race(promise, what, timeoutMs);
  }

  waitForNotification(method: string, predicate: (params: any) => boolean = () => true, timeoutMs = 10000): Promise<any> {
    return this.waitFor((m) => m.method === method && m.id === undefined && predicate(m.params), `notification ${method}`, timeoutMs).then((m) => m.params);
  }

  /** Waits until the diagnostics published for `uri` satisfy the predicate (the latest set counts at once). */
  async waitForDiagnostics(uri: string, predicate: (diagnostics: any[]) => boolean, timeoutMs = 10000): Promise<any[]> {
    const current = this.diagnostics.get(uri);
    if (current && predicate(current)) return current;
    try {
      const message = await this.waitFor(
        (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && predicate(m.params.diagnostics),
        `diagnostics for ${uri}`,
        timeoutMs,
      );
      return message.params.diagnostics;
    } catch (error) {
      const latest = JSON.stringify(this.diagnostics.get(uri) ?? 'none published', null, 1).slice(0, 2000);
      throw new Error(`${(error as Error).message.split('\n')[0]}\nLatest diagnostics: ${latest}`);
    }
  }

  open(file: string, text = fs.readFileSync(file, 'utf8'), languageId = languageOf(file), version = 1): void {
    this.notify('textDocument/didOpen', { textDocument: { uri: uriOf(file), languageId, version, text } });
  }

  /** Replaces a document's whole text. */
  change(file: string, text: string, version: number): void {
    this.notify('textDocument/didChange', { textDocument: { uri: uriOf(file), version }, contentChanges: [{ text }] });
  }

  close(file: string): void {
    this.notify('textDocument/didClose', { textDocument: { uri: uriOf(file) } });
  }

  async shutdown(): Promise<void> {
    if (this.exitCode !== undefined) return;
    try {
      await this.request('shutdown', null, 5000);
      this.notify('exit');
      await this.race(this.exited, 'the server to exit', 5000);
    } finally {
      if (this.exitCode === undefined) this.child.kill('SIGKILL');
    }
  }
}

export function languageOf(file: string): string {
  const ext = path.extname(file).slice(1);
  return { ts: 'typescript', tsx: 'typescriptreact', js: 'javascript', jsx: 'javascriptreact', md: 'markdown', py: 'python', json: 'json', yml: 'yaml' }[ext] ?? ext;
}

