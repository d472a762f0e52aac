/**
 * The Tandem extension for VS Code: starts the server with vscode-languageclient (which brings
 * diagnostics, hover, code actions, code lenses, progress and the server's own commands), and
 * adds what standard LSP has no place for: the requirements tree, the trace of one requirement,
 * the coverage summary and a status bar entry, all refreshed on `tandem/traceDidChange`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { generationCommands, type GenerateArguments, type GenerationReport } from '../../../protocol/generation';
import { ServerInfoRequest, settingsSection } from '../../../protocol/settings';
import type { RunTestsParams, RunTestsResult } from '../../../protocol/testing';
import {
  CoverageRequest,
  RequirementsRequest,
  TraceAtRequest,
  TraceDidChangeNotification,
  TraceRequest,
  type CoverageResult,
  type RequirementSummary,
} from '../../../protocol/trace';
import { describeLaunch, resolveServerLaunch, ServerNotFound, type ServerLaunch } from './launch';
import { coverageNodes, requirementNodes, statusBarText, traceNodes, traceViewTarget, type ViewNode } from './models';
import { declaredKeys, explicitSettings } from './settings';

/** The section of the extension's own settings (how to start the server, LSP tracing). */
const clientSection = 'tandemServer';

/** A tree view over `ViewNode`s whose roots come from a loader. */
class NodeTree implements vscode.TreeDataProvider<ViewNode> {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: ViewNode[] = [];

  constructor(private readonly load: () => Promise<ViewNode[]>) {}

  async refresh(): Promise<void> {
    try {
      this.roots = await this.load();
    } catch (error) {
      this.roots = [{ id: 'error', label: 'Tandem could not fill this view', description: (error as Error).message, icon: 'error' }];
    }
    this.changed.fire(undefined);
  }

  getChildren(node?: ViewNode): ViewNode[] {
    return node ? (node.children ?? []) : this.roots;
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const state = node.children
      ? node.collapsed
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon, node.iconColor ? new vscode.ThemeColor(node.iconColor) : undefined);
    if (node.contextValue === 'requirement' && node.requirementId && !node.id.startsWith('trace:')) {
      item.command = { title: 'Show trace', command: 'tandemUi.showTrace', arguments: [node.requirementId] };
    } else if (node.location) {
      const start = new vscode.Position(node.location.range.start.line, node.location.range.start.character);
      item.command = {
        title: 'Open',
        command: 'vscode.open',
        arguments: [vscode.Uri.parse(node.location.uri), { selection: new vscode.Range(start, start) } satisfies vscode.TextDocumentShowOptions],
      };
    }
    return item;
  }
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Tandem', { log: true });
  context.subscriptions.push(output);
  let gapsOnly = false;
  let traceId: string | undefined;
  let coverage: CoverageResult | undefined;

  const folderUris = (): string[] => (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString());
  const running = (): LanguageClient | undefined => (client && client.state === State.Running ? client : undefined);

  const requirementsTree = new NodeTree(async () => {
    const c = running();
    if (!c) return [];
    const result = await c.sendRequest(RequirementsRequest.type, { gapsOnly });
    return requirementNodes(result.requirements);
  });
  const traceTree = new NodeTree(async () => {
    const c = running();
    if (!c || !traceId) return [];
    const trace = await c.sendRequest(TraceRequest.type, { id: traceId });
    return trace ? traceNodes(trace, folderUris()) : [{ id: 'missing', label: `No requirement has the ID ${traceId}`, icon: 'question' }];
  });
  const coverageTree = new NodeTree(async () => {
    const c = running();
    coverage = c ? await c.sendRequest(CoverageRequest.type, {}) : undefined;
    updateStatusBar();
    return coverage ? coverageNodes(coverage) : [];
  });

  const statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  statusBar.command = 'tandem.coverage.focus';
  statusBar.show();
  context.subscriptions.push(statusBar);
  const updateStatusBar = (): void => {
    const state = client?.state === State.Running ? 'running' : client?.state === State.Starting ? 'starting' : 'stopped';
    const shown = statusBarText(coverage, state);
    statusBar.text = shown.text;
    statusBar.tooltip = shown.tooltip;
  };

  const refreshAll = async (): Promise<void> => {
    await Promise.all([requirementsTree.refresh(), traceTree.refresh(), coverageTree.refresh()]);
  };

  context.subscriptions.push(
    vscode.window.createTreeView('tandem.requirements', { treeDataProvider: requirementsTree, showCollapseAll: false }),
    vscode.window.createTreeView('tandem.trace', { treeDataProvider: traceTree }),
    vscode.window.createTreeView('tandem.coverage', { treeDataProvider: coverageTree }),
  );

  /** The requirement a command acts on: its argument (an ID or a tree row), the one at the cursor, or one picked. */
  const pickRequirement = async (argument: unknown, prompt: string): Promise<string | undefined> => {
    if (typeof argument === 'string' && argument) return argument;
    if (argument && typeof argument === 'object' && 'requirementId' in argument) return (argument as ViewNode).requirementId;
    const c = running();
    if (!c) {
      void vscode.window.showWarningMessage('The Tandem server is not running.');
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const at = await c.sendRequest(TraceAtRequest.type, {
        textDocument: { uri: editor.document.uri.toString() },
        position: { line: editor.selection.active.line, character: editor.selection.active.character },
      });
      if (at.requirements.length === 1) return at.requirements[0].id;
      if (at.requirements.length > 1) return pickFrom(at.requirements, prompt);
    }
    return pickFrom((await c.sendRequest(RequirementsRequest.type, {})).requirements, prompt);
  };
  const pickFrom = async (requirements: RequirementSummary[], prompt: string): Promise<string | undefined> => {
    const picked = await vscode.window.showQuickPick(
      requirements.map((summary) => ({ label: summary.id, description: summary.status, detail: summary.title })),
      { placeHolder: prompt, matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.label;
  };

  const setGapsOnly = async (value: boolean): Promise<void> => {
    gapsOnly = value;
    await vscode.commands.executeCommand('setContext', 'tandem.gapsOnly', value);
    await requirementsTree.refresh();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('tandemUi.refresh', refreshAll),
    vscode.commands.registerCommand('tandemUi.showGaps', () => setGapsOnly(true)),
    vscode.commands.registerCommand('tandemUi.showAll', () => setGapsOnly(false)),
    vscode.commands.registerCommand('tandemUi.showTrace', async (argument?: unknown) => {
      const id = await pickRequirement(argument, 'Trace of which requirement?');
      if (!id) return;
      traceId = id;
      await traceTree.refresh();
      await vscode.commands.executeCommand('tandem.trace.focus');
    }),
    vscode.commands.registerCommand('tandemUi.coverage', async () => {
      await coverageTree.refresh();
      await vscode.commands.executeCommand('tandem.coverage.focus');
    }),
    vscode.commands.registerCommand('tandemUi.generate', async (argument?: unknown) => {
      const c = running();
      const id = await pickRequirement(argument, 'Generate implementation and tests for which requirement?');
      if (!c || !id) return;
      const args: GenerateArguments = { kind: 'requirement', requirementId: id };
      // The server answers at once; the edit follows, and the server says how the run ended.
      const report = (await c.sendRequest('workspace/executeCommand', { command: generationCommands.generate, arguments: [args] })) as GenerationReport | null;
      if (report) void vscode.window.setStatusBarMessage(`Tandem: ${report.title}: ${report.message}`, 5000);
    }),
    vscode.commands.registerCommand('tandemUi.runTests', async (argument?: unknown) => {
      const c = running();
      if (!c) return;
      const id = typeof argument === 'string' ? argument : (argument as ViewNode | undefined)?.requirementId;
      const params: RunTestsParams = id ? { scope: 'requirement', id } : { scope: 'all' };
      const result = (await c.sendRequest('workspace/executeCommand', { command: 'tandem.runTests', arguments: [params] })) as RunTestsResult | null;
      if (result) {
        const { passed, failed, skipped, errored } = result.counts;
        void vscode.window.showInformationMessage(`Tandem: tests ${result.state}: ${passed} passed, ${failed} failed, ${errored} errored, ${skipped} skipped.`);
      }
    }),
    vscode.commands.registerCommand('tandemUi.restart', async () => {
      await stopClient();
      await startClient();
    }),
    vscode.commands.registerCommand('tandemUi.serverInfo', async () => {
      const c = running();
      if (!c) return void vscode.window.showWarningMessage('The Tandem server is not running.');
      const info = await c.sendRequest(ServerInfoRequest.type);
      void vscode.window.showInformationMessage(
        `Tandem ${info.version}: ${info.files} files${info.indexing ? ' (indexing)' : ''}, watcher: ${info.watcher}, folders: ${info.folders.join(', ')}`,
      );
    }),
  );

  const settingKeys = declaredKeys((context.extension.packageJSON as { contributes: { configuration: { properties: Record<string, unknown> } } }).contributes.configuration.properties);
  const userSettings = (scope?: vscode.Uri): Record<string, unknown> => {
    const configuration = vscode.workspace.getConfiguration(settingsSection, scope);
    return explicitSettings(settingKeys, (key) => configuration.inspect(key));
  };

  const serverOptions = (launch: ServerLaunch): ServerOptions => {
    if (launch.kind === 'module') {
      // vscode-languageclient adds --stdio itself for the stdio transport.
      const args = launch.args.filter((arg) => arg !== '--stdio');
      return { module: launch.module, args, transport: TransportKind.stdio };
    }
    return { command: launch.command, args: launch.args };
  };

  async function startClient(): Promise<void> {
    const settings = vscode.workspace.getConfiguration(clientSection);
    let launch: ServerLaunch;
    try {
      launch = resolveServerLaunch({
        configuredPath: settings.get<string>('path'),
        configuredArgs: settings.get<string[]>('args'),
        findOnPath,
        bundledScript: path.resolve(context.extensionPath, '..', '..', 'server', 'bin', 'tandem-ls.js'),
        exists: (file) => fs.existsSync(file),
        platform: process.platform,
      });
    } catch (error) {
      if (!(error instanceof ServerNotFound)) throw error;
      output.error(error.message);
      void vscode.window.showErrorMessage(error.message, 'Open settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', `${clientSection}.path`);
      });
      updateStatusBar();
      return;
    }
    output.info(`Starting ${describeLaunch(launch)}`);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: output,
      initializationOptions: { [settingsSection]: userSettings() },
      middleware: {
        // The trace lens focuses the Trace view on its requirement rather than showing a message.
        executeCommand: async (command, args, next) => {
          const id = traceViewTarget(command, args);
          if (id) return vscode.commands.executeCommand('tandemUi.showTrace', id);
          return next(command, args);
        },
        workspace: {
          // Only what the user set, so that tandem.json is not overridden by VS Code's defaults.
          configuration: (params) =>
            params.items.map((item) => (item.section === settingsSection ? userSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : null)),
        },
      },
    };
    client = new LanguageClient(clientSection, 'Tandem', serverOptions(launch), clientOptions);
    client.onDidChangeState(() => updateStatusBar());
    updateStatusBar();
    try {
      await client.start();
    } catch (error) {
      output.error(`The server did not start: ${(error as Error).message}`);
      updateStatusBar();
      return;
    }
    client.onNotification(TraceDidChangeNotification.type, () => void refreshAll());
    await refreshAll();
  }

  async function stopClient(): Promise<void> {
    const stopping = client;
    client = undefined;
    if (stopping) await stopping.stop().catch(() => undefined);
    updateStatusBar();
  }

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Changes of the `tandem` section reach the server through the client's own configuration
      // sync (the server registers for it); only how the server is started needs a restart.
      if (event.affectsConfiguration(clientSection)) void vscode.commands.executeCommand('tandemUi.restart');
    }),
    { dispose: () => void stopClient() },
  );
  await vscode.commands.executeCommand('setContext', 'tandem.gapsOnly', false);
  await startClient();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/** The full path of an executable on PATH (with the Windows extensions), or undefined. */
function findOnPath(name: string): string | undefined {
  if (path.isAbsolute(name)) return fs.existsSync(name) ? name : undefined;
  const extensions = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD').split(';')] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const extension of extensions) {
      const candidate = path.join(dir, name + extension);
      if (dir && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
  }
  return undefined;
}
