/**
 * The seams between the server's state and its features.
 *
 * Features are plain functions of a `ServerContext` and the request's parameters. They reach the
 * editor only through `ClientSeam`, so a test can drive a feature with a recording client, and the
 * same feature code serves every transport. `server.ts` lists every feature in one wiring table.
 */
import type {
  CancellationToken,
  CodeAction,
  CodeActionParams,
  CodeLens,
  Command,
  Diagnostic,
  ProgressToken,
  WorkspaceEdit,
} from 'vscode-languageserver';
import type { FileRole, TestResultRecord } from './trace/model';
import type { TraceQuery } from './trace/graph';
import type { TandemSettings } from './workspace/config';

/** Reports the progress of one piece of long work; `done` must be called exactly once. */
export interface ProgressReporter {
  report(message: string, percentage?: number): void;
  done(message?: string): void;
  /** Set when the user cancelled the work from the editor's progress UI. */
  readonly token: CancellationToken;
}

/** The only way features reach the editor. */
export interface ClientSeam {
  /** `version`: the open document's version the diagnostics describe, so the editor can drop stale ones. */
  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version?: number): void;
  /** Asks the editor to apply an edit the user can review and undo. */
  applyEdit(label: string, edit: WorkspaceEdit): Promise<{ applied: boolean; failureReason?: string }>;
  showMessage(type: 'error' | 'warning' | 'info', message: string): void;
  log(level: 'error' | 'warning' | 'info' | 'log', message: string): void;
  /**
   * Starts work-done progress: on the token the client sent with the request when there is one,
   * else a server-initiated one, else (clients without work-done progress) log lines.
   */
  beginProgress(title: string, workDoneToken?: ProgressToken, cancellable?: boolean): Promise<ProgressReporter>;
  sendNotification(method: string, params: unknown): void;
  /** Asks the editor to ask again for code lenses, when it supports `workspace/codeLens/refresh`. */
  refreshCodeLenses(): void;
}

/** The server's state as features see it. Requests read it; only notifications and the watcher change it. */
export interface ServerContext {
  client: ClientSeam;
  /** Workspace folder paths (multi-root). */
  folders(): string[];
  /** The workspace folder holding `path`, the deepest when folders nest. */
  folderOf(path: string): string | undefined;
  /** Settings for the folder holding `path` (defaults → tandem.json → editor settings); the first folder's when absent. */
  settings(path?: string): TandemSettings;
  /** The open document's text (unsaved text wins), else the file on disk; undefined for missing, binary or oversized files. */
  readText(path: string): string | undefined;
  /** The open document's version, undefined when it is not open. */
  documentVersion(path: string): number | undefined;
  /** What the file is for the trace, from the settings' globs. */
  roleOf(path: string): FileRole;
  /** Every indexed file (honours .gitignore and configured excludes). */
  workspaceFiles(): string[];
  /** The requirement → code → test graph, read-only: features ask it, the wiring changes it. */
  graph: TraceQuery;
  /**
   * Replaces every test result the graph knows; the wiring republishes the diagnostics and trace
   * views the results change.
   */
  setTestResults(records: TestResultRecord[]): void;
  /** Re-collects and republishes diagnostics for these files (debounced per file). */
  invalidateDiagnostics(paths: string[] | 'all'): void;
  /** Schedules a debounced `tandem/traceDidChange`. */
  traceChanged(): void;
  /** Environment variable names never passed to child processes (model API keys and the like). */
  secretEnvNames(): string[];
}

/** Produces diagnostics for one file; every source's diagnostics are merged and published together. */
export interface DiagnosticSource {
  name: string;
  collect(ctx: ServerContext, path: string): Diagnostic[] | Promise<Diagnostic[]>;
}

export type CodeActionProvider = (
  ctx: ServerContext,
  params: CodeActionParams,
  token: CancellationToken,
) => (CodeAction | Command)[] | Promise<(CodeAction | Command)[]>;

export type CodeLensProvider = (ctx: ServerContext, path: string, token: CancellationToken) => CodeLens[] | Promise<CodeLens[]>;

export type CommandHandler = (
  ctx: ServerContext,
  args: any[],
  token: CancellationToken,
  workDoneToken?: ProgressToken,
) => unknown | Promise<unknown>;

/** Keeps a per-file index current: called for every workspace file at the full index and on every change. */
export interface FileIndexer {
  /**
   * `bulk`: the file is read by a full index, after which the diagnostics of every file are
   * recomputed; an indexer need not find which other files the change affects.
   */
  setFile(ctx: ServerContext, path: string, text: string, role: FileRole, bulk: boolean): void;
  removeFile(ctx: ServerContext, path: string): void;
}
