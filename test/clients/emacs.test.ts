/**
 * The Emacs client, end to end, under both LSP clients: `emacs --batch -Q` loads Debian's elpa
 * packages (lsp-mode, or eglot) and clients/emacs, starts the built server on the fixture
 * workspace, reads the diagnostics, runs tandem-requirements (with and without the gaps filter),
 * tandem-trace (by ID and at point, following its links), tandem-coverage, edits a file and
 * watches the views refresh, then restarts the server. Each view is compared with what the server
 * answers directly.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshWorkspace, readResults, repoRoot, requireEditor, run, serverTruth, type ServerTruth } from './editors';

const clientDir = path.join(repoRoot, 'clients', 'emacs');
const script = path.join(repoRoot, 'test', 'clients', 'emacs', 'e2e.el');
/** Where Debian's elpa-* packages live; TANDEM_EMACS_ELPA points elsewhere. */
const elpaDir = process.env.TANDEM_EMACS_ELPA ?? '/usr/share/emacs/site-lisp/elpa';

/** The elpa package folder of `name`, or skip (fail under CI) when it is not installed. */
function requirePackage(context: Mocha.Context, name: string): void {
  const found = fs.existsSync(elpaDir) && fs.readdirSync(elpaDir).some((entry) => entry === name || entry.startsWith(`${name}-`));
  if (found) return;
  if (process.env.CI) throw new Error(`the Emacs package ${name} is not under ${elpaDir}, and CI must run these tests (install elpa-${name})`);
  if (context.test) context.test.title += ` (skipped: ${name} not found)`;
  console.log(`      skipped: ${name} not found`);
  context.skip();
}

for (const backend of ['lsp-mode', 'eglot'] as const) {
  describe(`Emacs client under ${backend} (emacs --batch)`, function () {
    this.timeout(150000);
    let results: any;
    let truth: ServerTruth;
    let root: string;

    before(async function () {
      const emacs = requireEditor(this, 'emacs');
      requirePackage(this, backend);
      const workspace = freshWorkspace({ insideRepository: true });
      root = workspace.root;
      truth = await serverTruth(root, ['CART-1', 'CART-2']);
      const outcome = await run(emacs, ['--batch', '-Q', '-l', script], {
        cwd: root,
        env: {
          ...process.env,
          TANDEM_E2E_BACKEND: backend,
          TANDEM_E2E_ROOT: root,
          TANDEM_E2E_OUT: workspace.resultsFile,
          TANDEM_E2E_CLIENT: clientDir,
          TANDEM_E2E_ELPA: elpaDir,
        },
        timeoutMs: 130000,
      });
      results = readResults(workspace.resultsFile, outcome, `emacs (${backend})`);
    });

    it(`starts the server through ${backend}, rooted at the folder holding tandem.json`, () => {
      assert.strictEqual(results.connection, backend);
      assert.strictEqual(results.mode, 'markdown-mode');
      assert.strictEqual(path.resolve(results.root), root);
    });

    it('shows the server diagnostics on the gaps of the requirements file', () => {
      const gapLines = truth.requirements.filter((requirement) => truth.gaps.includes(requirement.id)).map((requirement) => requirement.line);
      assert.deepStrictEqual(
        results.diagnostics.map((diagnostic: any) => diagnostic.line),
        gapLines,
      );
      for (const [index, diagnostic] of results.diagnostics.entries()) {
        assert.ok(diagnostic.text.includes(truth.gaps[index]), `diagnostic on line ${diagnostic.line} names ${truth.gaps[index]}, got ${diagnostic.text}`);
      }
    });

    it('passes tandem-settings to the server', () => {
      // tandem-settings sets trace.uncoveredSeverity to "information".
      assert.deepStrictEqual([...new Set(results.diagnostics.map((diagnostic: any) => diagnostic.severity))], ['information']);
    });

    it('tandem-requirements lists what the server holds, and RET visits a definition', () => {
      assert.deepStrictEqual(
        results.requirements.map((row: any) => `${row.id} ${row.status} ${row.line}`),
        truth.requirements.map((requirement) => `${requirement.id} ${requirement.status} ${requirement.line}`),
      );
      const cart2 = truth.requirements.find((requirement) => requirement.id === 'CART-2')!;
      assert.deepStrictEqual(results.visited_requirement, { file: path.join(root, 'docs', 'requirements.md'), line: cart2.line });
    });

    it('tandem-requirements with a prefix argument lists only the gaps', () => {
      assert.deepStrictEqual(results.gaps.map((row: any) => row.id), truth.gaps);
      assert.deepStrictEqual(results.toggled_to_all.map((row: any) => row.id), truth.requirements.map((requirement) => requirement.id), 'f toggles back to every requirement');
    });

    it('tandem-trace shows definition, implementations and tests as links that visit them', () => {
      const expected = truth.trace['CART-1'];
      assert.deepStrictEqual(results.trace.map((button: any) => button.line), [...expected.definitions, ...expected.implementations, ...expected.tests]);
      const testLink = results.trace.find((button: any) => button.file === path.join(root, 'test', 'cart.test.js'));
      assert.ok(testLink, `a link to test/cart.test.js among ${JSON.stringify(results.trace)}`);
      assert.deepStrictEqual(results.visited_test, { file: testLink.file, line: testLink.line });
      assert.match(results.trace_text, /^CART-1 {2}Add an item to the cart\nStatus: covered/);
    });

    it('tandem-trace at point traces the requirement the code there serves', () => {
      assert.strictEqual(results.id_at_point, 'CART-2');
      assert.strictEqual(results.trace_at_point.id, 'CART-2');
      const expected = truth.trace['CART-2'];
      assert.deepStrictEqual(results.trace_at_point.buttons.map((button: any) => button.line), [...expected.definitions, ...expected.implementations, ...expected.tests]);
    });

    it('tandem-coverage shows the server counts', () => {
      const text = results.coverage.join('\n');
      assert.match(text, new RegExp(`^Tandem coverage: ${truth.coverage.total} requirements, ${Math.round(truth.coverage.coveredRatio * 100)}% covered`));
      for (const [status, count] of Object.entries(truth.coverage.byStatus)) {
        assert.ok(text.includes(`${status} ${count}`), `"${status} ${count}" in the coverage view, got:\n${text}`);
      }
    });

    it('an edit refreshes the views and the diagnostics', () => {
      assert.deepStrictEqual(
        results.requirements_after_edit.find((row: any) => row.id === 'CART-3'),
        { id: 'CART-3', status: 'untested', file: path.join(root, 'docs', 'requirements.md'), line: truth.requirements.find((r) => r.id === 'CART-3')!.line },
      );
      assert.match(results.coverage_after_edit.join('\n'), /unimplemented 0/);
      assert.notDeepStrictEqual(results.diagnostics_after_edit, results.diagnostics);
    });

    it('tandem-run-tests and tandem-generate run the server commands and show their outcome', () => {
      assert.match(results.run_tests_message, /^Tandem: tests (passed|failed|error|cancelled|timedOut): \d+ passed, \d+ failed, \d+ errored, \d+ skipped/);
      assert.match(results.generate_message, /^Tandem: (applied|notApplied|offered|failed|cancelled|error): \S/);
      if (backend === 'eglot') {
        // Eglot 1.9 shows no work-done progress itself; tandem-eglot.el does (lsp-mode shows it in its mode line).
        assert.ok(results.generation_progress.some((text: string) => /\(done\)$/.test(text)), `generation progress ending in "(done)", got ${JSON.stringify(results.generation_progress)}`);
      }
    });

    it('roots the server at the folder holding tandem.json, not at the repository around it', () => {
      assert.strictEqual(path.resolve(results.root), root);
      assert.ok(!results.requirements.some((row: any) => row.id === 'OUT-1'), 'the repository README is not indexed');
    });

    it('keeps the table\'s column headers, sizes the ID column to the IDs, and rounds halves up', () => {
      assert.match(results.table_header, /ID\s+Status\s+Impl\s+Tests\s+Defects\s+Title/);
      assert.match(results.table_mode_line, /all \(\d+\)/);
      assert.match(results.long_id_row, /^dsn~order-line-parser~1\s+covered/, 'an OpenFastTrace ID is not cut');
      assert.strictEqual(results.percent_of_ten_in_sixteen, 63);
    });

    it('TAB moves between the links of the trace buffer and RET visits the link of its line', () => {
      assert.notStrictEqual(results.tab_first_link, results.tab_second_link);
      assert.match(results.tab_first_link, /^docs\/requirements\.md:\d+$/);
      assert.strictEqual(results.ret_on_line_is_button, false, 'RET is pressed off the link text');
      const [file, line] = results.tab_second_link.split(':');
      assert.deepStrictEqual(results.ret_visited, { file: path.join(root, file), line: Number(line) });
    });

    it('handles tandem/testResults and tandem/generationDidFinish (no "Unknown notification")', () => {
      assert.strictEqual(results.unknown_notification, null);
    });

    if (backend === 'eglot') it(`runs a generating code action through ${backend}'s own command: the answer is immediate and the edit follows`, () => {
      assert.ok(results.code_action_returned_ms < 2000, `the command returned after ${results.code_action_returned_ms} ms`);
      assert.ok(results.code_action_returned_ms < results.code_action_edit_ms, `the answer (${results.code_action_returned_ms} ms) comes before the edit (${results.code_action_edit_ms} ms)`);
      assert.match(results.code_action_test_buffer ?? '', /@verifies CART-4/);
      assert.match(results.code_action_test_buffer ?? '', /require\('\.\.\/src\/empty-the-cart'\)/, 'the skeleton imports its stub');
      assert.match(results.code_action_message, /applied to src\/empty-the-cart\.js, test\/empty-the-cart\.test\.js; not yet saved/);
      if (backend === 'eglot') assert.ok(results.edit_prompts.some((prompt: string) => /Server wants to edit/.test(prompt)), `eglot asks before the edit: ${JSON.stringify(results.edit_prompts)}`);
    });

    it('tandem-restart starts a new server that answers as the old one did', () => {
      assert.notStrictEqual(results.connection_after_restart, results.connection_before_restart);
      const expected = results.requirements_after_edit.filter((row: any) => row.status !== 'covered' && row.status !== 'verified');
      assert.deepStrictEqual(results.gaps_after_restart, expected);
    });
  });
}
