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
      const workspace = freshWorkspace();
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

    it('tandem-restart starts a new server that answers as the old one did', () => {
      assert.notStrictEqual(results.connection_after_restart, results.connection_before_restart);
      const expected = results.requirements_after_edit.filter((row: any) => row.status !== 'covered' && row.status !== 'verified');
      assert.deepStrictEqual(results.gaps_after_restart, expected);
    });
  });
}
