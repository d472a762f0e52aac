/**
 * Test support: fixture workspaces, and the built server started over stdio the way an editor
 * starts it (the client itself is server/src/cli/lspClient.ts, shared with `tandem demo`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient, uriOf } from '../../server/src/cli/lspClient';
import { PositionChecker } from './positions';

export { LspClient, uriOf };

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const serverBin = path.join(repoRoot, 'server', 'bin', 'tandem-ls.js');
export const cliBin = path.join(repoRoot, 'server', 'bin', 'tandem.js');

/** Copies a fixture folder (under test/fixtures) to a fresh temp folder and returns its path. */
export function copyFixture(relative: string): string {
  const source = path.join(repoRoot, 'test', 'fixtures', relative);
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  fs.cpSync(source, target, { recursive: true });
  return fs.realpathSync(target);
}

/** Writes a workspace from a map of relative path → content into a fresh temp folder. */
export function writeWorkspace(files: Record<string, string | Buffer>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-ws-')));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/** A client capability set like a full-featured editor's. */
export function fullCapabilities(): Record<string, unknown> {
  return {
    workspace: {
      applyEdit: true,
      workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], changeAnnotationSupport: { groupsOnLabel: true } },
      configuration: true,
      workspaceFolders: true,
      didChangeWatchedFiles: { dynamicRegistration: true },
      didChangeConfiguration: { dynamicRegistration: true },
      codeLens: { refreshSupport: true },
      executeCommand: {},
    },
    textDocument: {
      synchronization: { didSave: true },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      completion: { completionItem: { snippetSupport: false } },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } },
      publishDiagnostics: { relatedInformation: true },
    },
    window: { workDoneProgress: true },
  };
}

/** A minimal client: no dynamic registration, no progress, no configuration (like an old editor). */
export function minimalCapabilities(): Record<string, unknown> {
  return { workspace: { applyEdit: true }, textDocument: {} };
}

export interface StartOptions {
  capabilities?: Record<string, unknown>;
  initializationOptions?: unknown;
  /** What `workspace/configuration` answers for the `tandem` section. */
  configuration?: unknown;
  env?: NodeJS.ProcessEnv;
  /** Extra workspace folders (multi-root). */
  folders?: string[];
  /** Server requests the client never answers (a slow or broken editor). */
  unanswered?: string[];
  /** Wait for the first full index to finish (default true). */
  waitForIndex?: boolean;
  args?: string[];
}

/**
 * Watches every position the server sends (see `PositionChecker`): a response with a position
 * outside its document fails its request, and `shutdown` fails when a notification had one.
 */
export function checkedClient(client: LspClient): LspClient {
  client.inspector = new PositionChecker();
  const shutdown = client.shutdown.bind(client);
  client.shutdown = async () => {
    await shutdown();
    if (client.violations.length > 0) throw new Error(`The server sent positions outside their documents:\n${client.violations.slice(0, 10).join('\n')}`);
  };
  return client;
}

/**
 * Starts the server on a workspace folder, initializes it like an editor, and (by default) waits
 * for the first full index, signalled by the "Indexed N files" log line.
 */
export async function startServer(root: string, options: StartOptions = {}): Promise<LspClient> {
  const client = checkedClient(new LspClient(serverBin, options.args ?? ['--stdio'], options.env));
  client.configuration = options.configuration;
  for (const method of options.unanswered ?? []) client.unanswered.add(method);
  const folders = [root, ...(options.folders ?? [])];
  const indexed = client.waitFor(
    (m) => m.method === 'window/logMessage' && /^Indexed \d+ files/.test(m.params.message),
    'the first full index',
    30000,
  );
  client.initializeResult = await client.request('initialize', {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: folders.map((folder) => ({ uri: uriOf(folder), name: path.basename(folder) })),
    capabilities: options.capabilities ?? fullCapabilities(),
    initializationOptions: options.initializationOptions,
  });
  client.notify('initialized', {});
  if (options.waitForIndex !== false) await indexed;
  else indexed.catch(() => undefined);
  return client;
}
