/**
 * `tandem demo`: starts the real language server over stdio on a workspace (by default a copy of
 * the bundled `examples/`), talks to it as an editor does, and prints what the editor would show.
 * Nothing in the original folder is changed: the demo works on a temporary copy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient, uriOf } from './lspClient';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const serverBin = path.join(repoRoot, 'server', 'bin', 'tandem-ls.js');

const severityNames = ['', 'error', 'warning', 'info', 'hint'];

function heading(title: string): void {
  process.stdout.write(`\n== ${title} ${'='.repeat(Math.max(0, 76 - title.length))}\n`);
}

function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function capabilities(): Record<string, unknown> {
  return {
    workspace: { applyEdit: true, configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true }, workspaceEdit: { documentChanges: true, resourceOperations: ['create'], changeAnnotationSupport: {} } },
    textDocument: { hover: { contentFormat: ['markdown'] }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } } },
    window: { workDoneProgress: true },
  };
}

/** Runs the demo; returns the process exit code. */
export async function runDemo(folder?: string): Promise<number> {
  const source = path.resolve(folder ?? path.join(repoRoot, 'examples'));
  if (!fs.existsSync(source)) {
    process.stderr.write(`tandem demo: ${source} does not exist\n`);
    return 2;
  }
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-demo-')));
  fs.cpSync(source, root, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
  const rel = (uri: string) => path.relative(root, new URL(uri).pathname) || '.';

  const started = performance.now();
  const client = new LspClient(serverBin, ['--stdio']);
  try {
    const indexed = client.waitFor((m) => m.method === 'window/logMessage' && /^Indexed \d+ files/.test(m.params.message), 'the first index', 30000);
    const init = await client.request('initialize', {
      processId: process.pid,
      rootUri: uriOf(root),
      workspaceFolders: [{ uri: uriOf(root), name: path.basename(source) }],
      capabilities: capabilities(),
    });
    client.notify('initialized', {});
    const indexMessage = await indexed;
    heading(`Tandem ${init.serverInfo?.version ?? ''} on ${source}`);
    line(`Server started and indexed the workspace in ${Math.round(performance.now() - started)} ms (${indexMessage.params.message})`);
    line(`Commands the editor can run: ${(init.capabilities.executeCommandProvider?.commands ?? []).join(', ')}`);
    // Let debounced diagnostics arrive.
    await new Promise((resolve) => setTimeout(resolve, 600));

    const coverage = await client.request('tandem/coverage', {});
    heading('Coverage (tandem/coverage)');
    line(`${coverage.total} requirements: ${Object.entries(coverage.byStatus).map(([status, count]) => `${count} ${status}`).join(', ')}`);
    line(`${Math.round(coverage.coveredRatio * 100)}% covered · ${coverage.defective} with defects · ${coverage.unknownIdTags} tags naming unknown IDs`);
    for (const [type, counts] of Object.entries<any>(coverage.byArtifactType)) {
      line(`  ${type.padEnd(6)} ${String(counts.total).padStart(3)} · ${Object.entries(counts.byStatus).filter(([, n]) => n).map(([s, n]) => `${n} ${s}`).join(', ')}`);
    }

    const { requirements } = await client.request('tandem/requirements', {});
    heading('Requirements (tandem/requirements)');
    for (const r of requirements) {
      const defects = r.defects.length ? `  [${r.defects.join(', ')}]` : '';
      line(`${r.status.padEnd(14)} ${r.id.padEnd(28)} ${String(r.implementations).padStart(2)} impl ${String(r.tests).padStart(2)} tests  ${r.title}${defects}`);
    }

    heading('Diagnostics (textDocument/publishDiagnostics)');
    const published = [...client.diagnostics.entries()].filter(([, list]) => list.length > 0).sort(([a], [b]) => a.localeCompare(b));
    if (published.length === 0) line('none');
    for (const [uri, list] of published) {
      line(rel(uri));
      for (const d of [...list].sort((a, b) => a.range.start.line - b.range.start.line)) {
        line(`  ${d.range.start.line + 1}:${d.range.start.character + 1}  ${severityNames[d.severity ?? 1]}  ${d.message}${d.code ? `  (${d.code})` : ''}`);
      }
    }

    const requirementsFile = path.join(root, 'requirements', 'orders.md');
    if (fs.existsSync(requirementsFile)) {
      heading('Code lenses in requirements/orders.md (textDocument/codeLens)');
      const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: uriOf(requirementsFile) } });
      for (const lens of lenses) line(`  line ${lens.range.start.line + 1}: ${lens.command?.title ?? '(unresolved)'}`);
    }

    const sourceFile = path.join(root, 'src', 'orders.js');
    if (fs.existsSync(sourceFile)) {
      const text = fs.readFileSync(sourceFile, 'utf8');
      const at = text.indexOf('ORD-2');
      if (at >= 0) {
        const before = text.slice(0, at);
        const position = { line: before.split('\n').length - 1, character: at - before.lastIndexOf('\n') - 1 + 1 };
        heading('Hover on ORD-2 in src/orders.js (textDocument/hover)');
        const hover = await client.request('textDocument/hover', { textDocument: { uri: uriOf(sourceFile) }, position });
        line(hover?.contents?.value ?? '(nothing)');
        heading('References to ORD-2 (textDocument/references)');
        const refs = await client.request('textDocument/references', { textDocument: { uri: uriOf(sourceFile) }, position, context: { includeDeclaration: true } });
        for (const ref of refs) line(`  ${rel(ref.uri)}:${ref.range.start.line + 1}`);
      }
    }

    const first = requirements.find((r: any) => r.implementations > 0 && r.tests > 0) ?? requirements[0];
    if (first) {
      heading(`Trace of ${first.id} (tandem/trace)`);
      const t = await client.request('tandem/trace', { id: first.id });
      line(`${t.requirement.id}: ${t.requirement.title} — ${t.requirement.status}`);
      line(`  defined at      ${t.definitions.map((d: any) => `${rel(d.uri)}:${d.range.start.line + 1}`).join(', ')}`);
      for (const link of t.implementations) line(`  implemented by  ${link.symbol ?? '?'} (${rel(link.location.uri)}:${link.location.range.start.line + 1})`);
      for (const link of t.tests) line(`  verified by     ${link.testName ?? link.symbol ?? '?'} (${rel(link.location.uri)}:${link.location.range.start.line + 1})`);
      for (const up of t.upstream) line(`  covers          ${up.id} (${up.status})`);
      for (const down of t.downstream) line(`  covered by      ${down.id} (${down.status})`);
    }

    heading('Code actions offered at each trace diagnostic (textDocument/codeAction)');
    let offered = 0;
    for (const [uri, list] of published) {
      // Testability findings and their fixes get their own section below.
      for (const d of list.filter((diagnostic) => !diagnostic.data?.testability)) {
        const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
        for (const action of actions) {
          offered++;
          line(`  ${rel(uri)}:${d.range.start.line + 1}  ${action.title}${action.kind ? `  (${action.kind})` : ''}`);
        }
      }
    }
    if (offered === 0) line('none');

    const idsFile = path.join(root, 'src', 'ids.js');
    if (fs.existsSync(idsFile)) {
      heading('Testability, as you type: src/ids.js opened (textDocument/publishDiagnostics)');
      client.open(idsFile);
      const found = await client
        .waitForDiagnostics(uriOf(idsFile), (list) => list.some((d) => d.code !== 'unknown-id' && d.code !== 'uncovered'), 10000)
        .catch(() => client.diagnostics.get(uriOf(idsFile)) ?? []);
      for (const d of [...found].sort((a, b) => a.range.start.line - b.range.start.line)) {
        line(`  ${d.range.start.line + 1}:${d.range.start.character + 1}  ${severityNames[d.severity ?? 1]}  ${d.message}${d.code ? `  (${d.code})` : ''}`);
        const actions = await client.request('textDocument/codeAction', { textDocument: { uri: uriOf(idsFile) }, range: d.range, context: { diagnostics: [d] } });
        for (const action of actions) line(`        fix: ${action.title}`);
      }
      client.close(idsFile);
    }

    heading('Test runs (tandem/runTests, scope "all")');
    const run = await client.request('tandem/runTests', { scope: 'all' }, 120000);
    line(`${run.state}: ${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.skipped} skipped, ${run.counts.errored} errored in ${Math.round(run.durationMs)} ms`);
    for (const problem of run.problems ?? []) line(`  problem: ${problem.message}`);
    const afterRun = await client.request('tandem/coverage', {});
    line(`Coverage now: ${Object.entries(afterRun.byStatus).map(([status, count]) => `${count} ${status}`).join(', ')}`);

    heading('Implement ORD-7 with tests, offline (workspace/executeCommand tandem.generate)');
    const report = await client.generate({ kind: 'requirement', requirementId: 'ORD-7' }, 120000);
    line(`${report?.status ?? 'no report'} via ${report?.provider ?? '?'}: ${report?.message ?? ''}`);
    const applied = client.serverRequests.filter((m) => m.method === 'workspace/applyEdit');
    for (const request of applied) {
      line(`The editor is asked to apply "${request.params.label}":`);
      for (const change of request.params.edit.documentChanges ?? []) {
        if (change.kind) {
          line(`  ${change.kind} ${rel(change.uri)}`);
          continue;
        }
        for (const edit of change.edits) {
          line(`  edit ${rel(change.textDocument.uri)}:${edit.range.start.line + 1}${edit.annotationId ? `  [${request.params.edit.changeAnnotations?.[edit.annotationId]?.label ?? edit.annotationId}]` : ''}`);
          for (const text of edit.newText.split('\n').slice(0, 14)) line(`    | ${text}`);
          if (edit.newText.split('\n').length > 14) line('    | …');
        }
      }
    }
    if (applied.length === 0) line('No edit was sent.');

    if (fs.existsSync(sourceFile)) {
      heading('An unsaved edit: ORD-5 gets an implementation tag (textDocument/didChange)');
      const text = fs.readFileSync(sourceFile, 'utf8');
      client.open(sourceFile, text);
      const changed = client.waitForNotification('tandem/traceDidChange', () => true, 5000).catch(() => undefined);
      client.change(sourceFile, `${text}\n/** @implements ORD-5 */\nfunction uniqueId() { return 'x'; }\n`, 2);
      await changed;
      const after = await client.request('tandem/trace', { id: 'ORD-5' });
      line(after ? `ORD-5 is now ${after.requirement.status} (${after.requirement.implementations} impl, ${after.requirement.tests} tests) — nothing was written to disk.` : 'ORD-5 is not defined.');
    }
    await client.shutdown();
    line();
    return 0;
  } catch (error) {
    process.stderr.write(`tandem demo: ${(error as Error).message}\n`);
    if (client.stderr) process.stderr.write(client.stderr.slice(-2000));
    client.child.kill('SIGKILL');
    return 1;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
