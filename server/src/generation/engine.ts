/**
 * One generation run from request to checked result, with the real ports: it gathers the task,
 * chooses the provider from the settings, and plugs the plan, type check, testability check and
 * scratch test runs into the loop. Plain data in and out, so the language server, the CLI and the
 * tests drive the same code; `features/generation.ts` only turns the result into an LSP edit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScriptPath, listTests, parseSource, type TypeScriptModule } from './declarations';
import { gatherTask, type GatherRequest, type WorkspaceView } from './gather';
import { runGenerationLoop, type LoopPorts, type LoopResult, type TargetCoverage } from './loop';
import type { PlannedFile, TestFilesRunner, TestRunResult, TestVerdict } from './model';
import { planAnswer } from './plan';
import { OfflineProvider } from './providers/offline';
import { OpenAIProvider } from './providers/openai';
import type { ModelProvider } from './providers/provider';
import { scrubbedEnv } from '../testing/env';
import { Redactor, redacting } from './redact';
import { coverageFiles, coveragePreload, coveredLines, instrumentFile } from './coverage';
import { runTestFiles } from './runner';
import { createScratchCopy, runnableName, type ScratchCopy } from './scratch';
import type { GenerationSettings } from './settings';
import type { GenerationTask } from './task';
import { checkTestabilityOf } from './testabilityCheck';
import { typeCheckPlanned } from './typecheck';

/** Runs given test files in a folder once; the workspace's test runner or the small one in runner.ts. */
export type { TestFilesRunner };

export interface EngineInput {
  ts: TypeScriptModule;
  view: WorkspaceView;
  request: GatherRequest;
  settings: GenerationSettings;
  /** The `testability` section of the settings, handed to the testability analyzer as is. */
  testabilitySettings: unknown;
  /** Unsaved editor text of a file, undefined when it is not open. */
  overlay(path: string): string | undefined;
  /** Environment variable names never passed to child processes. */
  secretEnvNames: string[];
  /** Where the API key is read from; `process.env` unless a test says otherwise. */
  env?: NodeJS.ProcessEnv;
  progress(message: string): void;
  log(level: 'error' | 'warning' | 'info' | 'log', message: string): void;
  signal: AbortSignal;
  /** Replaces the provider the settings choose (tests and benchmarks). */
  provider?: ModelProvider;
  /** Replaces the default test runner. */
  runTestFiles?: TestFilesRunner;
  /** Replaces the type check (benchmarks measure the loop without it). */
  typeCheck?: LoopPorts['typeCheck'];
  /**
   * The open documents' unsaved texts. Given, the type check runs in a worker thread (the texts
   * are sent to it), so that the server keeps answering while it runs.
   */
  openDocuments?: () => Iterable<[string, string]>;
}

export interface EngineResult {
  task?: GenerationTask;
  provider: 'openai' | 'offline';
  model?: string;
  loop?: LoopResult;
  /** Set when the run could not start (unknown requirement, unreadable file). */
  error?: string;
}

/** At most this many existing test files are re-run to prove a refactoring keeps behaviour. */
const maxRegressionFiles = 20;

/** Test files of the workspace that import the module at `target` through a relative path. */
function testsImporting(view: WorkspaceView, target: string): string[] {
  const base = target.replace(/\.[mc]?[jt]sx?$/, '');
  return view.files().filter((file) => {
    if (!view.isTest(file) || !isScriptPath(file)) return false;
    const text = view.readText(file) ?? '';
    for (const match of text.matchAll(/(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g)) {
      const resolved = path.resolve(path.dirname(file), match[2]).replace(/\.[mc]?[jt]sx?$/, '');
      if (resolved === base || path.join(resolved, 'index') === base) return true;
    }
    return false;
  });
}

/**
 * Feedback with every scratch path mapped back to the workspace file it came from (relative to
 * the folder, `.ts` for transpiled files), so a model is told about files it can name.
 */
export function workspacePaths(text: string, scratch: Pick<ScratchCopy, 'dir' | 'origin'>, folder: string): string {
  let out = text;
  const pairs = [...scratch.origin].sort((a, b) => b[0].length - a[0].length);
  for (const [scratchPath, origin] of pairs) {
    const relative = path.relative(folder, origin).split(path.sep).join('/');
    const url = pathToFileURL(scratchPath).href;
    if (out.includes(url)) out = out.split(url).join(relative);
    if (out.includes(scratchPath)) out = out.split(scratchPath).join(relative);
  }
  // What is left: the scratch folder itself, and workspace paths a source map named.
  for (const base of [scratch.dir, folder]) {
    const url = pathToFileURL(base).href;
    out = out.split(`${url}/`).join('').split(`${base}${path.sep}`).join('').split(url).join('.').split(base).join('.');
  }
  return out;
}

/**
 * Whether the new tests must fail against the code before the change: when there is no code yet
 * (a new module) or only a stub. Tests of existing code ("Generate tests", a requirement that real
 * code implements, a refactoring) pass before and after by design.
 */
function provesByFailure(task: GenerationTask): boolean {
  if (task.kind === 'stub') return true;
  return task.kind === 'requirement' && (!task.target || task.target.isStub);
}

/** The provider the settings ask for: a model when one is named, the offline skeleton writer otherwise. */
export function chooseProvider(settings: GenerationSettings, task: GenerationTask, env: NodeJS.ProcessEnv, log: EngineInput['log']): ModelProvider {
  const useModel = settings.provider === 'openai' || (settings.provider === 'auto' && settings.model.trim() !== '');
  if (!useModel) return new OfflineProvider(task);
  return new OpenAIProvider({
    baseURL: settings.baseURL,
    model: settings.model,
    apiKey: env[settings.apiKeyEnv],
    apiKeyEnv: settings.apiKeyEnv,
    temperature: settings.temperature,
    stream: settings.stream,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxRetries: settings.maxRetries,
    maxRetryDelayMs: settings.maxRetryDelayMs,
    maxAnswerTokens: settings.maxAnswerTokens,
    maxAnswerChars: settings.maxAnswerChars,
    onRetry: (attempt, delay, reason) => log('info', `generation: ${reason}; retry ${attempt} in ${delay} ms`),
  });
}

/** The workspace's test runner (server/src/testing/) through its adapter, the small runner when that is missing. */
const defaultRunner: TestFilesRunner = (input) => (require('./workspaceRunner') as typeof import('./workspaceRunner')).workspaceTestRunner(input);

export async function runGeneration(input: EngineInput): Promise<EngineResult> {
  const { ts, view, settings } = input;
  // The first report goes out before the (synchronous) gathering, and reaches the editor first.
  input.progress('gathering the context');
  await new Promise((resolve) => setImmediate(resolve));
  const gathered = gatherTask(ts, view, input.request);
  if ('error' in gathered) return { provider: 'offline', error: gathered.error };
  const task = gathered;
  const secretNames = [...input.secretEnvNames, settings.apiKeyEnv];
  // Every text that reaches the model passes the redactor: scrubbed variables' values (of the
  // server's environment and of the one the key is read from) and the workspace's secret files.
  const redactor = Redactor.forWorkspace(view.folder, { ...process.env, ...input.env }, secretNames);
  const provider = redacting(input.provider ?? chooseProvider(settings, task, input.env ?? process.env, input.log), redactor);
  const offline = provider.name === 'offline';
  const replaceable = new Set<string>();
  if (input.request.kind === 'refactor' && input.request.path && input.request.symbol) replaceable.add(`${input.request.path}#${input.request.symbol}`);
  const readText = (file: string) => view.readText(file);
  const runner = input.runTestFiles ?? defaultRunner;
  /** Runs work in a scratch copy of the planned files (and extra existing tests), with the sandboxed environment. */
  const inScratch = async <T>(planned: PlannedFile[], extraTests: string[], work: (scratch: ScratchCopy, env: NodeJS.ProcessEnv, back: (file: string) => string) => Promise<T>): Promise<T> => {
    const scratch = createScratchCopy({ ts, folder: view.folder, planned, readText, moduleKind: task.moduleKind, extraTests });
    try {
      const env = scrubbedEnv(process.env, secretNames, { untrusted: true });
      return await work(scratch, env, (file) => scratch.origin.get(file) ?? scratch.origin.get(path.resolve(scratch.dir, file)) ?? file);
    } finally {
      scratch.dispose();
    }
  };
  // A refactoring must keep the project's own tests of the module passing, and no answer may break
  // the tests already in a test file it appends to: those that pass before the change (one run, on
  // the unchanged files) must pass with it.
  const regressionFiles = input.request.kind === 'refactor' && input.request.path ? testsImporting(view, input.request.path).slice(0, maxRegressionFiles) : [];
  const baselined = new Set<string>();
  const passedBefore = new Set<string>();
  const baselineOf = async (files: string[], signal: AbortSignal): Promise<Set<string>> => {
    const missing = files.filter((file) => !baselined.has(file));
    if (missing.length === 0) return passedBefore;
    missing.forEach((file) => baselined.add(file));
    const subject = input.request.kind === 'refactor' && input.request.path ? path.relative(view.folder, input.request.path) : missing.map((file) => path.relative(view.folder, file)).join(', ');
    input.progress(`running the project's tests of ${subject} before the change`);
    await inScratch([], missing, async (scratch, env, back) => {
      const result = await runner({ dir: scratch.dir, files: scratch.extraTestFiles, framework: task.framework, timeoutMs: settings.testTimeoutMs, env, signal, workspace: view.folder, sandbox: settings.sandbox });
      for (const v of result.verdicts) if (v.outcome === 'passed') passedBefore.add(`${back(v.path)}\u0000${v.fullTitle}`);
    });
    return passedBefore;
  };
  /** The titles of the tests a planned test file held before the change, by path. */
  const existingTestsOf = (planned: PlannedFile[]) =>
    new Map(planned.filter((f) => f.isTest && f.before !== undefined).map((f) => [f.path, new Set(listTests(ts, parseSource(ts, f.path, f.before!)).map((t) => t.fullTitle))]));
  // "Generate tests": the target's lines the project's own tests run (once) and each new test runs alone.
  let coveredBefore: Set<number> | undefined;
  const targetTests = input.request.kind === 'tests' && input.request.path ? testsImporting(view, input.request.path).slice(0, maxRegressionFiles) : [];
  const coverageRun = async (planned: PlannedFile[], files: (scratch: ScratchCopy) => string[], only: { fullTitle: string; title: string } | undefined, signal: AbortSignal): Promise<{ lines: number; covered: Set<number> } | undefined> => {
    const target = task.target!;
    return inScratch(planned, planned.length === 0 ? targetTests : [], async (scratch, env) => {
      const run = files(scratch);
      if (run.length === 0) return { lines: 0, covered: new Set<number>() };
      const lines = instrumentFile(ts, path.join(scratch.dir, runnableName(target.path)), target.symbol);
      if (!lines) return undefined;
      const { preload, output } = coverageFiles(scratch.dir);
      fs.writeFileSync(preload, coveragePreload(output));
      await runTestFiles({ dir: scratch.dir, files: run, framework: task.framework, timeoutMs: settings.testTimeoutMs, env, signal, sandbox: settings.sandbox, resolvePaths: [view.folder], preload, only });
      return { lines: lines.length, covered: coveredLines(output, lines) };
    });
  };
  const targetCoverage = async (planned: PlannedFile[], tests: { path: string; fullTitle: string; title: string }[], signal: AbortSignal): Promise<TargetCoverage | undefined> => {
    const target = task.target!;
    coveredBefore ??= targetTests.length > 0 ? (await coverageRun([], (scratch) => scratch.extraTestFiles, undefined, signal))?.covered : new Set<number>();
    const byTest = new Map<string, Set<number>>();
    let lines = 0;
    for (const test of tests) {
      if (signal.aborted) return undefined;
      const measured = await coverageRun(planned, (scratch) => scratch.testFiles.filter((file) => scratch.origin.get(file) === test.path), test, signal);
      if (!measured) return undefined;
      lines = measured.lines;
      byTest.set(`${test.path}\u0000${test.fullTitle}`, measured.covered);
    }
    return { path: target.path, symbol: target.symbol, lines, before: coveredBefore ?? new Set(), byTest };
  };
  const typeCheckOffThread = async (planned: PlannedFile[]) => {
    const here = () => typeCheckPlanned({ ts, folder: view.folder, planned, overlay: input.overlay, baselineFiles });
    if (!input.openDocuments) return here();
    try {
      const { typeCheckInWorker } = require('./typecheckWorker') as typeof import('./typecheckWorker');
      return await typeCheckInWorker({ folder: view.folder, planned, overlays: [...input.openDocuments()], baselineFiles });
    } catch (error) {
      input.log('warning', `generation: the type-check worker failed (${(error as Error).message}); checking on the main thread`);
      return here();
    }
  };
  // The baseline of the type check: a few of the project's own test files and the target, unchanged.
  const baselineFiles = [...view.files().filter((file) => view.isTest(file) && /\.[mc]?tsx?$/.test(file)).slice(0, 3), ...(input.request.path ? [input.request.path] : [])];
  const ports: LoopPorts = {
    provider,
    ts,
    plan: (files) => planAnswer({ folder: view.folder, files, readText, isTestPath: (relative) => view.isTest(path.join(view.folder, relative)), ts, replaceable, requirementId: task.requirement?.id }),
    typeCheck: input.typeCheck ?? ((planned) => typeCheckOffThread(planned)),
    checkTestability: (planned) => checkTestabilityOf(ts, planned, input.testabilitySettings, task),
    runTests: async (planned: PlannedFile[], runs: number, signal: AbortSignal, beforeRun: (run: number) => void) => {
      const appendedTo = existingTestsOf(planned);
      const baselineFiles = [...new Set([...regressionFiles, ...[...appendedTo].filter(([, titles]) => titles.size > 0).map(([file]) => file)])].slice(0, maxRegressionFiles);
      const passed = baselineFiles.length > 0 ? await baselineOf(baselineFiles, signal) : new Set<string>();
      const plannedPaths = new Set(planned.map((f) => f.path));
      const extraTests = regressionFiles.filter((file) => !plannedPaths.has(file));
      return inScratch(planned, extraTests, async (scratch, env, back) => {
        const results: TestRunResult[] = [];
        for (let run = 1; run <= runs && !signal.aborted; run++) {
          beforeRun(run);
          const result = await runner({ dir: scratch.dir, files: [...scratch.testFiles, ...scratch.extraTestFiles], framework: task.framework, timeoutMs: settings.testTimeoutMs, env, signal, workspace: view.folder, sandbox: settings.sandbox });
          const toWorkspace = (text: string | undefined) => (text === undefined ? undefined : workspacePaths(text, scratch, view.folder));
          const verdicts = result.verdicts.map((v) => ({ ...v, path: back(v.path), message: toWorkspace(v.message) }));
          result.error = toWorkspace(result.error);
          const isExisting = (v: TestVerdict) => extraTests.includes(v.path) || appendedTo.get(v.path)?.has(v.fullTitle) === true;
          results.push({
            ...result,
            verdicts: verdicts.filter((v) => !isExisting(v)),
            regressions: verdicts.filter((v) => isExisting(v) && v.outcome !== 'passed' && v.outcome !== 'skipped' && passed.has(`${v.path}\u0000${v.fullTitle}`)),
          });
        }
        return results;
      });
    },
    runAgainstOld: provesByFailure(task) && !offline ? (planned, signal) => inScratch(planned.filter((f) => f.isTest), [], async (scratch, env, back) => {
      const result = await runner({ dir: scratch.dir, files: scratch.testFiles, framework: task.framework, timeoutMs: settings.testTimeoutMs, env, signal, workspace: view.folder, sandbox: settings.sandbox });
      return { ...result, verdicts: result.verdicts.map((v) => ({ ...v, path: back(v.path) })) };
    }) : undefined,
    coverage: task.kind === 'tests' && task.target && (task.framework === 'mocha' || task.framework === 'node:test') ? (planned, tests, signal) => targetCoverage(planned, tests, signal) : undefined,
    progress: input.progress,
  };
  const loop = await runGenerationLoop(
    task,
    ports,
    { rounds: offline ? 1 : settings.rounds, testRuns: offline ? 1 : settings.testRuns, promptTokenBudget: settings.promptTokenBudget, allowOnlyPendingTests: offline },
    input.signal,
  );
  return { task, provider: provider.name, model: provider.model, loop };
}

