/**
 * The gate between the transport's message reader and the connection: one place that keeps the
 * LSP lifecycle and checks the shape of every parameter before a handler sees it.
 *
 * - Lifecycle: a request before `initialize` answers -32002 (ServerNotInitialized), a second
 *   `initialize` and any request after `shutdown` answer -32600 (InvalidRequest); notifications
 *   out of order are dropped (`exit` always passes).
 * - Parameters: every method the server serves has a schema of what it reads; a request whose
 *   parameters do not fit answers -32602 (InvalidParams) naming the parameter, a notification
 *   that does not fit is dropped with a log line. Handlers may then trust the types they read.
 */
import type { Disposable, Message, MessageReader, MessageWriter, DataCallback, PartialMessageInfo, Event } from 'vscode-languageserver/node';

/** Checks a value; returns what is wrong with it (naming it by `name`), or undefined. */
export type Check = (value: unknown, name: string) => string | undefined;

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export const any: Check = () => undefined;
export const str: Check = (value, name) => (typeof value === 'string' ? undefined : `${name} must be a string, not ${describe(value)}`);
export const bool: Check = (value, name) => (typeof value === 'boolean' ? undefined : `${name} must be a boolean, not ${describe(value)}`);
/** An LSP `uinteger`. */
export const uint: Check = (value, name) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2147483647 ? undefined : `${name} must be an integer from 0 to 2147483647, not ${describe(value)}`;
export const int: Check = (value, name) =>
  Number.isInteger(value) && Math.abs(value as number) <= 2147483647 ? undefined : `${name} must be an integer, not ${describe(value)}`;
export const optional =
  (check: Check): Check =>
  (value, name) =>
    value === undefined || value === null ? undefined : check(value, name);
export const oneOf =
  (...checks: Check[]): Check =>
  (value, name) => {
    const problems = checks.map((check) => check(value, name));
    return problems.includes(undefined) ? undefined : problems[0];
  };
export const array =
  (item: Check): Check =>
  (value, name) => {
    if (!Array.isArray(value)) return `${name} must be an array, not ${describe(value)}`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i], `${name}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
export const object =
  (fields: Record<string, Check>): Check =>
  (value, name) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${name} must be an object, not ${describe(value)}`;
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined, `${name}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };

const position = object({ line: uint, character: uint });
const range = object({ start: position, end: position });
const textDocument = object({ uri: str });
const documentPosition = object({ textDocument, position });
const workspaceFolder = object({ uri: str, name: optional(str) });

/** What each method's handler reads from its parameters. Methods not listed are not checked. */
export const paramSchemas: Record<string, Check> = {
  initialize: object({
    processId: optional(int),
    rootUri: optional(str),
    rootPath: optional(str),
    workspaceFolders: optional(array(workspaceFolder)),
    capabilities: optional(object({})),
  }),
  'textDocument/hover': documentPosition,
  'textDocument/definition': documentPosition,
  'textDocument/references': object({ textDocument, position, context: optional(object({ includeDeclaration: optional(bool) })) }),
  'textDocument/completion': documentPosition,
  'textDocument/codeLens': object({ textDocument }),
  'textDocument/documentSymbol': object({ textDocument }),
  'textDocument/diagnostic': object({ textDocument }),
  'textDocument/codeAction': object({ textDocument, range, context: object({ diagnostics: array(object({ range })), only: optional(array(str)) }) }),
  'workspace/symbol': object({ query: str }),
  'workspace/executeCommand': object({ command: str, arguments: optional(array(any)) }),
  'tandem/traceAt': documentPosition,
  'tandem/trace': object({ id: str }),
  'tandem/requirements': optional(object({ status: optional(array(str)), gapsOnly: optional(bool), query: optional(str), artifactTypes: optional(array(str)) })),
  'tandem/coverage': optional(object({ uri: optional(str) })),
  'tandem/runTests': object({ scope: str, uri: optional(str), testName: optional(str), id: optional(str), uris: optional(array(str)), wait: optional(bool) }),
  'tandem/cancelTestRun': optional(object({ runId: optional(str) })),
  'tandem/generationReport': optional(object({ runId: optional(str) })),
  'textDocument/didOpen': object({ textDocument: object({ uri: str, languageId: optional(str), version: int, text: str }) }),
  'textDocument/didChange': object({ textDocument: object({ uri: str, version: int }), contentChanges: array(object({ text: str, range: optional(range) })) }),
  'textDocument/didClose': object({ textDocument }),
  'textDocument/didSave': object({ textDocument, text: optional(str) }),
  'workspace/didChangeWatchedFiles': object({ changes: array(object({ uri: str, type: uint })) }),
  'workspace/didChangeWorkspaceFolders': object({ event: object({ added: array(workspaceFolder), removed: array(workspaceFolder) }) }),
};

export const ErrorCodes = { serverNotInitialized: -32002, invalidRequest: -32600, invalidParams: -32602 } as const;

type Raw = Message & { id?: number | string | null; method?: string; params?: unknown };

/** Wraps a reader: messages that pass the gate go on to the connection, the others are answered here. */
export class GatedReader implements MessageReader {
  private state: 'new' | 'initialized' | 'shutdown' = 'new';
  /** Told about every dropped notification, and whether the editor has initialized the server yet. */
  onProblem: (message: string, initialized: boolean) => void = () => undefined;

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {}

  get onError(): Event<Error> {
    return this.inner.onError;
  }
  get onClose(): Event<void> {
    return this.inner.onClose;
  }
  get onPartialMessage(): Event<PartialMessageInfo> {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      const verdict = this.admit(message as Raw);
      if (verdict === undefined) callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
  }

  /** Undefined when the message passes; otherwise it has been answered or dropped. */
  private admit(message: Raw): true | undefined {
    // Over node-ipc anything can arrive, not only objects.
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.report(`dropped a message that is not a JSON-RPC object: ${describe(message)}`);
      return true;
    }
    const method = message.method;
    if (method !== undefined && typeof method !== 'string') {
      this.report(`dropped a message whose method is ${describe(method)}`);
      return true;
    }
    if (method === undefined) return undefined; // A response to one of our requests.
    const isRequest = message.id !== undefined && message.id !== null;
    if (method === 'exit') return undefined;
    let refusal: { code: number; message: string } | undefined;
    if (this.state === 'shutdown') refusal = { code: ErrorCodes.invalidRequest, message: `${method} after shutdown: the server only accepts "exit" now` };
    else if (method === 'initialize' && this.state !== 'new') refusal = { code: ErrorCodes.invalidRequest, message: 'initialize was already received: the server is initialized once' };
    else if (method !== 'initialize' && this.state === 'new') refusal = { code: ErrorCodes.serverNotInitialized, message: `${method} before initialize: the server is not initialized yet` };
    if (!refusal) {
      const check = paramSchemas[method];
      const problem = check?.(message.params, 'params');
      if (problem) refusal = { code: ErrorCodes.invalidParams, message: `${method}: ${problem}` };
    }
    if (refusal) {
      if (isRequest) this.answer(message.id!, refusal);
      else this.report(`dropped the notification ${refusal.message}`);
      return true;
    }
    if (method === 'initialize') this.state = 'initialized';
    if (method === 'shutdown') this.state = 'shutdown';
    return undefined;
  }

  private answer(id: number | string, error: { code: number; message: string }): void {
    void this.writer.write({ jsonrpc: '2.0', id, error } as Message).catch(() => undefined);
  }

  private report(message: string): void {
    try {
      this.onProblem(message, this.state !== 'new');
    } catch {
      // Reporting must never break the connection.
    }
  }
}
