/**
 * The language server: its state, and the wiring table that maps every LSP and `tandem/*` method
 * to the feature that answers it. Handlers live in `features/`; this file only connects.
 *
 * Policy, as registered below: requests read the state and never change it; notifications (open,
 * change, close, file events, settings) and the watcher change it. Every handler is guarded: a
 * throw becomes an error response or a log line, never a dead server.
 */
import * as path from 'node:path';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticReportKind,
  ErrorCodes,
  ResponseError,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  type ClientCapabilities,
  type CodeAction,
  type CodeLens,
  type Command,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { CoverageRequest, RequirementsRequest, TraceAtRequest, TraceDidChangeNotification, TraceRequest } from '../../protocol/trace';
import { ServerInfoRequest, settingsSection } from '../../protocol/settings';
import type { CodeActionProvider, CodeLensProvider, CommandHandler, DiagnosticSource, FileIndexer, ServerContext } from './context';
import { CancelTestRunRequest, RunTestsRequest } from '../../protocol/testing';
import { GenerationReportRequest } from '../../protocol/generation';
import { generationCodeActions, generationCommands, generationReport } from './features/generation';
import { settingsDiagnostics, settingsFilesWithProblems } from './features/settings';
import { testabilityCodeActions, testabilityCommands, testabilityDiagnostics, testabilityIndexer } from './features/testability';
import {
  cancelTestRun,
  disposeTestRuns,
  runTestsRequest,
  testFailureDiagnostics,
  testRunsCodeCoverage,
  testRunsCodeLenses,
  testRunsCommands,
  testRunsIndexer,
  testRunsOnSave,
} from './features/testRuns';
import {
  completion,
  coverage,
  definition,
  documentSymbols,
  hover,
  incomingCalls,
  outgoingCalls,
  prepareCallHierarchy,
  prepareRename,
  references,
  rename,
  requirements,
  showTraceCommand,
  trace,
  traceAt,
  traceCodeActions,
  traceCodeLenses,
  traceDiagnostics,
  workspaceSymbols,
} from './features/trace';
import { ConnectionClient } from './lsp/client';
import { DiagnosticsHub } from './lsp/diagnostics';
import { clampPositions } from './lsp/convert';
import { clampingDocuments } from './lsp/documents';
import { DocumentLines } from './lsp/positions';
import { pathToUri, uriToPath } from './lsp/uri';
import { serverVersion } from './version';
import { ChangeBatcher, watchFolders, type ServerWatcher } from './workspace/watcher';
import { Workspace, type FileChange } from './workspace/workspace';
import { errorDetail } from './errors';

export { ProposedFeatures };

/**
 * Commands that break the server on purpose, so tests can prove it survives: only present when the
 * environment sets TANDEM_FAULT_INJECTION=1.
 */
function faultInjectionCommands(): [string, CommandHandler][] {
  return Object.entries({
    'tandem.fault.throw': () => {
      throw new Error('fault injected: a handler threw');
    },
    'tandem.fault.timer': () => {
      setTimeout(() => {
        throw new Error('fault injected: a timer threw');
      }, 1);
      return 'scheduled';
    },
    'tandem.fault.rejection': () => {
      void Promise.reject(new Error('fault injected: an unhandled rejection'));
      return 'rejected';
    },
  } satisfies Record<string, CommandHandler>);
}

/** Debounce of `tandem/traceDidChange`. */
const traceDidChangeDelayMs = 200;

/** How long the first index waits for the editor's answer to `workspace/configuration`. */
const editorSettingsWaitMs = 1500;

export function createServer(connection: Connection): void {
  let capabilities: ClientCapabilities = {};
  // Edits sent to the editor pass the same position edge as results (see `inside` below).
  const client = new ConnectionClient(connection, () => capabilities, (edit) => inside(undefined, edit));
  const workspace = new Workspace({ toUri: pathToUri, log: (level, message) => client.log(level, message) });
  const documents = new TextDocuments(clampingDocuments((message) => client.log('warning', message)));
  let watcherKind: 'client' | 'server' | 'none' = 'none';
  let serverWatcher: ServerWatcher | undefined;
  let traceVersion = 0;
  let traceTimer: NodeJS.Timeout | undefined;
  let pendingTraceIds: Set<string> | 'all' = new Set();
  let indexRun: Promise<void> = Promise.resolve();
  let indexCancel: (() => void) | undefined;

  const ctx: ServerContext = {
    client,
    folders: () => workspace.folders().map((folder) => folder.path),
    folderOf: (file) => workspace.folderOf(file)?.path,
    settings: (file) => workspace.settings(file),
    readText: (file) => workspace.readText(file),
    documentVersion: (file) => workspace.documentVersion(file),
    roleOf: (file) => workspace.roleOf(file),
    workspaceFiles: () => workspace.files(),
    graph: workspace.graph,
    setTestResults: (records) => {
      workspace.graph.setTestResults(records);
      afterIndexChange();
    },
    invalidateDiagnostics: (paths) => diagnostics.invalidate(paths),
    traceChanged: () => scheduleTraceDidChange('all'),
    secretEnvNames: () => {
      const names = new Set(workspace.settings().secretEnv);
      for (const folder of workspace.folders()) {
        const generation = folder.settings.generation as { apiKeyEnv?: string } | undefined;
        if (generation?.apiKeyEnv) names.add(generation.apiKeyEnv);
      }
      return [...names];
    },
  };

  // ---- The edge positions leave through ----------------------------------------------------------
  // Every position sent lies inside the document version it describes: results are clamped here,
  // diagnostics in the hub, and a position that had to move is logged (it is a bug to fix).
  const lines = new DocumentLines(
    (file) => workspace.readText(file),
    (file) => workspace.documentVersion(file),
  );
  const tableOf = (uri: string) => lines.tableOf(uri);
  function inside<T>(uri: string | undefined, result: T): T {
    const { value, moved } = clampPositions(result, uri, tableOf);
    if (moved > 0) client.log('log', `Moved ${moved} position(s) of a result for ${uri ?? 'the workspace'} inside their documents.`);
    return value;
  }

  // ---- The wiring table ------------------------------------------------------------------------
  // Every diagnostic source, code action and code lens provider, command, per-file index and
  // request, in one place.
  // Requirement summaries carry the coverage of their implementation from the test session.
  workspace.graph.setOptions({ codeCoverage: testRunsCodeCoverage(ctx) });
  const diagnosticSources: DiagnosticSource[] = [settingsDiagnostics(workspace), traceDiagnostics, testabilityDiagnostics, testFailureDiagnostics];
  const codeActionProviders: CodeActionProvider[] = [traceCodeActions, testabilityCodeActions, generationCodeActions];
  const codeLensProviders: CodeLensProvider[] = [traceCodeLenses, testRunsCodeLenses];
  const fileIndexers: FileIndexer[] = [testabilityIndexer, testRunsIndexer];
  /** Called after a document is saved: run-on-save of the affected tests. */
  const saveHooks: ((ctx: ServerContext, path: string) => void)[] = [testRunsOnSave];
  // A map of own entries: a command name is looked up only among these (never `constructor` or `toString`).
  const commands = new Map<string, CommandHandler>([
    ['tandem.showTrace', showTraceCommand],
    ['tandem.reindex', () => reindex()],
    ...Object.entries(testabilityCommands),
    ...Object.entries(testRunsCommands),
    ...Object.entries(generationCommands),
  ]);
  if (process.env.TANDEM_FAULT_INJECTION === '1') for (const [name, handler] of faultInjectionCommands()) commands.set(name, handler);

  connection.onRequest(RequirementsRequest.type, (params) => inside(undefined, requirements(ctx, params)));
  connection.onRequest(TraceRequest.type, (params) => inside(undefined, trace(ctx, params)));
  connection.onRequest(TraceAtRequest.type, (params) => inside(params.textDocument.uri, traceAt(ctx, params)));
  connection.onRequest(CoverageRequest.type, (params) => coverage(ctx, params));
  connection.onRequest(ServerInfoRequest.type, () => ({
    version: serverVersion(),
    folders: ctx.folders().map(pathToUri),
    files: workspace.files().length,
    indexing: workspace.indexing || !workspace.firstIndexDone,
    watcher: watcherKind,
  }));
  connection.onHover(async (params) => inside(params.textDocument.uri, await hover(ctx, params)));
  connection.onDefinition(async (params) => inside(params.textDocument.uri, await definition(ctx, params)));
  connection.onReferences(async (params) => inside(params.textDocument.uri, await references(ctx, params)));
  connection.onCompletion(async (params) => inside(params.textDocument.uri, await completion(ctx, params)));
  connection.onDocumentSymbol(async (params) => inside(params.textDocument.uri, await documentSymbols(ctx, params.textDocument.uri)));
  connection.onWorkspaceSymbol(async (params) => inside(undefined, await workspaceSymbols(ctx, params)));
  connection.onPrepareRename(async (params) => inside(params.textDocument.uri, await prepareRename(ctx, params)));
  connection.onRenameRequest(async (params) =>
    inside(undefined, await rename(ctx, params, (capabilities.workspace?.workspaceEdit?.documentChanges === true && capabilities.workspace.workspaceEdit.resourceOperations?.includes('rename')) === true)),
  );
  connection.languages.callHierarchy.onPrepare(async (params) => inside(undefined, await prepareCallHierarchy(ctx, params)));
  connection.languages.callHierarchy.onIncomingCalls(async (params) => inside(undefined, await incomingCalls(ctx, params)));
  connection.languages.callHierarchy.onOutgoingCalls(async (params) => inside(undefined, await outgoingCalls(ctx, params)));
  connection.onRequest(RunTestsRequest.type, (params, token) => runTestsRequest(ctx, params, token, (params as { workDoneToken?: string }).workDoneToken));
  connection.onRequest(CancelTestRunRequest.type, (params) => cancelTestRun(ctx, params));
  connection.onRequest(GenerationReportRequest.type, (params) => generationReport(ctx, params));
  // Test processes run in their own process groups: end them with the server.
  process.once('exit', () => disposeTestRuns(ctx));


  for (const indexer of fileIndexers) {
    workspace.addListener({
      setFile: (file, text, role, bulk) => indexer.setFile(ctx, file, text, role, bulk),
      removeFile: (file) => indexer.removeFile(ctx, file),
    });
  }

  // ---- Merged features -------------------------------------------------------------------------
  const diagnostics = new DiagnosticsHub(() => ctx, diagnosticSources, {
    tableOf,
    pull: false,
    isOpen: (file) => workspace.isOpen(file),
    ready: () => workspace.firstIndexDone,
    whenReady: () => workspace.firstIndex,
    requestRefresh: () => {
      if (capabilities.workspace?.diagnostics?.refreshSupport) void connection.sendRequest('workspace/diagnostic/refresh').catch(() => undefined);
    },
  });

  connection.onCodeAction(async (params, token) => {
    const all: (CodeAction | Command)[] = [];
    for (const provider of codeActionProviders) {
      if (token.isCancellationRequested) break;
      try {
        for (const action of await provider(ctx, params, token)) all.push(action);
      } catch (error) {
        client.log('error', `A code action provider failed: ${errorDetail(error)}`);
      }
    }
    const only = params.context.only;
    return inside(params.textDocument.uri, only ? all.filter((action) => !('kind' in action) || !action.kind || only.some((kind) => action.kind === kind || action.kind!.startsWith(`${kind}.`))) : all);
  });

  connection.onCodeLens(async (params, token) => {
    const file = uriToPath(params.textDocument.uri);
    if (!file) return [];
    const all: CodeLens[] = [];
    for (const provider of codeLensProviders) {
      try {
        for (const lens of await provider(ctx, file, token)) all.push(lens);
      } catch (error) {
        client.log('error', `A code lens provider failed: ${errorDetail(error)}`);
      }
    }
    return inside(params.textDocument.uri, all);
  });

  connection.onExecuteCommand(async (params, token) => {
    const handler = commands.get(params.command);
    if (!handler) throw new ResponseError(ErrorCodes.InvalidParams, `Unknown command ${JSON.stringify(params.command)}; the server's commands are ${[...commands.keys()].join(', ')}`);
    return inside(undefined, await handler(ctx, params.arguments ?? [], token, params.workDoneToken));
  });

  connection.languages.diagnostics.on(async (params) => {
    const file = uriToPath(params.textDocument.uri);
    const items = file ? await diagnostics.collect(file) : [];
    return { kind: DocumentDiagnosticReportKind.Full, items };
  });

  // ---- State changes ---------------------------------------------------------------------------

  function scheduleTraceDidChange(ids: string[] | 'all'): void {
    if (ids === 'all' || pendingTraceIds === 'all') pendingTraceIds = 'all';
    else for (const id of ids) pendingTraceIds.add(id);
    if (traceTimer) return;
    traceTimer = setTimeout(() => {
      traceTimer = undefined;
      const changed = pendingTraceIds;
      pendingTraceIds = new Set();
      traceVersion++;
      client.sendNotification(TraceDidChangeNotification.method, {
        version: traceVersion,
        ...(changed === 'all' ? {} : { ids: [...changed].sort() }),
      });
      client.refreshCodeLenses();
    }, traceDidChangeDelayMs);
  }

  /** After any change of the index: republish what changed, tell views. */
  function afterIndexChange(extraFiles: string[] = []): void {
    const changes = workspace.graph.takeChanges();
    diagnostics.invalidate([...changes.files, ...extraFiles]);
    if (changes.ids === 'all' || changes.ids.length > 0) scheduleTraceDidChange(changes.ids);
  }

  /** Indexes everything again, with progress; a run already going is cancelled first. */
  function reindex(alsoAwait?: Promise<void>): Promise<void> {
    indexCancel?.();
    const previous = indexRun;
    indexRun = (async () => {
      await previous.catch(() => undefined);
      let cancelled = false;
      indexCancel = () => (cancelled = true);
      const progress = await client.beginProgress('Tandem: indexing the workspace', undefined, true);
      try {
        const result = await workspace.fullIndex({
          report: (message, percentage) => progress.report(message, percentage),
          cancelled: () => cancelled || progress.token.isCancellationRequested,
        });
        // The index counts as done once the watcher is ready too, so no change on disk after it is missed.
        await alsoAwait;
        progress.done(result.cancelled ? 'cancelled' : `${result.files} files in ${Math.round(result.ms)} ms`);
        client.log('info', `Indexed ${result.files} files in ${Math.round(result.ms)} ms${result.cancelled ? ' (cancelled)' : ''}.`);
      } catch (error) {
        progress.done('failed');
        client.log('error', `Indexing failed: ${errorDetail(error)}`);
      }
      afterIndexChange(settingsFilesWithProblems(workspace));
      diagnostics.invalidate('all');
      scheduleTraceDidChange('all');
    })();
    return indexRun;
  }

  const batcher = new ChangeBatcher((changes) => {
    try {
      const started = performance.now();
      const { reindex: again } = workspace.applyChanges(changes);
      client.log('log', `Applied ${changes.length} file events in one pass (${Math.round(performance.now() - started)} ms).`);
      if (again) void reindex();
      else afterIndexChange(settingsFilesWithProblems(workspace));
    } catch (error) {
      client.log('error', `Applying file changes failed: ${errorDetail(error)}`);
    }
  });

  async function startServerWatcher(): Promise<void> {
    await serverWatcher?.close();
    serverWatcher = undefined;
    const folders = ctx.folders();
    if (folders.length === 0) return;
    try {
      serverWatcher = await watchFolders(
        folders,
        (file, isDirectory) => {
          const folder = workspace.folderOf(file);
          return folder ? folder.rules.ignores(file, isDirectory) : true;
        },
        (change) => batcher.add(change),
        (message) => client.log('warning', message),
      );
      watcherKind = 'server';
    } catch (error) {
      client.log('warning', `Watching the workspace failed; changes on disk are seen only when files are opened: ${(error as Error).message}`);
    }
  }

  async function pullEditorSettings(): Promise<void> {
    if (!capabilities.workspace?.configuration) return;
    try {
      const [value] = await connection.workspace.getConfiguration([{ section: settingsSection }]);
      if (value !== null && value !== undefined) workspace.setEditorSettings(value);
    } catch (error) {
      client.log('warning', `Reading the editor's settings failed: ${(error as Error).message}`);
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    capabilities = params.capabilities ?? {};
    const folders =
      params.workspaceFolders?.map((folder) => uriToPath(folder.uri)).filter((p): p is string => !!p) ??
      (params.rootUri ? [uriToPath(params.rootUri)].filter((p): p is string => !!p) : params.rootPath ? [path.resolve(params.rootPath)] : []);
    workspace.setFolders(folders);
    const options = params.initializationOptions as Record<string, unknown> | undefined;
    const initial = options && typeof options === 'object' && settingsSection in options ? options[settingsSection] : options;
    if (initial && typeof initial === 'object' && Object.keys(initial).length > 0) workspace.setEditorSettings(initial);
    const pull = capabilities.textDocument?.diagnostic !== undefined;
    diagnostics.setPull(pull);
    return {
      serverInfo: { name: 'tandem', version: serverVersion() },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: [' ', ',', '>', '-', '~', "'", '"'], resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        renameProvider: { prepareProvider: true },
        callHierarchyProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.RefactorExtract, CodeActionKind.RefactorRewrite, CodeActionKind.Source] },
        executeCommandProvider: { commands: [...commands.keys()] },
        ...(pull ? { diagnosticProvider: { interFileDependencies: true, workspaceDiagnostics: false } } : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
    };
  });

  connection.onInitialized(async () => {
    // The editor's settings decide what is indexed, but a slow editor must not hold the index up:
    // after a short wait the index starts, and a late answer indexes again.
    const settingsArrived = pullEditorSettings();
    const inTime = await Promise.race([settingsArrived.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), editorSettingsWaitMs))]);
    if (!inTime) void settingsArrived.then(() => reindex());
    if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: settingsSection }).catch(() => undefined);
    }
    if (capabilities.workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        const removed = new Set(event.removed.map((folder) => uriToPath(folder.uri)));
        const kept = ctx.folders().filter((folder) => !removed.has(folder));
        const added = event.added.map((folder) => uriToPath(folder.uri)).filter((p): p is string => !!p);
        workspace.setFolders([...kept, ...added]);
        if (watcherKind === 'server') void startServerWatcher();
        void reindex();
      });
    }
    if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      // Not awaited: the editor's answer is not needed to start indexing; a refusal falls back to our own watcher.
      watcherKind = 'client';
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] }).catch(() => {
        watcherKind = 'none';
        void startServerWatcher();
      });
      await reindex();
    } else {
      // chokidar's first walk of the tree and the index run side by side: the index yields between
      // chunks, so the watcher is ready about when the index is, instead of the index waiting for it.
      await reindex(startServerWatcher());
    }
  });

  connection.onDidChangeConfiguration(async (change) => {
    const pushed = (change.settings as Record<string, unknown> | undefined)?.[settingsSection];
    if (capabilities.workspace?.configuration) await pullEditorSettings();
    else if (pushed !== undefined) workspace.setEditorSettings(pushed);
    void reindex();
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      const type = change.type === FileChangeType.Created ? 'created' : change.type === FileChangeType.Deleted ? 'deleted' : 'changed';
      batcher.add({ path: file, type } satisfies FileChange);
    }
  });

  documents.onDidOpen((event) => {
    const file = uriToPath(event.document.uri);
    if (!file) return;
    workspace.setOverlay(file, event.document.getText(), event.document.version);
    if (workspace.isOversized(file)) {
      client.showMessage('warning', `Tandem does not read ${path.basename(file)}: at ${event.document.getText().length} characters it is over the limit of ${workspace.settings(file).maxFileSize} (setting maxFileSize).`);
    }
    afterIndexChange([file]);
    diagnostics.opened(file);
  });
  documents.onDidChangeContent((event) => {
    const file = uriToPath(event.document.uri);
    if (!file) return;
    workspace.setOverlay(file, event.document.getText(), event.document.version);
    afterIndexChange([file]);
  });
  documents.onDidClose((event) => {
    const file = uriToPath(event.document.uri);
    if (!file) return;
    workspace.closeOverlay(file);
    afterIndexChange([file]);
    diagnostics.closed(file);
  });
  documents.onDidSave((event) => {
    const file = uriToPath(event.document.uri);
    if (!file) return;
    for (const hook of saveHooks) {
      try {
        hook(ctx, file);
      } catch (error) {
        client.log('error', `A save hook failed: ${errorDetail(error)}`);
      }
    }
  });
  documents.listen(connection);

  connection.onShutdown(async () => {
    indexCancel?.();
    batcher.dispose();
    diagnostics.dispose();
    await serverWatcher?.close();
  });

}
