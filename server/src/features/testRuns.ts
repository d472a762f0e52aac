/**
 * Test runs in the editor: `tandem/runTests` and the `tandem.runTests` command, run-on-save, code
 * lenses over tests and requirements, failing tests as diagnostics at the failing assertion, and
 * the results handed to the trace graph (which turns them into `verified` and `failing`).
 *
 * The state (latest results, import graph, running runs, the concurrency limit, persistence and
 * the report registry) is a `TestSession` per server context (`testing/session.ts`); scope
 * planning is `testing/scope.ts` and report loading `testing/reports.ts`. This module converts
 * to and from LSP: URIs, notifications, progress, lenses and diagnostics.
 */
import * as path from 'node:path';
import { DiagnosticSeverity, type CancellationToken, type CodeLens, type Diagnostic, type ProgressToken } from 'vscode-languageserver';
import {
  TestResultsNotification,
  type RunTestsParams,
  type RunTestsResult,
  type TestRunCounts,
  type TestRunCoverage,
  type TestRunProblem,
  type TestRunResult,
  type TestRunState,
} from '../../../protocol/testing';
import type { CodeLensProvider, CommandHandler, DiagnosticSource, FileIndexer, ServerContext } from '../context';
import { pathToUri, uriToPath } from '../lsp/uri';
import { isCodeFile, scrubbedEnv, testingSettingsDefaults, type RunPlan, type RunProblem, type StoredResult, type TestOutcome, type TestingSettings } from '../testing';
import { findTests, matchDeclared, type DeclaredTest } from '../testing/locate';
import { CoverageJoin, loadCoverageReports } from '../testing/coverage';
import type { TraceGraphOptions } from '../trace/graph';
import { findReports, isNamedReport, loadJUnitReportsInto } from '../testing/reports';
import { plansOf, targetsOf, type PlainScope, type ScopeHost } from '../testing/scope';
import { executePlans, TestSession } from '../testing/session';

const notifyDelayMs = 100;

/** The test session of each server context, created on first use. */
const sessions = new WeakMap<ServerContext, TestSession>();

function stateOf(ctx: ServerContext): TestSession {
  let session = sessions.get(ctx);
  if (!session) {
    const created = new TestSession({
      folders: () => ctx.folders(),
      folderOf: (file) => ctx.folderOf(file),
      settings: (file) => testingSettings(ctx, file),
      log: (level, message) => ctx.client.log(level, message),
      publish: () => publish(ctx, created),
      loadReports: (folder) => {
        const reports = configuredReports(ctx, folder);
        if (reports.length > 0) loadJUnitReports(ctx, reports);
        const coverage = configuredCoverageReports(ctx, folder);
        if (coverage.length > 0) loadCoverage(ctx, coverage);
      },
    });
    session = created;
    sessions.set(ctx, session);
  }
  return session;
}

/**
 * The trace graph's `codeCoverage` option for this server (set by the wiring): requirement
 * summaries carry the coverage of their implementation from the session's coverage.
 */
export function testRunsCodeCoverage(ctx: ServerContext): NonNullable<TraceGraphOptions['codeCoverage']> {
  return new CoverageJoin(stateOf(ctx).coverage, pathToUri).hook;
}

/** Hands every result to the trace graph and refreshes what shows results. */
function publish(ctx: ServerContext, session: TestSession): void {
  ctx.setTestResults(session.store.records());
  const failureFiles = session.currentFailureFiles();
  const touched = new Set([...failureFiles, ...session.failureFiles]);
  session.failureFiles = failureFiles;
  ctx.invalidateDiagnostics([...touched]);
  ctx.traceChanged();
  ctx.client.refreshCodeLenses();
}

/** The `testing` settings for the folder holding `file`, defaults filled in. */
export function testingSettings(ctx: ServerContext, file?: string): TestingSettings {
  const section = ctx.settings(file).testing as Partial<TestingSettings> | undefined;
  return { ...testingSettingsDefaults, ...(section ?? {}) };
}

function isTestFile(ctx: ServerContext, file: string): boolean {
  return isCodeFile(file) && ctx.roleOf(file) === 'test';
}

function declaredTests(ctx: ServerContext, file: string): DeclaredTest[] {
  const text = ctx.readText(file);
  return text === undefined ? [] : findTests(text, file);
}

/** What scope planning reads of the server. */
function scopeHost(ctx: ServerContext, session: TestSession): ScopeHost {
  return {
    folders: () => ctx.folders(),
    folderOf: (file) => ctx.folderOf(file),
    workspaceFiles: () => ctx.workspaceFiles(),
    isTestFile: (file) => isTestFile(ctx, file),
    declaredTests: (file) => declaredTests(ctx, file),
    settings: (file) => testingSettings(ctx, file),
    testsOfRequirement: (id) => {
      const trace = ctx.graph.trace(id);
      if (!trace) return undefined;
      return trace.tests.flatMap((link) => {
        const file = uriToPath(link.location.uri);
        return file ? [{ file, testName: link.testName }] : [];
      });
    },
    imports: session.imports,
  };
}

/** The protocol's scope with paths for URIs. */
function plainScope(params: RunTestsParams): PlainScope {
  const fileOf = (uri: string | undefined): string | undefined => (uri ? uriToPath(uri) : undefined);
  const scope: PlainScope = { scope: params.scope, testName: params.testName, id: params.id };
  const file = fileOf(params.uri);
  if (file) scope.file = file;
  if (params.uris) scope.files = params.uris.map(fileOf).filter((one): one is string => !!one);
  return scope;
}

function toProtocolProblem(problem: RunProblem): TestRunProblem {
  return problem.file ? { uri: pathToUri(problem.file), message: problem.message } : { message: problem.message };
}

// ---- Running -------------------------------------------------------------------------------------

function toProtocolResult(outcome: TestOutcome, at: string): TestRunResult {
  const result: TestRunResult = { uri: pathToUri(outcome.file), testName: outcome.testName, titles: outcome.titles, outcome: outcome.outcome, at };
  if (outcome.durationMs !== undefined) result.durationMs = outcome.durationMs;
  if (outcome.message !== undefined) result.message = outcome.message;
  if (outcome.expected !== undefined) result.expected = outcome.expected;
  if (outcome.actual !== undefined) result.actual = outcome.actual;
  if (outcome.failedAt) {
    const line = Math.max(0, outcome.failedAt.line - 1);
    const character = Math.max(0, outcome.failedAt.column - 1);
    result.failure = { uri: pathToUri(outcome.failedAt.file), range: { start: { line, character }, end: { line, character } } };
  }
  return result;
}

function countsOf(results: readonly TestRunResult[]): TestRunCounts {
  const counts: TestRunCounts = { passed: 0, failed: 0, skipped: 0, errored: 0 };
  for (const result of results) counts[result.outcome]++;
  return counts;
}

/**
 * Starts a run of the given scope. The returned promise settles when the run ends and never
 * rejects; `runId` is known at once.
 */
export function startTestRun(
  ctx: ServerContext,
  params: RunTestsParams,
  options: { token?: CancellationToken; workDoneToken?: ProgressToken } = {},
): { runId: string; done: Promise<RunTestsResult> } {
  const state = stateOf(ctx);
  state.loadSaved();
  const runId = state.newRunId();
  const controller = new AbortController();
  const cancelListener = options.token?.onCancellationRequested(() => controller.abort());
  const done = runScope(ctx, state, runId, params, controller, options.workDoneToken).finally(() => {
    cancelListener?.dispose();
    state.runs.delete(runId);
  });
  state.runs.set(runId, { id: runId, controller, done });
  return { runId, done };
}

async function runScope(
  ctx: ServerContext,
  state: TestSession,
  runId: string,
  params: RunTestsParams,
  controller: AbortController,
  workDoneToken: ProgressToken | undefined,
): Promise<RunTestsResult> {
  const started = performance.now();
  const at = new Date().toISOString();
  const collected: TestRunResult[] = [];
  const problems: TestRunProblem[] = [];
  const coverage: TestRunCoverage[] = [];
  let pending: TestRunResult[] = [];
  let notifyTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(notifyTimer);
    notifyTimer = undefined;
    if (pending.length === 0) return;
    ctx.client.sendNotification(TestResultsNotification.method, { runId, kind: 'results', results: pending });
    pending = [];
  };
  const finish = (stateName: TestRunState): RunTestsResult => {
    flush();
    const summary: RunTestsResult = { runId, state: stateName, counts: countsOf(collected), results: collected, problems, durationMs: Math.round(performance.now() - started) };
    if (coverage.length > 0) summary.coverage = coverage;
    ctx.client.sendNotification(TestResultsNotification.method, { runId, kind: 'finished', results: [], summary });
    return summary;
  };
  ctx.client.sendNotification(TestResultsNotification.method, { runId, kind: 'started', scope: params, results: [] });

  let planned: { plans: RunPlan[]; problems: RunProblem[] };
  try {
    const host = scopeHost(ctx, state);
    const { targets, wholePackages, problems: scopeProblems } = targetsOf(host, plainScope(params));
    problems.push(...scopeProblems.map(toProtocolProblem));
    planned = plansOf(host, targets, wholePackages);
    problems.push(...planned.problems.map(toProtocolProblem));
  } catch (error) {
    problems.push({ message: `the run could not be planned: ${(error as Error).message}` });
    return finish('error');
  }
  if (planned.plans.length === 0) {
    if (problems.length === 0) problems.push({ message: 'no tests matched the scope' });
    return finish('error');
  }

  const settings = testingSettings(ctx, planned.plans[0].framework.packageDir);
  const progress = await ctx.client.beginProgress('Tandem: running tests', workDoneToken, true);
  const progressCancel = progress.token.onCancellationRequested(() => controller.abort());
  let finished = 0;
  let failed = 0;
  const onResult = (outcome: TestOutcome) => {
    const result = toProtocolResult(outcome, at);
    collected.push(result);
    pending.push(result);
    if (outcome.outcome === 'failed' || outcome.outcome === 'errored') failed++;
    finished++;
    progress.report(`${finished} done${failed ? `, ${failed} failed` : ''}`);
    if (!notifyTimer) notifyTimer = setTimeout(flush, notifyDelayMs);
  };

  let timedOut = false;
  let cancelled = false;
  try {
    const executed = await executePlans(state, planned.plans, {
      at,
      env: scrubbedEnv(process.env, ctx.secretEnvNames()),
      signal: controller.signal,
      settings,
      testFilesOf: (packageDir) => ctx.workspaceFiles().filter((file) => isTestFile(ctx, file) && file.startsWith(packageDir + path.sep)),
      declaredTests: (file) => declaredTests(ctx, file),
      onDisk: (file) => ctx.documentVersion(file) === undefined,
      onResult,
    });
    timedOut = executed.timedOut;
    cancelled = executed.cancelled;
    problems.push(...executed.problems.map(toProtocolProblem));
    for (const measured of executed.coverage) {
      const entry: TestRunCoverage = { framework: measured.framework, scope: measured.scope, files: measured.lines.size, tests: measured.tests.length };
      if (measured.note) entry.note = measured.note;
      coverage.push(entry);
      for (const problem of measured.problems) ctx.client.log('warning', `Coverage: ${problem}`);
      if (measured.note) ctx.client.log('info', `Coverage of the ${measured.framework} run: ${measured.note}.`);
      if (settings.showUncovered) ctx.invalidateDiagnostics([...measured.lines.keys()]);
    }
  } catch (error) {
    problems.push({ message: `the run failed: ${(error as Error).message}` });
  } finally {
    progressCancel.dispose();
  }
  cancelled ||= controller.signal.aborted;
  if (collected.length === 0 && problems.length === 0 && !cancelled && !timedOut) problems.push({ message: 'the framework ran but reported no tests: nothing matched the scope' });
  const counts = countsOf(collected);
  progress.done(cancelled ? 'cancelled' : `${counts.passed} passed, ${counts.failed + counts.errored} failed, ${counts.skipped} skipped`);
  publish(ctx, state);
  state.schedulePersist();
  const stateName: TestRunState = cancelled ? 'cancelled' : timedOut ? 'timedOut' : counts.failed + counts.errored > 0 ? 'failed' : collected.length === 0 && problems.length > 0 ? 'error' : 'passed';
  ctx.client.log(stateName === 'passed' ? 'info' : 'warning', `Test run ${runId} ${stateName}: ${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored, ${counts.skipped} skipped${problems.length ? `; ${problems.map((problem) => problem.message.split('\n')[0]).join('; ')}` : ''}.`);
  return finish(stateName);
}

/** `tandem/runTests`: runs the scope; answers when it ends, or at once with `wait: false`. */
export async function runTestsRequest(ctx: ServerContext, params: RunTestsParams, token?: CancellationToken, workDoneToken?: ProgressToken): Promise<RunTestsResult> {
  if (!params || typeof params !== 'object' || typeof params.scope !== 'string') throw new Error('tandem/runTests needs params { scope: "test" | "file" | "requirement" | "affected" | "all", … }');
  const { runId, done } = startTestRun(ctx, params, { token: params.wait === false ? undefined : token, workDoneToken });
  if (params.wait === false) {
    void done;
    return { runId, state: 'running', counts: { passed: 0, failed: 0, skipped: 0, errored: 0 }, results: [], problems: [], durationMs: 0 };
  }
  return done;
}

/** `tandem/cancelTestRun`: aborts one run or all; their process trees are killed. */
export function cancelTestRun(ctx: ServerContext, params: { runId?: string } | undefined): { cancelled: number } {
  const state = stateOf(ctx);
  let cancelled = 0;
  for (const run of state.runs.values()) {
    if (params?.runId && run.id !== params.runId) continue;
    run.controller.abort();
    cancelled++;
  }
  return { cancelled };
}

/**
 * Reads JUnit XML reports into the results (the `tandem.loadTestResults` command, the
 * `junitReports` setting). A report's results replace what it gave before; a result of a later run
 * of the same test is kept. A report older than the test file it describes is stale from the start.
 */
export function loadJUnitReports(ctx: ServerContext, files: string[]): { loaded: number; problems: string[] } {
  const state = stateOf(ctx);
  const read = loadJUnitReportsInto(state, files, { roots: ctx.folders(), workspaceFiles: ctx.workspaceFiles() });
  for (const problem of read.problems) ctx.client.log('warning', `JUnit report: ${problem}`);
  state.schedulePublish();
  return read;
}

// ---- Commands, save hook, indexer --------------------------------------------------------------------

/**
 * Commands behind the code lenses, runnable from any editor:
 * - `tandem.runTests [RunTestsParams]` — the same as `tandem/runTests`;
 * - `tandem.cancelTestRun [runId?]`;
 * - `tandem.showTestResult [test file URI, full title]` — shows the last result in full (the result lens);
 * - `tandem.loadTestResults [path or file URI, …]` — read JUnit XML reports (none: the configured ones again).
 */
export const testRunsCommands: Record<string, CommandHandler> = {
  'tandem.runTests': (ctx, args, token, workDoneToken) => runTestsRequest(ctx, (args[0] ?? { scope: 'all' }) as RunTestsParams, token, workDoneToken),
  'tandem.cancelTestRun': (ctx, args) => cancelTestRun(ctx, { runId: typeof args[0] === 'string' ? args[0] : undefined }),
  'tandem.showTestResult': (ctx, args) => showTestResult(ctx, String(args[0] ?? ''), String(args[1] ?? '')),
  'tandem.loadTestResults': (ctx, args) => {
    const named = args.filter((arg): arg is string => typeof arg === 'string').map((arg) => (arg.startsWith('file:') ? uriToPath(arg) ?? arg : path.resolve(ctx.folders()[0] ?? '.', arg)));
    if (named.length > 0) return loadJUnitReports(ctx, named);
    const coverage = ctx.folders().flatMap((folder) => configuredCoverageReports(ctx, folder));
    if (coverage.length > 0) loadCoverage(ctx, coverage);
    return loadJUnitReports(ctx, ctx.folders().flatMap((folder) => configuredReports(ctx, folder)));
  },
  'tandem.loadCoverage': (ctx, args) => {
    const named = args.filter((arg): arg is string => typeof arg === 'string').map((arg) => (arg.startsWith('file:') ? uriToPath(arg) ?? arg : path.resolve(ctx.folders()[0] ?? '.', arg)));
    return loadCoverage(ctx, named.length > 0 ? named : ctx.folders().flatMap((folder) => configuredCoverageReports(ctx, folder)));
  },
};

/**
 * Reads coverage reports (LCOV, Cobertura, JaCoCo, coverage.py JSON) into the session's coverage:
 * the `testing.coverageReports` setting and the `tandem.loadCoverage` command. Each report replaces
 * what it gave before.
 */
export function loadCoverage(ctx: ServerContext, files: string[]): { measured: number; problems: string[] } {
  const state = stateOf(ctx);
  const read = loadCoverageReports(state.coverage, files, { roots: ctx.folders(), workspaceFiles: ctx.workspaceFiles() });
  for (const problem of read.problems) ctx.client.log('warning', `Coverage report: ${problem}`);
  if (ctx.folders().some((folder) => testingSettings(ctx, folder).showUncovered)) ctx.invalidateDiagnostics('all');
  state.schedulePublish();
  return read;
}

/** The files under `folder` that `testing.coverageReports` names. */
function configuredCoverageReports(ctx: ServerContext, folder: string): string[] {
  return findReports(folder, testingSettings(ctx, folder).coverageReports, () => true);
}

/** Shows a test's last result as a message: outcome, when, the failure with expected and actual. */
function showTestResult(ctx: ServerContext, uri: string, testName: string): TestRunResult | null {
  const file = uriToPath(uri);
  const result = file ? stateOf(ctx).store.get(file, testName) : undefined;
  if (!result) {
    ctx.client.showMessage('info', `No result is known for "${testName}".`);
    return null;
  }
  const failed = result.outcome.outcome === 'failed' || result.outcome.outcome === 'errored';
  const text = failed ? failureMessage(result, stateOf(ctx).store.isStale(result)) : `Test "${testName}": ${describeResult(stateOf(ctx), result)}`;
  ctx.client.showMessage(failed ? 'error' : 'info', text);
  return toProtocolResult(result.outcome, result.at);
}

/**
 * The save hook: with `testing.runOnSave`, runs the tests affected by the saved files once saves
 * pause for `testing.runOnSaveDelayMs`.
 */
export function testRunsOnSave(ctx: ServerContext, file: string): void {
  const settings = testingSettings(ctx, file);
  if (!settings.runOnSave || !isCodeFile(file)) return;
  const state = stateOf(ctx);
  state.savedFiles.add(file);
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(() => {
    const saved = [...state.savedFiles];
    state.savedFiles.clear();
    // A save that affects no test starts no run (and no progress, notification or log line).
    if (state.imports.affectedTests(saved, (candidate) => isTestFile(ctx, candidate)).length === 0) return;
    const { done } = startTestRun(ctx, { scope: 'affected', uris: saved.map(pathToUri) });
    void done;
  }, settings.runOnSaveDelayMs);
}

/** The files under `folder` that `testing.junitReports` names, found on disk rather than in the index. */
export function configuredReports(ctx: ServerContext, folder: string): string[] {
  return findReports(folder, testingSettings(ctx, folder).junitReports, (file) => file.endsWith('.xml'));
}

function isJUnitReport(ctx: ServerContext, file: string): boolean {
  return file.endsWith('.xml') && isNamedReport(ctx.folderOf(file), file, testingSettings(ctx, file).junitReports);
}

/** Keeps the import graph, result freshness and watched JUnit reports current as files change. */
export const testRunsIndexer: FileIndexer = {
  setFile(ctx, file, text) {
    const state = stateOf(ctx);
    if (state.loadedFolders.size === 0) state.loadSaved();
    if (isCodeFile(file)) state.imports.setFile(file, text);
    if (state.store.fileChanged(file, text)) state.schedulePublish();
    if (isJUnitReport(ctx, file)) loadJUnitReports(ctx, [file]);
    if (isNamedReport(ctx.folderOf(file), file, testingSettings(ctx, file).coverageReports)) loadCoverage(ctx, [file]);
  },
  removeFile(ctx, file) {
    const state = stateOf(ctx);
    state.imports.removeFile(file);
    if (state.store.fileChanged(file, undefined)) state.schedulePublish();
    if (state.forgetReport(file)) state.schedulePublish();
    if (state.coverage.removeReport(file)) state.schedulePublish();
  },
};

// ---- Showing results -----------------------------------------------------------------------------------

function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

const outcomeMark: Record<TestOutcome['outcome'], string> = { passed: '✓ passed', failed: '✗ failed', errored: '✗ errored', skipped: '○ skipped' };

/** The one-line summary of a stored result: `✓ passed · 12 ms · 3 min ago`, `(stale)` when the code changed since. */
function describeResult(state: TestSession, result: StoredResult): string {
  const parts = [outcomeMark[result.outcome.outcome]];
  if (result.outcome.durationMs !== undefined) parts.push(`${Math.round(result.outcome.durationMs)} ms`);
  parts.push(ago(result.at));
  if (state.store.isStale(result)) parts.push('stale');
  return parts.join(' · ');
}

/** "▶ Run" and the last result over each test and suite of a test file; "▶ Run tests" over each requirement with tests. */
export const testRunsCodeLenses: CodeLensProvider = (ctx, file) => {
  if (!testingSettings(ctx, file).codeLens) return [];
  const state = stateOf(ctx);
  const lenses: CodeLens[] = [];
  const uri = pathToUri(file);
  if (isTestFile(ctx, file)) {
    for (const test of declaredTests(ctx, file)) {
      const range = { start: test.titleSpan.start, end: test.titleSpan.start };
      lenses.push({ range, command: { title: test.isSuite ? '▶ Run suite' : '▶ Run', command: 'tandem.runTests', arguments: [{ scope: 'test', uri, testName: test.testName }] } });
      if (test.isSuite) continue;
      const result = state.store.get(file, test.testName);
      if (result) lenses.push({ range, command: { title: describeResult(state, result), command: 'tandem.showTestResult', arguments: [uri, test.testName] } });
    }
  }
  // One title per ID: a trace lists every definition, so asking it once per copy of a duplicated ID is quadratic.
  const titles = new Map<string, string | null>();
  for (const symbol of ctx.graph.documentSymbols(file)) {
    if (symbol.kind !== 'requirement') continue;
    let title = titles.get(symbol.name);
    if (title === undefined) {
      // The summary counts the tests; only a requirement with tests needs its trace (with each test's result).
      title = (ctx.graph.summary(symbol.name)?.tests ?? 0) > 0 ? runTitle(ctx.graph.trace(symbol.name)) : null;
      titles.set(symbol.name, title);
    }
    if (title === null) continue;
    lenses.push({ range: { start: symbol.span.start, end: symbol.span.start }, command: { title, command: 'tandem.runTests', arguments: [{ scope: 'requirement', id: symbol.name }] } });
  }
  return lenses;
};

/** The title of a requirement's "run its tests" lens, or null when it has no tests. */
function runTitle(trace: ReturnType<ServerContext['graph']['trace']>): string | null {
  if (!trace || trace.tests.length === 0) return null;
  const known = trace.tests.filter((link) => link.result);
  const passed = known.filter((link) => link.result!.outcome === 'passed' && !link.result!.stale).length;
  const latest = known.map((link) => link.result!.at).sort().pop();
  return latest ? `▶ Run tests (${passed}/${trace.tests.length} passed · ${ago(latest)})` : `▶ Run tests (${trace.tests.length})`;
}

function lineRange(ctx: ServerContext, file: string, line: number, column: number): Diagnostic['range'] {
  const lines = ctx.readText(file)?.split('\n') ?? [''];
  line = Math.min(Math.max(0, line), lines.length - 1);
  const lineText = lines[line].replace(/\r$/, '');
  const start = Math.min(Math.max(0, column), lineText.length);
  const trimmedEnd = lineText.replace(/\s*(\/\/.*)?$/, '').length;
  return { start: { line, character: start }, end: { line, character: Math.max(start, trimmedEnd) } };
}

/**
 * Where a test function is defined, for languages whose tests are functions rather than calls
 * (pytest `def test_x`, Go `func TestX`, JUnit methods): the first line naming it as a word. A Go
 * subtest `TestX/case` is looked up by its function.
 */
function definitionRange(ctx: ServerContext, file: string, title: string | undefined): Diagnostic['range'] | undefined {
  const name = title?.split('/')[0];
  const text = ctx.readText(file);
  if (!name || !text || !/^[\w$]+$/.test(name)) return undefined;
  const match = new RegExp(`(?:def|func|fn|void|fun|function)\\s+(?:\\([^)]*\\)\\s*)?(${name})\\b`).exec(text) ?? new RegExp(`\\b(${name})\\b`).exec(text);
  if (!match) return undefined;
  const offset = match.index + match[0].length - name.length;
  const line = text.slice(0, offset).split('\n').length - 1;
  const character = offset - (text.lastIndexOf('\n', offset - 1) + 1);
  return { start: { line, character }, end: { line, character: character + name.length } };
}

function failureMessage(result: StoredResult, stale: boolean): string {
  const { outcome } = result;
  const lines = [`${stale ? '(stale) ' : ''}Test "${outcome.testName}" ${outcome.outcome}: ${(outcome.message ?? 'no message').trim().split('\n')[0]}`];
  if (outcome.expected !== undefined) lines.push(`expected: ${outcome.expected}`);
  if (outcome.actual !== undefined) lines.push(`actual:   ${outcome.actual}`);
  return lines.join('\n');
}

/**
 * Failing tests as diagnostics: at the failing assertion (the stack frame in the test file, or in
 * the code under test when the failure is thrown there), else at the test's title; a file that
 * crashed as a whole gets one at its first line. Stale failures are warnings.
 */
export const testFailureDiagnostics: DiagnosticSource = {
  name: 'testing',
  collect(ctx, file) {
    if (!testingSettings(ctx, file).failureDiagnostics) return [];
    const state = stateOf(ctx);
    const diagnostics: Diagnostic[] = [];
    let declared: DeclaredTest[] | undefined;
    for (const result of state.store.failuresIn(file)) {
      const { outcome } = result;
      const here = outcome.failedAt?.file === file;
      const stale = state.store.isStale(result);
      let range: Diagnostic['range'];
      if (here) range = lineRange(ctx, file, outcome.failedAt!.line - 1, outcome.failedAt!.column - 1);
      else if (outcome.failedAt) continue;
      else {
        declared ??= declaredTests(ctx, file);
        const test = matchDeclared(declared, outcome.testName)[0];
        range = test
          ? test.titleSpan
          : outcome.declaredAt
            ? lineRange(ctx, file, outcome.declaredAt.line - 1, outcome.declaredAt.column - 1)
            : definitionRange(ctx, file, outcome.titles[outcome.titles.length - 1]) ?? lineRange(ctx, file, 0, 0);
      }
      const diagnostic: Diagnostic = {
        range,
        severity: stale ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
        source: 'tandem',
        code: outcome.outcome === 'failed' ? 'test-failed' : 'test-errored',
        message: failureMessage(result, stale),
        data: { testName: outcome.testName, uri: pathToUri(outcome.file) },
      };
      if (here && outcome.file !== file) {
        const test = matchDeclared(declaredTests(ctx, outcome.file), outcome.testName)[0];
        if (test) diagnostic.relatedInformation = [{ location: { uri: pathToUri(outcome.file), range: test.titleSpan }, message: `the failing test "${outcome.testName}"` }];
      }
      diagnostics.push(diagnostic);
    }
    const fileProblem = state.fileProblems.get(file);
    if (fileProblem && !diagnostics.some((diagnostic) => diagnostic.code === 'test-errored')) {
      diagnostics.push({ range: lineRange(ctx, file, 0, 0), severity: DiagnosticSeverity.Error, source: 'tandem', code: 'test-file-failed', message: `The test file did not run to its end: ${fileProblem.split('\n')[0]}` });
    }
    diagnostics.push(...uncoveredDiagnostics(ctx, state, file));
    return diagnostics;
  },
};

/**
 * With `testing.showUncovered`: one information diagnostic per block of lines of an implementing
 * symbol in this file that its requirement's tests did not run.
 */
function uncoveredDiagnostics(ctx: ServerContext, state: TestSession, file: string): Diagnostic[] {
  if (!testingSettings(ctx, file).showUncovered || state.coverage.isEmpty || !state.coverage.linesOf(file)) return [];
  const uri = pathToUri(file);
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const symbol of ctx.graph.documentSymbols(file)) {
    if (symbol.kind !== 'tag' || seen.has(symbol.name)) continue;
    seen.add(symbol.name);
    const coverage = ctx.graph.trace(symbol.name)?.requirement.codeCoverage;
    for (const block of coverage?.uncovered ?? []) {
      if (block.uri !== uri) continue;
      const lines = block.range.end.line - block.range.start.line;
      const by = coverage!.scope === 'tests' ? `${symbol.name}'s tests` : 'the tests';
      diagnostics.push({
        range: block.range,
        severity: DiagnosticSeverity.Information,
        source: 'tandem',
        code: 'not-covered',
        message: `${lines === 1 ? 'This line' : `These ${lines} lines`} of code implementing ${symbol.name} did not run in ${by}.`,
        data: { id: symbol.name },
      });
    }
  }
  return diagnostics;
}

/** Ends timers and running test processes when the server shuts down. */
export function disposeTestRuns(ctx: ServerContext): void {
  sessions.get(ctx)?.dispose();
}
