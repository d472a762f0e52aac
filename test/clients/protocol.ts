/**
 * A server session the way an editor's LSP library holds one: the server started from a command
 * line over stdio, a vscode-languageserver-protocol connection on its pipes, `initialize` sent
 * with the editor's initialization options, `workspace/configuration` answered by the editor's
 * settings, and the first full index awaited. Used to check that what a client sends and reads is
 * what the built server speaks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { uriOf } from '../support/lsp';

export interface SessionOptions {
  root: string;
  initializationOptions?: unknown;
  /** The answer to `workspace/configuration` for one section. */
  configuration?: (section: string | undefined) => unknown;
  env?: NodeJS.ProcessEnv;
  capabilities?: Record<string, unknown>;
}

export interface ServerSession {
  connection: ProtocolConnection;
  child: ChildProcess;
  initializeResult: any;
  /** `window/logMessage` lines, in order. */
  logs: string[];
  /** Versions of every `tandem/traceDidChange`, in order. */
  traceChanges: number[];
  /** The latest published diagnostics per URI. */
  diagnostics: Map<string, any[]>;
  close(): Promise<void>;
}

/** Resolves when `condition` holds, polling; rejects after `ms` naming what it waited for. */
export async function until(what: string, ms: number, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts `command args` on the workspace `root`, initializes it, and waits for its first full index. */
export async function startSession(command: string, args: string[], options: SessionOptions): Promise<ServerSession> {
  const child = spawn(command, args, { stdio: 'pipe', env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const session: ServerSession = {
    connection,
    child,
    initializeResult: undefined,
    logs: [],
    traceChanges: [],
    diagnostics: new Map(),
    close: async () => {
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 3000))]);
        await connection.sendNotification('exit');
      } catch {
        // The server may already be gone.
      }
      connection.dispose();
      child.kill();
    },
  };
  connection.onNotification('window/logMessage', (params: { message: string }) => {
    session.logs.push(params.message);
  });
  connection.onNotification('tandem/traceDidChange', (params: { version: number }) => {
    session.traceChanges.push(params.version);
  });
  connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: any[] }) => {
    session.diagnostics.set(params.uri, params.diagnostics);
  });
  connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map((item) => (options.configuration ? (options.configuration(item.section) ?? null) : null)),
  );
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('workspace/codeLens/refresh', () => null);
  connection.listen();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code} before answering:\n${stderr}`))),
  );
  exited.catch(() => undefined);
  session.initializeResult = await Promise.race([
    connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uriOf(options.root),
      workspaceFolders: [{ uri: uriOf(options.root), name: path.basename(options.root) }],
      capabilities: options.capabilities ?? {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { synchronization: { didSave: true }, publishDiagnostics: {} },
        window: { workDoneProgress: true },
      },
      initializationOptions: options.initializationOptions,
    }),
    exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer to initialize in 15 s:\n${stderr}`)), 15000)),
  ]);
  await connection.sendNotification('initialized', {});
  await until('the "Indexed N files" log line', 20000, () => session.logs.some((line) => /^Indexed \d+ files/.test(line)));
  return session;
}
