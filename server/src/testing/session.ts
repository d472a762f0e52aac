/**
 * The test-run state of one server: the latest results and their freshness, the import graph,
 * the runs in flight, the limit on concurrent test processes, which JUnit reports gave which
 * results, files that crashed, and persistence in `.tandem/test-results.json`. It also executes
 * planned runs (`executePlans`): fingerprints first, results into the store as they arrive, and
 * `errored` results for the tests of a file that crashed before reporting them.
 *
 * Plain data and paths only; the LSP edge (`features/testRuns.ts`) converts, notifies and shows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunCoverage } from './coverage/collect';
import { CoverageStore } from './coverage/store';
import { ImportGraph } from './importGraph';
import type { DeclaredTest } from './locate';
import type { RunPlan, RunProblem, TestOutcome } from './model';
import { diskFingerprints, readSavedResults, TestResultStore } from './results';
import { runTests } from './runner';
import type { TestingSettings } from './settings';

/** Where the server keeps results across restarts, relative to a workspace folder. */
export const savedResultsFile = path.join('.tandem', 'test-results.json');

/** What the session needs from the server around it. */
export interface SessionHost {
  folders(): string[];
  folderOf(file: string): string | undefined;
  settings(file?: string): TestingSettings;
  log(level: 'info' | 'warning', message: string): void;
  /** Results changed: hand them on (the trace, diagnostics, lenses). Called debounced by `schedulePublish`. */
  publish(): void;
  /** Called once per folder on first use, before saved results are read: load its configured reports. */
  loadReports?(folder: string): void;
}

export interface ActiveRun {
  id: string;
  controller: AbortController;
  done: Promise<unknown>;
}

const publishDelayMs = 50;
const persistDelayMs = 500;

export class TestSession {
  readonly store = new TestResultStore();
  readonly imports = new ImportGraph();
  readonly coverage = new CoverageStore();
  readonly runs = new Map<string, ActiveRun>();
  /** The tests each JUnit report gave results for (file and full title), by report file. */
  readonly junit = new Map<string, { file: string; testName: string }[]>();
  /** File-level failures (a crash, an import error) by test file, until the file runs cleanly. */
  readonly fileProblems = new Map<string, string>();
  /** Files that held a failure location when results were last published. */
  failureFiles = new Set<string>();
  readonly savedFiles = new Set<string>();
  saveTimer: NodeJS.Timeout | undefined;
  loadedFolders = new Set<string>();
  private nextRun = 1;
  private permits: number | undefined;
  private readonly waiting: (() => void)[] = [];
  private publishTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: SessionHost) {}

  newRunId(): string {
    return `run-${this.nextRun++}`;
  }

  /** Runs `work` when fewer than `testing.concurrency` test processes are running. */
  async withPermit<T>(work: () => Promise<T>): Promise<T> {
    if (this.permits === undefined) this.permits = this.host.settings().concurrency;
    while (this.permits <= 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.permits--;
    try {
      return await work();
    } finally {
      this.permits++;
      this.waiting.shift()?.();
    }
  }

  /** Loads saved results and the configured reports of every workspace folder once. */
  loadSaved(): void {
    for (const folder of this.host.folders()) {
      if (this.loadedFolders.has(folder)) continue;
      this.loadedFolders.add(folder);
      this.host.loadReports?.(folder);
      if (!this.host.settings(folder).persistResults) continue;
      try {
        const loaded = this.store.load(readSavedResults(path.join(folder, savedResultsFile)));
        if (loaded > 0) {
          this.host.log('info', `Loaded ${loaded} saved test results from ${path.join(folder, savedResultsFile)}.`);
          this.schedulePublish();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.host.log('warning', `Saved test results in ${folder} could not be read: ${(error as Error).message}`);
      }
    }
  }

  /** The files that show a failure now: failing tests' files and failure places, and files that crashed. */
  currentFailureFiles(): Set<string> {
    const files = new Set<string>();
    for (const result of this.store.all()) {
      if (result.outcome.outcome !== 'failed' && result.outcome.outcome !== 'errored') continue;
      files.add(result.outcome.file);
      if (result.outcome.failedAt) files.add(result.outcome.failedAt.file);
    }
    for (const file of this.fileProblems.keys()) files.add(file);
    return files;
  }

  /** Publishes the results soon (debounced). */
  schedulePublish(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.host.publish();
    }, publishDelayMs);
  }

  /** Saves results to each folder's `.tandem/test-results.json` (debounced). */
  schedulePersist(): void {
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.persist();
    }, persistDelayMs);
  }

  private persist(): void {
    for (const folder of this.host.folders()) {
      if (!this.host.settings(folder).persistResults) continue;
      const inside = this.store.all().filter((result) => this.host.folderOf(result.outcome.file) === folder);
      if (inside.length === 0) continue;
      try {
        fs.mkdirSync(path.join(folder, '.tandem'), { recursive: true });
        // A cache, not a source: ignored by git from the moment it exists.
        const ignore = path.join(folder, '.tandem', '.gitignore');
        if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# Tandem\'s results cache: not for version control.\n*\n');
        fs.writeFileSync(path.join(folder, savedResultsFile), JSON.stringify({ version: 1, results: inside }));
      } catch (error) {
        this.host.log('warning', `Test results could not be saved in ${folder}: ${(error as Error).message}`);
      }
    }
  }

  /** Drops the results a JUnit report gave, unless a later run replaced them. */
  forgetReport(report: string): boolean {
    const previous = this.junit.get(report);
    if (!previous) return false;
    for (const { file, testName } of previous) if (this.store.get(file, testName)?.source === 'junit') this.store.delete(file, testName);
    this.junit.delete(report);
    return true;
  }

  dispose(): void {
    clearTimeout(this.publishTimer);
    clearTimeout(this.persistTimer);
    clearTimeout(this.saveTimer);
    for (const run of this.runs.values()) run.controller.abort();
  }
}

/** What `executePlans` needs beyond the plans. */
export interface ExecuteOptions {
  /** ISO time every result of this run carries. */
  at: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  settings: TestingSettings;
  /** The test files of a package, for a plan that runs the package's whole configuration. */
  testFilesOf(packageDir: string): string[];
  declaredTests(file: string): DeclaredTest[];
  /** False for files open in the editor with unsaved text (their disk fingerprint is not their current text). */
  onDisk(file: string): boolean;
  onResult(outcome: TestOutcome): void;
}

export interface ExecuteOutcome {
  problems: RunProblem[];
  timedOut: boolean;
  cancelled: boolean;
  /** What each process measured (with `testing.coverage`), already kept in the session's coverage store. */
  coverage: RunCoverage[];
}

/**
 * Runs planned work under the session's concurrency limit and keeps every result in its store.
 * Never rejects: failures to run are problems.
 */
export async function executePlans(session: TestSession, plans: RunPlan[], options: ExecuteOptions): Promise<ExecuteOutcome> {
  const problems: RunProblem[] = [];
  const coverage: RunCoverage[] = [];
  let timedOut = false;
  let cancelled = false;
  const { at, onDisk } = options;
  const outcomes = await Promise.all(
    plans.map((plan) =>
      session.withPermit(async () => {
        if (options.signal.aborted) return undefined;
        // Fingerprints are taken before the run, so an edit made while it runs makes its results stale.
        const files = plan.files.length > 0 ? plan.files : options.testFilesOf(plan.framework.packageDir);
        const prints = new Map(files.map((file) => [file, diskFingerprints([file, ...session.imports.dependenciesOf(file)])]));
        const printsOf = (file: string) => prints.get(file) ?? diskFingerprints([file, ...session.imports.dependenciesOf(file)]);
        const outcome = await runTests([plan], {
          timeoutMs: options.settings.timeoutMs,
          env: options.env,
          signal: options.signal,
          concurrency: 1,
          maxOutputBytes: options.settings.maxOutputBytes,
          coverage: options.settings.coverage,
          onResult: (result) => {
            if (result.file) session.store.put({ outcome: result, at, source: 'run', fingerprints: printsOf(result.file) }, onDisk);
            options.onResult(result);
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
    for (const measured of outcome.coverage ?? []) {
      coverage.push(measured);
      if (measured.lines.size > 0) session.coverage.setRunLines(measured.lines);
      for (const test of measured.tests) session.coverage.setTestLines(test.file, test.testName, test.lines);
    }
    const reported = new Set(outcome.results.map((result) => result.file));
    for (const file of plan.files) if (reported.has(file)) session.fileProblems.delete(file);
    for (const problem of outcome.problems) {
      problems.push(problem);
      if (!problem.file) continue;
      session.fileProblems.set(problem.file, problem.message);
      // The tests of a file that crashed before reporting them did not pass: they errored.
      const seen = new Set(outcome.results.filter((result) => result.file === problem.file).map((result) => result.testName));
      const wanted = plan.tests.length > 0 ? new Set(plan.tests.map((titles) => titles.join(' '))) : undefined;
      for (const test of options.declaredTests(problem.file)) {
        if (test.isSuite || seen.has(test.testName) || (wanted && !wanted.has(test.testName))) continue;
        const errored: TestOutcome = { file: problem.file, titles: test.titles, testName: test.testName, outcome: 'errored', message: problem.message };
        session.store.put({ outcome: errored, at, source: 'run', fingerprints: printsOf(problem.file) }, onDisk);
        options.onResult(errored);
      }
    }
  }
  return { problems, timedOut, cancelled, coverage };
}
