/**
 * The VS Code extension: its pure logic (how the server is found, which settings are sent, the
 * view models), its manifest (every command, view and setting wired and consistent with the
 * server), its compilation against @types/vscode, and the protocol it uses, spoken to the built
 * server over stdio through vscode-languageserver-protocol (the library under
 * vscode-languageclient), with the answers fed through the same view models the tree views use.
 *
 * The extension's pure modules (launch.ts, settings.ts, models.ts) import nothing from `vscode`;
 * this test imports them by relative path, so the root build compiles them along with the test.
 */
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeLaunch, resolveServerLaunch, ServerNotFound, type LaunchInputs } from '../../clients/vscode/src/launch';
import { coverageNodes, isGap, locationLabel, requirementNodes, statusBarText, traceNodes, traceViewTarget, type ViewNode } from '../../clients/vscode/src/models';
import { declaredKeys, explicitSettings } from '../../clients/vscode/src/settings';
import { ServerInfoRequest } from '../../protocol/settings';
import {
  CoverageRequest,
  RequirementsRequest,
  TraceAtRequest,
  TraceRequest,
  type RequirementSummary,
  type RequirementTrace,
} from '../../protocol/trace';
import { coreSettingsDefaults, traceSettingsDefaults } from '../../server/src/workspace/config';
import { generationSettingsDefaults } from '../../server/src/generation/settings';
import { testingSettingsDefaults } from '../../server/src/testing/settings';
import { freshWorkspace, repoRoot } from './editors';
import { startSession, until, type ServerSession } from './protocol';
import { uriOf } from '../support/lsp';

const extensionRoot = path.join(repoRoot, 'clients', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8'));
const extensionSource = fs.readFileSync(path.join(extensionRoot, 'src', 'extension.ts'), 'utf8');
const bundledScript = path.join(repoRoot, 'server', 'bin', 'tandem-ls.js');

function launchInputs(overrides: Partial<LaunchInputs>): LaunchInputs {
  return { findOnPath: () => undefined, exists: () => false, platform: 'linux', ...overrides };
}

describe('VS Code extension: finding the server', () => {
  it('prefers the tandemServer.path setting, running a .js file as a module', () => {
    const launch = resolveServerLaunch(launchInputs({ configuredPath: '/opt/tandem/tandem-ls.js', exists: (file) => file === '/opt/tandem/tandem-ls.js', findOnPath: () => '/usr/bin/tandem-ls' }));
    assert.deepStrictEqual(launch, { kind: 'module', module: '/opt/tandem/tandem-ls.js', args: ['--stdio'], source: 'setting' });
  });

  it('runs a configured executable as a command, with the extra arguments after --stdio', () => {
    const launch = resolveServerLaunch(launchInputs({ configuredPath: 'my-tandem', configuredArgs: ['--clientProcessId=7'], findOnPath: (name) => (name === 'my-tandem' ? '/x/my-tandem' : undefined) }));
    assert.deepStrictEqual(launch, { kind: 'command', command: 'my-tandem', args: ['--stdio', '--clientProcessId=7'], source: 'setting' });
  });

  it('reports a configured path that does not exist', () => {
    assert.throws(() => resolveServerLaunch(launchInputs({ configuredPath: '/nowhere/tandem-ls' })), (error: Error) => error instanceof ServerNotFound && error.message.includes('/nowhere/tandem-ls'));
  });

  it('uses tandem-ls on PATH (tandem-ls.cmd on Windows) before the bundled server', () => {
    const seen: string[] = [];
    const findOnPath = (name: string) => (seen.push(name), `/bin/${name}`);
    assert.deepStrictEqual(resolveServerLaunch(launchInputs({ findOnPath, bundledScript, exists: () => true })), { kind: 'command', command: '/bin/tandem-ls', args: ['--stdio'], source: 'path' });
    resolveServerLaunch(launchInputs({ findOnPath, platform: 'win32' }));
    assert.deepStrictEqual(seen, ['tandem-ls', 'tandem-ls.cmd']);
  });

  it('falls back to the server beside the extension, and says how to install one when there is none', () => {
    const launch = resolveServerLaunch(launchInputs({ bundledScript, exists: fs.existsSync }));
    assert.deepStrictEqual(launch, { kind: 'module', module: bundledScript, args: ['--stdio'], source: 'bundled' });
    assert.match(describeLaunch(launch), /^node .*tandem-ls\.js --stdio \(from the extension\)$/);
    assert.throws(() => resolveServerLaunch(launchInputs({ bundledScript: '/missing.js' })), /npm link in a Tandem checkout.*tandemServer\.path/);
  });
});

describe('VS Code extension: settings sent to the server', () => {
  it('sends only what the user set, the most specific scope winning, nested by key', () => {
    const inspected: Record<string, object> = {
      'trace.idPattern': { globalValue: 'REQ-\\d+', workspaceValue: 'SRS-\\d+' },
      'trace.uncoveredSeverity': {},
      'generation.model': { globalValue: 'm1', workspaceValue: 'm2', workspaceFolderValue: 'm3' },
      exclude: { workspaceValue: [] },
    };
    const sent = explicitSettings(Object.keys(inspected), (key) => inspected[key]);
    assert.deepStrictEqual(sent, { trace: { idPattern: 'SRS-\\d+' }, generation: { model: 'm3' }, exclude: [] });
  });

  it('reads the keys of the tandem section from the manifest, not those of tandemServer', () => {
    const keys = declaredKeys(manifest.contributes.configuration.properties);
    assert.ok(keys.includes('trace.idPattern') && keys.includes('generation.apiKeyEnv'), `keys: ${keys.join(', ')}`);
    assert.ok(!keys.some((key) => key.startsWith('server') || key === 'path'), `no client-only key among ${keys.join(', ')}`);
  });

  it('declares the server defaults for every tandem.* setting', () => {
    const defaults: Record<string, unknown> = {
      ...coreSettingsDefaults,
      trace: traceSettingsDefaults,
      generation: generationSettingsDefaults,
      testing: testingSettingsDefaults,
    };
    for (const key of declaredKeys(manifest.contributes.configuration.properties)) {
      const serverDefault = key.split('.').reduce<any>((value, part) => value?.[part], defaults);
      assert.notStrictEqual(serverDefault, undefined, `the server has a setting ${key}`);
      assert.deepStrictEqual(manifest.contributes.configuration.properties[`tandem.${key}`].default, serverDefault, `default of tandem.${key}`);
    }
  });
});

const summary = (id: string, status: RequirementSummary['status'], defects: RequirementSummary['defects'] = []): RequirementSummary => ({
  id,
  title: `Title of ${id}`,
  format: 'markdown',
  artifactType: 'req',
  status,
  defects,
  implementations: status === 'unimplemented' ? 0 : 1,
  tests: status === 'covered' || status === 'verified' || status === 'failing' ? 1 : 0,
  location: { uri: 'file:///w/docs/req.md', range: { start: { line: 4, character: 3 }, end: { line: 4, character: 8 } } },
});

describe('VS Code extension: view models', () => {
  it('sends the trace lens to the Trace view, and every other command to the server', () => {
    assert.strictEqual(traceViewTarget('tandem.showTrace', ['CART-1']), 'CART-1');
    assert.strictEqual(traceViewTarget('tandem.runTests', [{ scope: 'all' }]), undefined);
    assert.strictEqual(traceViewTarget('tandem.showTrace', []), undefined);
  });

  it('labels requirement rows with status, title and defects, and an icon per status', () => {
    const nodes = requirementNodes([summary('R-1', 'verified'), summary('R-2', 'failing', ['duplicate'])]);
    assert.deepStrictEqual(
      nodes.map((node) => [node.label, node.description, node.icon, node.contextValue, node.requirementId]),
      [
        ['R-1', 'verified · Title of R-1', 'pass-filled', 'requirement', 'R-1'],
        ['R-2', 'failing · Title of R-2 · duplicate', 'error', 'requirement', 'R-2'],
      ],
    );
    assert.ok(!isGap(summary('R-1', 'covered')) && isGap(summary('R-2', 'covered', ['orphaned'])) && isGap(summary('R-3', 'untested')));
  });

  it('shows a trace as sections of places, with test results and defects', () => {
    const place = (line: number) => ({ uri: `file:///w/src/a%20b.ts`, range: { start: { line, character: 0 }, end: { line, character: 1 } } });
    const trace: RequirementTrace = {
      requirement: summary('R-2', 'failing'),
      text: 'The text.',
      acceptanceCriteria: [],
      needs: [],
      tags: [],
      depends: [],
      definitions: [place(1), place(9)],
      implementations: [{ location: place(3), kind: 'implements', symbol: 'parse', artifactType: 'impl' }],
      tests: [{ location: place(5), kind: 'verifies', testName: 'parses', artifactType: 'utest', result: { outcome: 'failed', at: '2026-01-01T00:00:00Z', stale: true, message: 'boom' } }],
      upstream: [],
      downstream: [{ id: 'R-9', title: 'Child', status: 'untested', suspect: true }],
      defects: [{ kind: 'duplicate', severity: 'error', message: 'R-2 is defined twice.', location: place(9) }],
    };
    const nodes = traceNodes(trace, ['file:///w']);
    const outline = (node: ViewNode): unknown => (node.children ? { [node.label]: node.children.map((child) => `${child.label} | ${child.description ?? ''}`) } : node.label);
    assert.deepStrictEqual(nodes.map(outline), [
      'R-2 Title of R-2',
      { 'Definitions (2, duplicated)': ['src/a b.ts:2 | ', 'src/a b.ts:10 | '] },
      { 'Implementations (1)': ['parse | src/a b.ts:4'] },
      { 'Tests (1)': ['parses | src/a b.ts:6 · failed, stale'] },
      { 'Linked requirements (1)': ['R-9 | downstream · untested · suspect · Child'] },
      { 'Defects (1)': ['duplicate | R-2 is defined twice.'] },
    ]);
    assert.strictEqual(nodes[3].children![0].icon, 'error');
    assert.strictEqual(locationLabel(place(0), ['file:///elsewhere']), '/w/src/a b.ts:1');
  });

  it('summarises coverage in the view and the status bar', () => {
    const coverage = {
      total: 4,
      byStatus: { unimplemented: 1, untested: 1, failing: 0, covered: 1, verified: 1 },
      byArtifactType: { feat: { total: 1, byStatus: { unimplemented: 0, untested: 0, failing: 0, covered: 1, verified: 0 } }, req: { total: 3, byStatus: { unimplemented: 1, untested: 1, failing: 0, covered: 0, verified: 1 } } },
      defective: 1,
      unknownIdTags: 2,
      coveredRatio: 0.5,
    };
    const nodes = coverageNodes(coverage);
    assert.deepStrictEqual(nodes.slice(0, 2).map((node) => `${node.label}: ${node.description}`), ['4 requirements: 50% covered', 'unimplemented: 1']);
    assert.deepStrictEqual(nodes.find((node) => node.id === 'coverage:types')!.children!.map((node) => node.label), ['feat', 'req']);
    assert.deepStrictEqual(statusBarText(coverage, 'running').text, '$(checklist) 50% $(warning) 2');
    assert.match(statusBarText(undefined, 'stopped').tooltip, /not running/);
  });
});

describe('VS Code extension: manifest', () => {
  const commands: string[] = manifest.contributes.commands.map((command: { command: string }) => command.command);

  it('registers every contributed command, and contributes every registered one', () => {
    const registered = [...extensionSource.matchAll(/registerCommand\('([^']+)'/g)].map((match) => match[1]);
    assert.deepStrictEqual([...registered].sort(), [...commands].sort());
  });

  it('refers only to contributed commands in menus, and fills every contributed view', () => {
    for (const [menu, entries] of Object.entries<any[]>(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok(commands.includes(entry.command), `${menu} refers to ${entry.command}, which is not contributed`);
    }
    for (const view of manifest.contributes.views.tandem) {
      assert.ok(extensionSource.includes(`createTreeView('${view.id}'`), `a tree view is created for ${view.id}`);
    }
  });

  it('targets the VS Code release its @types/vscode describes', function () {
    const typesManifest = path.join(extensionRoot, 'node_modules', '@types', 'vscode', 'package.json');
    if (!fs.existsSync(typesManifest)) return skipOrFail(this, 'clients/vscode dependencies not installed (run npm ci in clients/vscode)');
    const typesVersion: string = JSON.parse(fs.readFileSync(typesManifest, 'utf8')).version;
    assert.strictEqual(manifest.engines.vscode, `^${typesVersion}`);
    assert.strictEqual(manifest.devDependencies['@types/vscode'], typesVersion);
  });

  it('compiles against @types/vscode and vscode-languageclient', function () {
    this.timeout(60000);
    const tsc = path.join(extensionRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    if (!fs.existsSync(tsc)) return skipOrFail(this, 'clients/vscode dependencies not installed (run npm ci in clients/vscode)');
    const result = spawnSync(process.execPath, [tsc, '-p', extensionRoot, '--noEmit'], { encoding: 'utf8', timeout: 50000 });
    assert.strictEqual(result.status, 0, `tsc -p clients/vscode failed:\n${result.stdout}${result.stderr}`);
  });
});

function skipOrFail(context: Mocha.Context, reason: string): void {
  if (process.env.CI) throw new Error(`${reason}, and CI must run this test`);
  if (context.test) context.test.title += ` (skipped: ${reason})`;
  context.skip();
}

describe('VS Code extension: its protocol against the built server over stdio', function () {
  this.timeout(60000);
  let session: ServerSession;
  let root: string;

  before(async () => {
    ({ root } = freshWorkspace());
    // tandem.json says "information"; the editor declares "warning" as a default, which must not be sent.
    fs.writeFileSync(path.join(root, 'tandem.json'), JSON.stringify({ trace: { uncoveredSeverity: 'information' } }));
    const launch = resolveServerLaunch({ findOnPath: () => undefined, bundledScript, exists: fs.existsSync, platform: process.platform });
    assert.strictEqual(launch.kind, 'module');
    if (launch.kind !== 'module') return;
    const declared = declaredKeys(manifest.contributes.configuration.properties);
    const userSet: Record<string, object> = { 'generation.model': { globalValue: 'local-model' } };
    const editorSettings = () => explicitSettings(declared, (key) => userSet[key] ?? {});
    session = await startSession(process.execPath, [launch.module, ...launch.args], {
      root,
      initializationOptions: { tandem: editorSettings() },
      configuration: (section) => (section === 'tandem' ? editorSettings() : null),
    });
  });

  after(async () => {
    await session?.close();
  });

  it('names no extension command the server registers itself (vscode-languageclient registers those)', () => {
    const serverCommands: string[] = session.initializeResult.capabilities.executeCommandProvider.commands;
    assert.ok(serverCommands.includes('tandem.showTrace'), `server commands: ${serverCommands.join(', ')}`);
    for (const command of manifest.contributes.commands) assert.ok(!serverCommands.includes(command.command), `${command.command} collides with a server command`);
  });

  it('fills the requirements tree, all and gaps only', async () => {
    const all = await session.connection.sendRequest(RequirementsRequest.type, { gapsOnly: false });
    assert.deepStrictEqual(requirementNodes(all.requirements).map((node) => `${node.label} ${node.icon}`), ['CART-1 pass', 'CART-2 warning', 'CART-3 circle-outline']);
    const gaps = await session.connection.sendRequest(RequirementsRequest.type, { gapsOnly: true });
    assert.deepStrictEqual(gaps.requirements.map((requirement) => requirement.id), all.requirements.filter(isGap).map((requirement) => requirement.id));
  });

  it('fills the trace view of a requirement, and of the requirement at the cursor', async () => {
    const trace = await session.connection.sendRequest(TraceRequest.type, { id: 'CART-1' });
    assert.ok(trace, 'CART-1 has a trace');
    const sections = traceNodes(trace, [uriOf(root)]);
    assert.deepStrictEqual(sections.slice(1, 4).map((node) => node.children!.map((child) => child.location && locationLabel(child.location, [uriOf(root)]))), [
      ['docs/requirements.md:3'],
      ['src/cart.js:9'],
      ['test/cart.test.js:6'],
    ]);
    const source = path.join(root, 'src', 'cart.js');
    const text = fs.readFileSync(source, 'utf8');
    const offset = text.indexOf('CART-2');
    const line = text.slice(0, offset).split('\n').length - 1;
    const character = offset - (text.lastIndexOf('\n', offset) + 1);
    const at = await session.connection.sendRequest(TraceAtRequest.type, { textDocument: { uri: uriOf(source) }, position: { line, character } });
    assert.deepStrictEqual(at.requirements.map((requirement) => requirement.id), ['CART-2']);
    assert.strictEqual(await session.connection.sendRequest(TraceRequest.type, { id: 'NOPE-1' }), null);
  });

  it('fills the coverage view and the status bar', async () => {
    const coverage = await session.connection.sendRequest(CoverageRequest.type, {});
    assert.deepStrictEqual(coverageNodes(coverage).slice(0, 6).map((node) => `${node.label}=${node.description}`), [
      '3 requirements=33% covered',
      'unimplemented=1',
      'untested=1',
      'failing=0',
      'covered=1',
      'verified=0',
    ]);
    assert.strictEqual(statusBarText(coverage, 'running').text, '$(checklist) 33% $(warning) 2');
    const info = await session.connection.sendRequest(ServerInfoRequest.type);
    assert.deepStrictEqual(info.folders, [uriOf(root)]);
  });

  it('keeps tandem.json in force: the declared defaults are not sent', async () => {
    const requirementsUri = uriOf(path.join(root, 'docs', 'requirements.md'));
    await until('diagnostics on docs/requirements.md', 10000, () => (session.diagnostics.get(requirementsUri) ?? []).length > 0);
    const severities = session.diagnostics.get(requirementsUri)!.map((diagnostic) => diagnostic.severity);
    assert.deepStrictEqual([...new Set(severities)], [3], `information (3) from tandem.json, got ${JSON.stringify(session.diagnostics.get(requirementsUri))}`);
  });

  it('refreshes on tandem/traceDidChange after an edit', async () => {
    const source = path.join(root, 'src', 'cart.js');
    const text = fs.readFileSync(source, 'utf8');
    const before = session.traceChanges.length;
    await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(source), languageId: 'javascript', version: 1, text } });
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uriOf(source), version: 2 },
      contentChanges: [{ text: text.replace('  remove(name) {', '  // @implements CART-3\n  remove(name) {') }],
    });
    await until('tandem/traceDidChange after the edit', 5000, () => session.traceChanges.length > before);
    const all = await session.connection.sendRequest(RequirementsRequest.type, {});
    assert.deepStrictEqual(requirementNodes(all.requirements).find((node) => node.label === 'CART-3')?.description, 'untested · Remove an item');
  });
});
