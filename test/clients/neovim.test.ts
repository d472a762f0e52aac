/**
 * The Neovim client, end to end: headless Neovim (Debian's 0.7.2 here, any later release too) with
 * clients/neovim on its runtime path starts the built server on the fixture workspace, shows its
 * diagnostics, fills the quickfix list, the location list and the coverage buffer through the
 * user commands, refreshes them after an edit, and restarts the server. Each view is compared
 * with what the server answers directly.
 */
import * as assert from 'node:assert';
import * as path from 'node:path';
import { freshWorkspace, readResults, repoRoot, requireEditor, run, serverTruth, type ServerTruth } from './editors';

const pluginRoot = path.join(repoRoot, 'clients', 'neovim');
const script = path.join(repoRoot, 'test', 'clients', 'neovim', 'e2e.lua');

/** `CART-1 [covered] Title (impl 1, tests 1)` → id and status. */
function parseRow(text: string): { id: string; status: string } {
  const match = /^(\S+) \[(\w+)\]/.exec(text);
  assert.ok(match, `a quickfix row starting "ID [status]", got ${JSON.stringify(text)}`);
  return { id: match[1], status: match[2] };
}

describe('Neovim client (headless nvim)', function () {
  this.timeout(120000);
  let results: any;
  let truth: ServerTruth;
  let root: string;

  before(async function () {
    const nvim = requireEditor(this, 'nvim');
    const workspace = freshWorkspace();
    root = workspace.root;
    truth = await serverTruth(root, ['CART-1', 'CART-2']);
    const outcome = await run(
      nvim,
      ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set rtp^=${pluginRoot}`, '-c', `luafile ${script}`],
      { cwd: root, env: { ...process.env, TANDEM_E2E_ROOT: root, TANDEM_E2E_OUT: workspace.resultsFile }, timeoutMs: 100000 },
    );
    results = readResults(workspace.resultsFile, outcome, 'nvim');
  });

  it('defines every user command and a vim.lsp.config file', () => {
    for (const command of ['TandemRequirements', 'TandemTrace', 'TandemCoverage', 'TandemGenerate', 'TandemRunTests', 'TandemRestart', 'TandemInfo']) {
      assert.ok(results.commands.includes(command), `:${command} among the commands, got ${results.commands.join(', ')}`);
    }
    assert.ok(results.native_config.has_trace_handler, 'lsp/tandem.lua carries the tandem/traceDidChange handler');
    assert.deepStrictEqual(results.native_config.cmd.slice(-1), ['--stdio']);
  });

  it('sets buffer-local LSP maps on attach, then runs the user\'s on_attach', () => {
    assert.deepStrictEqual(results.buffer_maps, { K: 'Tandem: hover', gd: 'Tandem: go to definition', gr: 'Tandem: references', trace: 'Tandem: trace of the requirement at the cursor' });
    assert.deepStrictEqual(results.user_on_attach, { client: 'tandem', maps_before: true });
  });

  it(':help tandem opens doc/tandem.txt (doc/tags ships with the plugin)', () => {
    assert.deepStrictEqual(results.help, { ok: true, file: 'tandem.txt' });
  });

  it('the trace lens opens :TandemTrace for its requirement', () => {
    assert.ok(results.lens_commands.includes('tandem.showTrace'), JSON.stringify(results.lens_commands));
    assert.strictEqual(results.lens_opened_trace, true);
  });

  it('starts the server found beside the plugin, rooted at the workspace', () => {
    assert.deepStrictEqual(results.client.cmd, ['node', path.join(repoRoot, 'server', 'bin', 'tandem-ls.js'), '--stdio']);
    assert.strictEqual(results.client.root_dir, root);
  });

  it('shows the server diagnostics on the requirements file', () => {
    const gaps = truth.requirements.filter((requirement) => requirement.status === 'unimplemented' || requirement.status === 'untested');
    for (const gap of gaps) {
      assert.ok(
        results.diagnostics.some((diagnostic: any) => diagnostic.lnum + 1 === gap.line && diagnostic.source === 'tandem'),
        `a tandem diagnostic on line ${gap.line} (${gap.id}, ${gap.status}), got ${JSON.stringify(results.diagnostics)}`,
      );
    }
  });

  it('passes the settings given to setup() to the server', () => {
    // trace.uncoveredSeverity = 'information' in setup(); vim.diagnostic.severity.INFO is 3.
    assert.deepStrictEqual([...new Set(results.diagnostics.map((diagnostic: any) => diagnostic.severity))], [3]);
  });

  it(':TandemRequirements lists what the server holds, at the definitions', () => {
    const rows = results.requirements.map((item: any) => ({ ...parseRow(item.text), file: item.file, lnum: item.lnum }));
    assert.deepStrictEqual(
      rows.map((row: any) => `${row.id} ${row.status} ${row.lnum}`),
      truth.requirements.map((requirement) => `${requirement.id} ${requirement.status} ${requirement.line}`),
    );
    for (const row of rows) assert.strictEqual(row.file, path.join(root, 'docs', 'requirements.md'));
    assert.ok(results.quickfix_window_open, 'the quickfix window opens');
  });

  it(':TandemRequirements! lists only the gaps', () => {
    assert.deepStrictEqual(results.gaps.map((item: any) => parseRow(item.text).id), truth.gaps);
    assert.ok(truth.gaps.length > 0 && truth.gaps.length < truth.requirements.length, 'the fixture has gaps and non-gaps');
  });

  it(':TandemTrace ID fills the location list with definition, implementations and tests', () => {
    const expected = truth.trace['CART-1'];
    const lines = results.trace.map((item: any) => item.lnum);
    assert.deepStrictEqual(lines, [...expected.definitions, ...expected.implementations, ...expected.tests]);
    assert.match(results.trace[0].text, /^CART-1 definition/);
    assert.ok(results.trace.some((item: any) => item.file === path.join(root, 'test', 'cart.test.js')), 'a test location in test/cart.test.js');
  });

  it(':TandemTrace without an ID traces the requirement at the cursor', () => {
    assert.strictEqual(results.trace_at_cursor.title, 'Tandem: trace of CART-2');
    const expected = truth.trace['CART-2'];
    assert.deepStrictEqual(results.trace_at_cursor.items.map((item: any) => item.lnum), [...expected.definitions, ...expected.implementations, ...expected.tests]);
  });

  it(':TandemCoverage shows the server counts', () => {
    const text = results.coverage.join('\n');
    assert.match(text, new RegExp(`^Tandem coverage: ${truth.coverage.total} requirements, ${Math.round(truth.coverage.coveredRatio * 100)}% covered`));
    for (const [status, count] of Object.entries(truth.coverage.byStatus)) {
      assert.ok(text.includes(`${status} ${count}`), `"${status} ${count}" in the coverage view, got:\n${text}`);
    }
  });

  it('an edit in the buffer refreshes the views and the diagnostics', () => {
    const after = results.requirements_after_edit.map((item: any) => parseRow(item.text));
    assert.deepStrictEqual(after.find((row: any) => row.id === 'CART-3'), { id: 'CART-3', status: 'untested' });
    assert.match(results.coverage_after_edit.join('\n'), /unimplemented 0/);
    assert.notDeepStrictEqual(results.diagnostics_after_edit, results.diagnostics);
  });

  it(':TandemRestart starts a new server that answers', () => {
    assert.notStrictEqual(results.restarted.new_id, results.restarted.old_id);
    assert.strictEqual(results.restarted.clients, 1);
    // The restarted server is sent the edited buffer again, so it agrees with the view after the edit.
    const expected = results.requirements_after_edit.map((item: any) => parseRow(item.text)).filter((row: any) => row.status !== 'covered' && row.status !== 'verified');
    assert.deepStrictEqual(results.gaps_after_restart.map((item: any) => parseRow(item.text)), expected);
  });

  it(':TandemRunTests and :TandemGenerate run the server commands and show their outcome', () => {
    assert.match(results.run_tests_message, /^Tandem: tests (passed|failed|error|cancelled|timedOut): \d+ passed, \d+ failed, \d+ errored, \d+ skipped/);
    assert.match(results.generate_message, /^Tandem: (applied|notApplied|offered|failed|cancelled|error): \S/);
    for (const request of results.message_requests) assert.ok(request.actions.length > 0, `a request without actions reached the prompt: ${request.message}`);
    assert.ok(results.generation_progress.some((line: string) => /\(done\)$/.test(line)), `generation progress ending in "(done)", got ${JSON.stringify(results.generation_progress)}`);
  });
});
