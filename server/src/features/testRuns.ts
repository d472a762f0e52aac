/**
 * Test runs in the editor: `tandem/runTests` and the `tandem.runTests` command, run-on-save, code
 * lenses over tests and requirements, failing tests as diagnostics at the failing assertion, and
 * the results handed to the trace graph (which turns them into `verified` and `failing`).
 *
 * The state (latest results, import graph, running runs) lives per server context; the domain
 * work is in `testing/`, and this module only converts to and from LSP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, type CancellationToken, type CodeLens, type Diagnostic, type ProgressToken } from 'vscode-languageserver';
import {
  TestResultsNotification,
  type RunTestsParams,
  type RunTestsResult,
  type TestRunCounts,
  type TestRunProblem,
  type TestRunResult,
  type TestRunState,
} from '../../../protocol/testing';
import type { CodeLensProvider, CommandHandler, DiagnosticSource, FileIndexer, ServerContext } from '../context';
import { pathToUri, uriToPath } from '../lsp/uri';
import {
  ImportGraph,
  TestResultStore,
  detectFramework,
  diskFingerprints,
  findPackageDir,
  isCodeFile,
  isMissing,
  loadJUnitResults,
  readSavedResults,
  runTests,
  savedResultsFile as resultsFile,
  scrubbedEnv,
  testingSettingsDefaults,
  type FrameworkInfo,
  type FrameworkName,
  type RunPlan,
  type StoredResult,
  type TestOutcome,
  type TestingSettings,
} from '../testing';
import { findTests, matchDeclared, type DeclaredTest } from '../testing/locate';
import { walkFiles } from '../testing/junit';
import { matchesAny } from '../workspace/glob';

const notifyDelayMs = 100;
const publishDelayMs = 50;

interface ActiveRun {
  id: string;
  controller: AbortController;
  done: Promise<RunTestsResult>;
}

/** A test file, and the tests in it to run (empty: all of them). */
interface RunTarget {
  file: string;
  tests: string[][];
}

/** Everything test runs remember for one server. */
class TestingState {
  readonly store = new TestResultStore();
  readonly imports = new ImportGraph();
  readonly runs = new Map<string, ActiveRun>();
  /** The tests each JUnit report gave results for (file and full title), by report file. */
  readonly junit = new Map<string, { file: string; testName: string }[]>();
  /** File-level failures (a crash, an import error) by test file, until the file runs cleanly. */
  readonly fileProblems = new Map<string, string>();
  /** Files that hold a failure location, so their diagnostics are cleared when it goes away. */
  failureFiles = new Set<string>();
  private nextRun = 1;
  private permits: number | undefined;
  private readonly waiting: (() => void)[] = [];
  private publishTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  saveTimer: NodeJS.Timeout | undefined;
  readonly savedFiles = new Set<string>();
  loadedFolders = new Set<string>();

  constructor(private readonly ctx: ServerContext) {}

  newRunId(): string {
    return `run-${this.nextRun++}`;
  }

  /** Runs `work` when fewer than `testing.concurrency` test processes are running. */
  async withPermit<T>(work: () => Promise<T>): Promise<T> {
    if (this.permits === undefined) this.permits = testingSettings(this.ctx).concurrency;
    while (this.permits <= 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.permits--;
    try {
      return await work();
    } finally {
      this.permits++;
      this.waiting.shift()?.();
    }
  }

  /** Loads saved results and the configured JUnit reports of every workspace folder once. */
  loadSaved(): void {
    for (const folder of this.ctx.folders()) {
      if (this.loadedFolders.has(folder)) continue;
      this.loadedFolders.add(folder);
      const reports = configuredReports(this.ctx, folder);
      if (reports.length > 0) loadJUnitReports(this.ctx, reports);
      if (!testingSettings(this.ctx, folder).persistResults) continue;
      try {
        const loaded = this.store.load(readSavedResults(path.join(folder, resultsFile)));
        if (loaded > 0) {
          this.ctx.client.log('info', `Loaded ${loaded} saved test results from ${path.join(folder, resultsFile)}.`);
          this.schedulePublish();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.ctx.client.log('warning', `Saved test results in ${folder} could not be read: ${(error as Error).message}`);
      }
    }
  }

  /** Hands every result to the trace graph and refreshes what shows results (debounced). */
  schedulePublish(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.publish();
    }, publishDelayMs);
  }

  publish(): void {
    this.ctx.setTestResults(this.store.records());
    const failureFiles = new Set<string>();
    for (const result of this.store.all()) {
      if (result.outcome.outcome !== 'failed' && result.outcome.outcome !== 'errored') continue;
      failureFiles.add(result.outcome.file);
      if (result.outcome.failedAt) failureFiles.add(result.outcome.failedAt.file);
    }
    for (const file of this.fileProblems.keys()) failureFiles.add(file);
    const touched = new Set([...failureFiles, ...this.failureFiles]);
    this.failureFiles = failureFiles;
    this.ctx.invalidateDiagnostics([...touched]);
    this.ctx.traceChanged();
    this.ctx.client.refreshCodeLenses();
  }

  /** Saves results to each folder's `.tandem/test-results.json` (debounced). */
  schedulePersist(): void {
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      for (const folder of this.ctx.folders()) {
        if (!testingSettings(this.ctx, folder).persistResults) continue;
        const inside = this.store.all().filter((result) => this.ctx.folderOf(result.outcome.file) === folder);
        if (inside.length === 0) continue;
        try {
          fs.mkdirSync(path.join(folder, '.tandem'), { recursive: true });
          fs.writeFileSync(path.join(folder, resultsFile), JSON.stringify({ version: 1, results: inside }));
        } catch (error) {
          this.ctx.client.log('warning', `Test results could not be saved in ${folder}: ${(error as Error).message}`);
        }
      }
    }, 500);
  }

  dispose(): void {
    clearTimeout(this.publishTimer);
    clearTimeout(this.persistTimer);
    clearTimeout(this.saveTimer);
    for (const run of this.runs.values()) run.controller.abort();
  }
}

const states = new WeakMap<ServerContext, TestingState>();

function stateOf(ctx: ServerContext): TestingState {
  let state = states.get(ctx);
  if (!state) {
    state = new TestingState(ctx);
    states.set(ctx, state);
  }
  return state;
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

// ---- Resolving a scope to plans --------------------------------------------------------------------

function targetsOf(ctx: ServerContext, state: TestingState, params: RunTestsParams): { targets: RunTarget[]; wholePackages: string[]; problems: TestRunProblem[] } {
  const problems: TestRunProblem[] = [];
  const targets: RunTarget[] = [];
  const wholePackages: string[] = [];
  const fileOf = (uri: string | undefined): string | undefined => (uri ? uriToPath(uri) : undefined);
  switch (params.scope) {
    case 'test': {
      const file = fileOf(params.uri);
      if (!file || !params.testName) {
        problems.push({ message: 'scope "test" needs uri and testName' });
        break;
      }
      const declared = declaredTests(ctx, file);
      const matches = matchDeclared(declared, params.testName);
      // A title the scan cannot see (computed) is passed whole; a suite without visible tests runs its file.
      targets.push({ file, tests: matches.length > 0 ? leavesUnder(declared, matches) : [[params.testName]] });
      break;
    }
    case 'file': {
      const file = fileOf(params.uri);
      if (!file) problems.push({ message: 'scope "file" needs the uri of a test file' });
      else targets.push({ file, tests: [] });
      break;
    }
    case 'requirement': {
      if (!params.id) {
        problems.push({ message: 'scope "requirement" needs id' });
        break;
      }
      const trace = ctx.graph.trace(params.id);
      if (!trace) {
        problems.push({ message: `no requirement has the ID ${params.id}` });
        break;
      }
      const byFile = new Map<string, string[][] | 'all'>();
      for (const link of trace.tests) {
        const file = uriToPath(link.location.uri);
        if (!file || !isCodeFile(file)) continue;
        if (!link.testName) {
          byFile.set(file, 'all');
          continue;
        }
        const existing = byFile.get(file);
        if (existing === 'all') continue;
        const declared = declaredTests(ctx, file);
        const matches = matchDeclared(declared, link.testName);
        const tests = matches.length > 0 ? leavesUnder(declared, matches) : [[link.testName]];
        byFile.set(file, [...(existing ?? []), ...tests]);
      }
      for (const [file, tests] of byFile) targets.push({ file, tests: tests === 'all' ? [] : dedupeTitles(tests) });
      if (targets.length === 0) problems.push({ message: `${params.id} has no tests Tandem can run (JavaScript or TypeScript test files)` });
      break;
    }
    case 'affected': {
      const changed = (params.uris ?? (params.uri ? [params.uri] : [])).map(fileOf).filter((file): file is string => !!file);
      for (const file of state.imports.affectedTests(changed, (candidate) => isTestFile(ctx, candidate))) targets.push({ file, tests: [] });
      break;
    }
    case 'all': {
      const within = fileOf(params.uri);
      const packages = new Set<string>();
      for (const folder of ctx.folders()) {
        if (within && ctx.folderOf(within) !== folder) continue;
        if (fs.existsSync(path.join(folder, 'package.json'))) packages.add(folder);
      }
      for (const file of ctx.workspaceFiles()) {
        if (within && !file.startsWith(within)) continue;
        if (!isTestFile(ctx, file)) continue;
        const packageDir = findPackageDir(file, ctx.folderOf(file));
        if (packageDir) packages.add(packageDir);
      }
      wholePackages.push(...packages);
      break;
    }
    default:
      problems.push({ message: `unknown scope ${(params as { scope?: unknown }).scope}` });
  }
  return { targets, wholePackages, problems };
}

/** The runnable tests (leaves) a set of declared tests and suites stands for. */
function leavesUnder(declared: readonly DeclaredTest[], chosen: readonly DeclaredTest[]): string[][] {
  const leaves: string[][] = [];
  for (const test of chosen) {
    if (!test.isSuite) {
      leaves.push(test.titles);
      continue;
    }
    for (const inner of declared) {
      if (!inner.isSuite && inner.titles.length > test.titles.length && test.titles.every((title, i) => inner.titles[i] === title)) leaves.push(inner.titles);
    }
  }
  return dedupeTitles(leaves);
}

function dedupeTitles(list: string[][]): string[][] {
  const seen = new Set<string>();
  return list.filter((titles) => {
    const key = titles.join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function plansOf(ctx: ServerContext, targets: RunTarget[], wholePackages: string[]): { plans: RunPlan[]; problems: TestRunProblem[] } {
  const problems: TestRunProblem[] = [];
  const frameworks = new Map<string, FrameworkInfo | undefined>();
  const frameworkOf = (packageDir: string, forFile?: string): FrameworkInfo | undefined => {
    if (frameworks.has(packageDir)) return frameworks.get(packageDir);
    const forced = testingSettings(ctx, packageDir).framework;
    const detected = detectFramework(packageDir, forced === 'auto' ? undefined : (forced as FrameworkName));
    let info: FrameworkInfo | undefined;
    if (!detected) problems.push({ uri: forFile ? pathToUri(forFile) : undefined, message: `no test framework found for ${packageDir}: name mocha, jest, vitest or node --test in package.json` });
    else if (isMissing(detected)) problems.push({ uri: forFile ? pathToUri(forFile) : undefined, message: detected.problem });
    else info = detected;
    frameworks.set(packageDir, info);
    return info;
  };
  const plans: RunPlan[] = [];
  for (const packageDir of wholePackages) {
    const framework = frameworkOf(packageDir);
    if (framework) plans.push({ framework, files: [], tests: [] });
  }
  // One process per package and filter: whole files together, named tests of one file together.
  const wholeFiles = new Map<string, string[]>();
  for (const target of targets) {
    const packageDir = findPackageDir(target.file, ctx.folderOf(target.file));
    if (!packageDir) {
      problems.push({ uri: pathToUri(target.file), message: `${target.file} is in no package (no package.json above it)` });
      continue;
    }
    if (wholePackages.includes(packageDir)) continue;
    const framework = frameworkOf(packageDir, target.file);
    if (!framework) continue;
    if (target.tests.length === 0) {
      const files = wholeFiles.get(packageDir) ?? [];
      files.push(target.file);
      wholeFiles.set(packageDir, files);
    } else plans.push({ framework, files: [target.file], tests: target.tests });
  }
  for (const [packageDir, files] of wholeFiles) plans.push({ framework: frameworks.get(packageDir)!, files: [...new Set(files)], tests: [] });
  return { plans, problems };
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
  state: TestingState,
  runId: string,
  params: RunTestsParams,
  controller: AbortController,
  workDoneToken: ProgressToken | undefined,
): Promise<RunTestsResult> {
  const started = performance.now();
  const at = new Date().toISOString();
  const collected: TestRunResult[] = [];
  const problems: TestRunProblem[] = [];
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
    ctx.client.sendNotification(TestResultsNotification.method, { runId, kind: 'finished', results: [], summary });
    return summary;
  };
  ctx.client.sendNotification(TestResultsNotification.method, { runId, kind: 'started', scope: params, results: [] });

  let planned: { plans: RunPlan[]; problems: TestRunProblem[] };
  try {
    const { targets, wholePackages, problems: scopeProblems } = targetsOf(ctx, state, params);
    problems.push(...scopeProblems);
    planned = plansOf(ctx, targets, wholePackages);
    problems.push(...planned.problems);
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
  const env = scrubbedEnv(process.env, ctx.secretEnvNames());
  const notOpen = (file: string) => ctx.documentVersion(file) === undefined;
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
    const outcomes = await Promise.all(
      planned.plans.map((plan) =>
        state.withPermit(async () => {
          if (controller.signal.aborted) return undefined;
          // Fingerprints are taken before the run, so an edit made while it runs makes its results stale.
          const files = plan.files.length > 0 ? plan.files : ctx.workspaceFiles().filter((file) => isTestFile(ctx, file) && file.startsWith(plan.framework.packageDir + path.sep));
          const prints = new Map(files.map((file) => [file, diskFingerprints([file, ...state.imports.dependenciesOf(file)])]));
          const printsOf = (file: string) => prints.get(file) ?? diskFingerprints([file, ...state.imports.dependenciesOf(file)]);
          const outcome = await runTests([plan], {
            timeoutMs: settings.timeoutMs,
            env,
            signal: controller.signal,
            concurrency: 1,
            maxOutputBytes: settings.maxOutputBytes,
            onResult: (result) => {
              if (result.file) state.store.put({ outcome: result, at, source: 'run', fingerprints: printsOf(result.file) }, notOpen);
              onResult(result);
            },
          });
          return { plan, outcome, printsOf };
        }),
      ),
    );
    for (const entry of outcomes) {
      if (!entry) continue;
      const { plan, outcome, printsOf } = entry;
      timedOut ||= outcome.timedOut;
      cancelled ||= outcome.cancelled;
      const reported = new Set(outcome.results.map((result) => result.file));
      for (const file of plan.files) if (reported.has(file)) state.fileProblems.delete(file);
      for (const problem of outcome.problems) {
        problems.push({ ...(problem.file ? { uri: pathToUri(problem.file) } : {}), message: problem.message });
        if (!problem.file) continue;
        state.fileProblems.set(problem.file, problem.message);
        // The tests of a file that crashed before reporting them did not pass: they errored.
        const seen = new Set(outcome.results.filter((result) => result.file === problem.file).map((result) => result.testName));
        const wanted = plan.tests.length > 0 ? new Set(plan.tests.map((titles) => titles.join(' '))) : undefined;
        for (const test of declaredTests(ctx, problem.file)) {
          if (test.isSuite || seen.has(test.testName) || (wanted && !wanted.has(test.testName))) continue;
          const errored: TestOutcome = { file: problem.file, titles: test.titles, testName: test.testName, outcome: 'errored', message: problem.message };
          state.store.put({ outcome: errored, at, source: 'run', fingerprints: printsOf(problem.file) }, notOpen);
          onResult(errored);
        }
      }
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
  state.publish();
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

/** Drops the results a JUnit report gave, unless a later run replaced them. */
function forgetReport(state: TestingState, report: string): boolean {
  const previous = state.junit.get(report);
  if (!previous) return false;
  for (const { file, testName } of previous) if (state.store.get(file, testName)?.source === 'junit') state.store.delete(file, testName);
  state.junit.delete(report);
  return true;
}

const failurePlace = /(?:^|[\s("'])((?:[\w.@-]+[\\/])*[\w.@-]+\.(?:py|go|java|kt|kts|scala|groovy|rs|rb|cs|fs|php|swift|c|cc|cpp|h|hpp|[cm]?[jt]sx?)):(\d+)(?::(\d+))?/g;

/**
 * Where a failure from a JUnit report happened: the first `file:line` in its text (pytest
 * `tests/test_x.py:31:`, Go `cart_test.go:27:`, a Java frame `(InvoiceTest.java:44)`) that names
 * the test file, else one that names another file in the workspace.
 */
export function junitFailurePlace(message: string | undefined, testFile: string, roots: string[]): TestOutcome['failedAt'] {
  if (!message) return undefined;
  let other: TestOutcome['failedAt'];
  for (const match of message.matchAll(failurePlace)) {
    const named = match[1].replace(/\\/g, '/');
    const line = Number(match[2]);
    const column = match[3] ? Number(match[3]) : 1;
    if (testFile.replace(/\\/g, '/').endsWith(`/${named}`) || path.basename(testFile) === named) return { file: testFile, line, column };
    if (!other) {
      const found = [path.dirname(testFile), ...roots].map((root) => path.resolve(root, named)).find((candidate) => fs.existsSync(candidate));
      if (found) other = { file: found, line, column };
    }
  }
  return other;
}

/**
 * Reads JUnit XML reports into the results (the `tandem.loadTestResults` command, the
 * `junitReports` setting). A report's results replace what it gave before; a result of a later run
 * of the same test is kept. A report older than the test file it describes is stale from the start.
 */
export function loadJUnitReports(ctx: ServerContext, files: string[]): { loaded: number; problems: string[] } {
  const state = stateOf(ctx);
  const workspaceFiles = ctx.workspaceFiles();
  const roots = ctx.folders();
  let loaded = 0;
  const problems: string[] = [];
  for (const report of files) {
    const read = loadJUnitResults([report], { roots, workspaceFiles });
    problems.push(...read.problems);
    forgetReport(state, report);
    const given: { file: string; testName: string }[] = [];
    for (const record of read.records) {
      const existing = state.store.get(record.path, record.testName);
      if (existing?.source === 'run' && existing.at > record.result.at) continue;
      let print = diskFingerprints([record.path])[record.path];
      try {
        if (fs.statSync(record.path).mtimeMs > Date.parse(record.result.at)) print = 'the test file changed after the report';
      } catch {
        // A test file that is not on disk cannot be newer than the report.
      }
      const outcome: TestOutcome = { file: record.path, titles: record.testName.split(' '), testName: record.testName, outcome: record.result.outcome };
      if (record.result.durationMs !== undefined) outcome.durationMs = record.result.durationMs;
      if (record.result.message !== undefined) outcome.message = record.result.message;
      const failedAt = outcome.outcome === 'failed' || outcome.outcome === 'errored' ? junitFailurePlace(record.result.message, record.path, roots) : undefined;
      if (failedAt) outcome.failedAt = failedAt;
      state.store.put({ outcome, at: record.result.at, source: 'junit', fingerprints: { [record.path]: print } });
      given.push({ file: record.path, testName: record.testName });
    }
    state.junit.set(report, given);
    loaded += read.records.length;
  }
  for (const problem of problems) ctx.client.log('warning', `JUnit report: ${problem}`);
  state.schedulePublish();
  return { loaded, problems };
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
    return loadJUnitReports(ctx, named.length > 0 ? named : ctx.folders().flatMap((folder) => configuredReports(ctx, folder)));
  },
};

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

const maxReportSearch = 20000;

/**
 * The files under `folder` that `testing.junitReports` names, found on disk rather than in the
 * index: reports usually sit in build folders the index excludes (`build/`, `target/`). Each glob
 * is searched from its fixed leading folders only, and never inside node_modules or .git.
 */
export function configuredReports(ctx: ServerContext, folder: string): string[] {
  const globs = testingSettings(ctx, folder).junitReports;
  const found = new Set<string>();
  for (const glob of globs) {
    const parts = glob.replace(/\\/g, '/').replace(/^\.\//, '').split('/');
    const fixed: string[] = [];
    while (parts.length > 1 && !/[*?[{]/.test(parts[0])) fixed.push(parts.shift()!);
    const start = path.join(folder, ...fixed);
    walkFiles([start], (name) => name === 'node_modules' || name === '.git', maxReportSearch, (file) => {
      if (file.endsWith('.xml') && matchesAny(path.relative(folder, file).split(path.sep).join('/'), [glob])) found.add(file);
    });
  }
  return [...found].sort();
}

function isJUnitReport(ctx: ServerContext, file: string): boolean {
  if (!file.endsWith('.xml')) return false;
  const globs = testingSettings(ctx, file).junitReports;
  if (globs.length === 0) return false;
  const folder = ctx.folderOf(file);
  if (!folder) return false;
  return matchesAny(path.relative(folder, file).split(path.sep).join('/'), globs);
}

/** Keeps the import graph, result freshness and watched JUnit reports current as files change. */
export const testRunsIndexer: FileIndexer = {
  setFile(ctx, file, text) {
    const state = stateOf(ctx);
    if (state.loadedFolders.size === 0) state.loadSaved();
    if (isCodeFile(file)) state.imports.setFile(file, text);
    if (state.store.fileChanged(file, text)) state.schedulePublish();
    if (isJUnitReport(ctx, file)) loadJUnitReports(ctx, [file]);
  },
  removeFile(ctx, file) {
    const state = stateOf(ctx);
    state.imports.removeFile(file);
    if (state.store.fileChanged(file, undefined)) state.schedulePublish();
    if (forgetReport(state, file)) state.schedulePublish();
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
function describeResult(state: TestingState, result: StoredResult): string {
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
  for (const symbol of ctx.graph.documentSymbols(file)) {
    if (symbol.kind !== 'requirement') continue;
    const trace = ctx.graph.trace(symbol.name);
    if (!trace || trace.tests.length === 0) continue;
    const known = trace.tests.filter((link) => link.result);
    const passed = known.filter((link) => link.result!.outcome === 'passed' && !link.result!.stale).length;
    const latest = known.map((link) => link.result!.at).sort().pop();
    const title = latest ? `▶ Run tests (${passed}/${trace.tests.length} passed · ${ago(latest)})` : `▶ Run tests (${trace.tests.length})`;
    lenses.push({ range: { start: symbol.span.start, end: symbol.span.start }, command: { title, command: 'tandem.runTests', arguments: [{ scope: 'requirement', id: symbol.name }] } });
  }
  return lenses;
};

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
    return diagnostics;
  },
};

/** Ends timers and running test processes when the server shuts down. */
export function disposeTestRuns(ctx: ServerContext): void {
  states.get(ctx)?.dispose();
}
