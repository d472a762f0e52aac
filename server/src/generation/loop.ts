/**
 * The generation loop: ask the model for implementation and tests in one answer, check the answer
 * before anyone sees it, feed what failed back, and stop after a number of rounds.
 *
 * Every check is a port, so the loop is tested on its own and the server plugs in the real ones:
 * paths and overwrites (plan), syntax and types over the unsaved workspace (typeCheck), the
 * testability rules (checkTestability), and the new tests run against the new code in a scratch
 * copy, `testRuns` times (runTests). A test whose verdict flips between runs is flaky and dropped;
 * a test that repeats one the project has is dropped before it runs. The result is either an
 * attempt that passed every check, the best failed attempt with its failing checks, or nothing.
 */
import * as path from 'node:path';
import type { TypeScriptModule } from './declarations';
import { listTests, normalizeBody, parseSource, removeTests } from './declarations';
import { parseAnswer } from './format';
import type { ChatMessage, GenerationCheckIssue, GenerationRound, PlannedFile, ProposedFile, TestRunResult, TestVerdict } from './model';
import { applyChanges } from './plan';
import type { Plan } from './plan';
import { buildPrompt, expectedBlocks, repairPrompt } from './prompt';
import { ModelError, type ModelProvider } from './providers/provider';
import type { GenerationTask } from './task';

export interface LoopPorts {
  provider: ModelProvider;
  ts: TypeScriptModule;
  /** Resolves the answer's blocks against the workspace (paths, overwrites, tags). */
  plan(files: ProposedFile[]): Plan;
  /** Syntax and type errors the planned files bring, over the unsaved workspace state. */
  typeCheck(planned: PlannedFile[]): GenerationCheckIssue[] | Promise<GenerationCheckIssue[]>;
  /** Testability findings in the changed code. */
  checkTestability(planned: PlannedFile[]): GenerationCheckIssue[] | Promise<GenerationCheckIssue[]>;
  /**
   * Runs the planned test files against the planned code `runs` times in one scratch copy (so a
   * test that leaves state behind shows as flaky), calling `beforeRun` with the run's number.
   */
  runTests(planned: PlannedFile[], runs: number, signal: AbortSignal, beforeRun: (run: number) => void): Promise<TestRunResult[]>;
  /**
   * Runs the planned test files once against the code before the change (the stub, or no module
   * at all), so that a test which passes there too is known to prove nothing. Absent: no such check.
   */
  runAgainstOld?(planned: PlannedFile[], signal: AbortSignal): Promise<TestRunResult>;
  /**
   * "Generate tests": which lines of the target the project's own tests run (before) and each of
   * the given new tests runs alone, from V8 coverage. Undefined when it cannot be measured.
   */
  coverage?(planned: PlannedFile[], tests: { path: string; fullTitle: string; title: string }[], signal: AbortSignal): Promise<TargetCoverage | undefined>;
  /** Names the stage and round, for `$/progress` or the log. */
  progress(message: string): void;
}

export interface TargetCoverage {
  path: string;
  symbol: string;
  lines: number;
  /** Indexes of the target's lines the project's tests run. */
  before: Set<number>;
  /** By `path\u0000fullTitle`: the lines each new test runs alone. */
  byTest: Map<string, Set<number>>;
}

export interface LoopOptions {
  rounds: number;
  testRuns: number;
  promptTokenBudget: number;
  /** Pending tests (skeletons) are acceptable: the offline provider writes nothing else. */
  allowOnlyPendingTests?: boolean;
}

export interface LoopResult {
  status: 'passed' | 'failed' | 'cancelled' | 'error';
  /** The files of the passing attempt, or of the best failed one. */
  planned?: PlannedFile[];
  /** The blocking issues of `planned` when it failed. */
  failingIssues: GenerationCheckIssue[];
  rounds: GenerationRound[];
  message: string;
  /** Estimated tokens of the first prompt. */
  promptTokens: number;
}

interface NewTest {
  file: PlannedFile;
  fullTitle: string;
  title: string;
  body: string;
}

/** The tests an attempt adds: those in its test files that were not there before. */
function newTests(ts: TypeScriptModule, planned: PlannedFile[]): NewTest[] {
  const found: NewTest[] = [];
  for (const file of planned.filter((f) => f.isTest)) {
    const before = new Set(file.before === undefined ? [] : listTests(ts, parseSource(ts, file.path, file.before)).map((t) => t.fullTitle));
    for (const test of listTests(ts, parseSource(ts, file.path, file.after))) {
      if (!before.has(test.fullTitle)) found.push({ file, fullTitle: test.fullTitle, title: test.title, body: test.body });
    }
  }
  return found;
}

/** Removes the named tests from the generated changes of one test file. */
function dropTests(ts: TypeScriptModule, file: PlannedFile, fullTitles: Set<string>): void {
  // A change that appends statements may not hold the suites around them, so inside a change a
  // test matches when its title there is the full title or ends it.
  file.changes = file.changes.map((change) => {
    const inChange = listTests(ts, parseSource(ts, file.path, change.text));
    const doomed = new Set(inChange.filter((t) => fullTitles.has(t.fullTitle) || [...fullTitles].some((f) => f.endsWith(` ${t.fullTitle}`))).map((t) => t.fullTitle));
    return doomed.size === 0 ? change : { ...change, text: removeTests(ts, file.path, change.text, doomed) };
  });
  file.after = applyChanges(file.before ?? '', file.changes);
}

/** What the user is told about the tests the checks dropped (flaky, proving nothing, repeated). */
function droppedNote(issues: GenerationCheckIssue[]): string {
  const why: Partial<Record<GenerationCheckIssue['check'], string>> = { flaky: 'as flaky', proof: 'as proving nothing', duplicate: 'as repeats of existing tests' };
  const parts: string[] = [];
  for (const [check, label] of Object.entries(why) as [GenerationCheckIssue['check'], string][]) {
    const dropped = issues.filter((i) => i.check === check && !i.blocking);
    if (dropped.length > 0) parts.push(`Dropped ${label}: ${dropped.map((i) => i.message.replace(/^dropped /, '')).join('; ')}.`);
  }
  const uncovered = issues.filter((i) => i.check === 'criteria' && !i.blocking);
  if (uncovered.length > 0) parts.push(uncovered.map((i) => i.message).join(' '));
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Checks whose failure means part of the answer was not planned at all. */
const wholeAttemptChecks = new Set<GenerationCheckIssue['check']>(['format', 'paths', 'overwrite', 'size']);

function blockingCount(issues: GenerationCheckIssue[]): number {
  return issues.filter((i) => i.blocking).length;
}

export async function runGenerationLoop(task: GenerationTask, ports: LoopPorts, options: LoopOptions, signal: AbortSignal): Promise<LoopResult> {
  const first = buildPrompt(task, options.promptTokenBudget);
  const rounds: GenerationRound[] = [];
  let messages: ChatMessage[] = first.messages;
  let best: { planned: PlannedFile[]; issues: GenerationCheckIssue[] } | undefined;
  const existingTitles = new Set(task.existingTestTitles);
  const existingBodies = new Set(task.existingTestBodies);
  const finish = (status: LoopResult['status'], message: string, planned?: PlannedFile[], failingIssues: GenerationCheckIssue[] = []): LoopResult => ({
    status,
    planned,
    failingIssues,
    rounds,
    message,
    promptTokens: first.tokens,
  });

  for (let round = 1; round <= options.rounds; round++) {
    const record: GenerationRound = { round, tokensIn: 0, tokensOut: 0, modelMs: 0, checksMs: 0, stageMs: {}, requests: 0, issues: [], testsPassed: 0 };
    rounds.push(record);
    if (signal.aborted) return finish('cancelled', 'Generation was cancelled.');
    ports.progress(`Round ${round}/${options.rounds}: asking ${ports.provider.name === 'offline' ? 'the offline provider' : ports.provider.model ?? 'the model'}`);
    let answerText: string;
    try {
      const answer = await ports.provider.complete(messages, signal);
      Object.assign(record, { tokensIn: answer.tokensIn, tokensOut: answer.tokensOut, modelMs: answer.ms, requests: answer.requests });
      answerText = answer.text;
    } catch (error) {
      const failure = error instanceof ModelError ? error : new ModelError('server', (error as Error).message ?? String(error));
      record.modelMs = failure.ms;
      record.requests = failure.requests;
      if (failure.kind === 'cancelled' || signal.aborted) return finish('cancelled', 'Generation was cancelled; the model request was aborted.');
      if (failure.kind !== 'tooLarge' && failure.kind !== 'empty') return finish('error', failure.message);
      record.issues.push({ check: failure.kind === 'tooLarge' ? 'size' : 'format', message: `${failure.message} Answer with only the file blocks, shorter.`, blocking: true });
      messages = repairPrompt(first.messages, '(no usable answer)', record.issues, round, options.rounds, task);
      continue;
    }
    const checksStarted = Date.now();
    const issues = record.issues;
    const parsed = parseAnswer(answerText, expectedBlocks(task));
    for (const error of parsed.errors) issues.push({ check: 'format', line: error.line, message: error.message, blocking: true });
    let planned: PlannedFile[] = [];
    if (parsed.errors.length === 0) {
      ports.progress(`Round ${round}/${options.rounds}: checking paths`);
      const planStarted = Date.now();
      const plan = ports.plan(parsed.files);
      record.stageMs.plan = Date.now() - planStarted;
      issues.push(...plan.issues);
      planned = plan.planned;
      if (planned.length > 0 && !planned.some((f) => f.isTest)) {
        issues.push({ check: 'tests', message: `the answer holds no tests; write them in ${task.testPath}`, blocking: true });
      }
      if (task.kind === 'tests' && planned.some((f) => !f.isTest)) {
        issues.push({ check: 'overwrite', message: 'this task only adds tests; the answer must not change implementation files', blocking: true });
      }
    }
    if (blockingCount(issues) === 0) {
      await runChecks(task, ports, options, planned, issues, record, existingTitles, existingBodies, round, signal);
    }
    record.checksMs = Date.now() - checksStarted;
    if (signal.aborted) return finish('cancelled', 'Generation was cancelled during the checks.');
    if (blockingCount(issues) === 0) {
      const coverage = record.coverage ? ` ${record.coverage.symbol} runs ${record.coverage.coveredAfter} of its ${record.coverage.lines} lines under test (${record.coverage.coveredBefore} before).` : '';
      return finish('passed', `Every check passed in round ${round}.${coverage}${droppedNote(issues)}`, planned);
    }
    // Only a whole attempt may be offered: one with a refused or unreadable block would be half an edit.
    const whole = !issues.some((i) => i.blocking && wholeAttemptChecks.has(i.check));
    if (whole && planned.length > 0 && (!best || blockingCount(issues) <= blockingCount(best.issues))) best = { planned, issues: issues.filter((i) => i.blocking) };
    if (round < options.rounds) messages = repairPrompt(first.messages, answerText, issues, round, options.rounds, task);
  }
  const last = rounds[rounds.length - 1];
  const summary = best ? `${blockingCount(best.issues)} failing check(s) remain` : `no usable answer (${last.issues[0]?.message ?? 'unknown'})`;
  return finish('failed', `The checks still failed after ${options.rounds} round(s): ${summary}.`, best?.planned, best?.issues ?? last.issues.filter((i) => i.blocking));
}

async function runChecks(
  task: GenerationTask,
  ports: LoopPorts,
  options: LoopOptions,
  planned: PlannedFile[],
  issues: GenerationCheckIssue[],
  record: GenerationRound,
  existingTitles: Set<string>,
  existingBodies: Set<string>,
  round: number,
  signal: AbortSignal,
): Promise<void> {
  // Each stage is reported when it starts, and the event loop turns once so that the report is
  // written to the editor before the stage's synchronous work (the type check) holds the thread.
  const stage = async (name: string) => {
    ports.progress(`Round ${round}/${options.rounds}: ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const { ts } = ports;
  // Tests that repeat the project's are dropped before anything runs.
  const duplicates = newTests(ts, planned).filter((t) => existingTitles.has(t.fullTitle) || (t.body && existingBodies.has(normalizeBody(t.body))));
  for (const file of new Set(duplicates.map((d) => d.file))) {
    const titles = new Set(duplicates.filter((d) => d.file === file).map((d) => d.fullTitle));
    dropTests(ts, file, titles);
    for (const title of titles) issues.push({ check: 'duplicate', path: file.relative, message: `dropped "${title}": the project already has this test`, blocking: false });
  }
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      record.stageMs[name] = (record.stageMs[name] ?? 0) + Date.now() - started;
    }
  };
  await stage('type-checking');
  const typeIssues = await timed('types', () => ports.typeCheck(planned));
  issues.push(...typeIssues);
  const syntaxBroken = typeIssues.some((i) => i.check === 'syntax');
  await stage('checking testability');
  issues.push(...(await timed('testability', () => ports.checkTestability(planned))));
  if (syntaxBroken || signal.aborted) return;
  const tests = newTests(ts, planned);
  if (tests.length === 0) {
    issues.push({ check: 'tests', message: `no new test remains; write tests in ${task.testPath}`, blocking: true });
    return;
  }
  const outcomes = new Map<string, { outcomes: string[]; messages: string[]; file: PlannedFile }>();
  const key = (path: string, title: string) => `${path}\u0000${title}`;
  for (const test of tests) outcomes.set(key(test.file.path, test.fullTitle), { outcomes: [], messages: [], file: test.file });
  const results = await timed('tests', () => ports.runTests(planned, options.testRuns, signal, (run) => stage(`running the new tests (${run}/${options.testRuns})`)));
  if (signal.aborted) return;
  for (const [index, result] of results.entries()) {
    const run = index + 1;
    if (result.error && result.verdicts.length === 0) {
      issues.push({ check: 'tests', message: `the tests did not run: ${result.error}`, blocking: true });
      return;
    }
    for (const verdict of result.verdicts) {
      const entry = outcomes.get(key(verdict.path, verdict.fullTitle));
      if (!entry) continue;
      entry.outcomes.push(verdict.outcome);
      if (verdict.message) entry.messages.push(verdict.message);
    }
    for (const entry of outcomes.values()) if (entry.outcomes.length < run) entry.outcomes.push(result.error ? 'failed' : 'missing');
    if (result.error) issues.push({ check: 'tests', message: `the test run failed: ${result.error}`, blocking: true });
  }
  const regressions = new Map<string, { runs: number; verdict: TestVerdict }>();
  for (const result of results) {
    for (const verdict of result.regressions ?? []) {
      const id = key(verdict.path, verdict.fullTitle);
      regressions.set(id, { runs: (regressions.get(id)?.runs ?? 0) + 1, verdict });
    }
  }
  for (const { runs, verdict } of regressions.values()) {
    if (runs < results.length) continue;
    const relative = path.relative(task.folder, verdict.path).split(path.sep).join('/');
    issues.push({ check: 'tests', path: relative, message: `the project's test "${verdict.fullTitle}" passed before the change and fails with it: ${verdict.message ?? 'no message'}`, blocking: true });
  }
  const flaky = new Map<PlannedFile, Set<string>>();
  for (const [id, entry] of outcomes) {
    const title = id.split('\u0000')[1];
    const distinct = new Set(entry.outcomes);
    if (distinct.size > 1) {
      if (!flaky.has(entry.file)) flaky.set(entry.file, new Set());
      flaky.get(entry.file)!.add(title);
      issues.push({ check: 'flaky', path: entry.file.relative, message: `dropped "${title}": its verdict changed between runs (${entry.outcomes.join(', ')})`, blocking: false });
    } else if (distinct.has('failed')) {
      issues.push({ check: 'tests', path: entry.file.relative, message: `"${title}" failed: ${entry.messages[0] ?? 'no message'}`, blocking: true });
    } else if (distinct.has('missing')) {
      issues.push({ check: 'tests', path: entry.file.relative, message: `"${title}" did not run (is it inside a skipped suite or a file that fails to load?)`, blocking: true });
    } else if (distinct.has('passed')) {
      record.testsPassed++;
    } else if (distinct.has('skipped') && !options.allowOnlyPendingTests && task.kind !== 'tests') {
      // A pending test is accepted only from the offline provider; a model must write real tests.
      issues.push({ check: 'tests', path: entry.file.relative, message: `"${title}" is skipped or pending; write a test that runs`, blocking: true });
    }
  }
  for (const [file, titles] of flaky) dropTests(ts, file, titles);
  if (flaky.size > 0 && newTests(ts, planned).length === 0) {
    issues.push({ check: 'tests', message: 'every new test was flaky and was dropped; write deterministic tests', blocking: true });
    return;
  }
  if (blockingCount(issues) === 0 && ports.runAgainstOld) await proveByFailure(task, ports, planned, issues, record, round, options, signal);
  if (blockingCount(issues) === 0 && ports.coverage) await proveByCoverage(task, ports, planned, issues, record, round, options, signal);
  if (blockingCount(issues) === 0) issues.push(...uncoveredCriteria(task, newTests(ts, planned)));
}

/** Significant words of a text: four letters or more, lower-case, without a plural or verb `s`. */
function wordsOf(text: string): Set<string> {
  return new Set([...text.toLowerCase().matchAll(/[a-z][a-z0-9]{3,}/g)].map((m) => m[0].replace(/(?:es|s)$/, '')));
}

/**
 * Which acceptance criteria no kept test covers: a test covers criterion N when it says so
 * (`criterion N` in its title or body, as the prompt asks) or when its title holds at least half
 * of the criterion's significant words. Reported, not blocking: the match is by words.
 */
export function uncoveredCriteria(task: GenerationTask, tests: { fullTitle: string; body: string }[]): GenerationCheckIssue[] {
  const criteria = task.requirement?.acceptanceCriteria ?? [];
  if (criteria.length === 0 || task.kind === 'refactor') return [];
  const missing: string[] = [];
  criteria.forEach((criterion, index) => {
    const n = index + 1;
    const marker = new RegExp(`\\b(?:criteri(?:on|a)|AC)[\\s#-]*${n}\\b`, 'i');
    const wanted = wordsOf(criterion);
    const covered = tests.some((t) => {
      if (marker.test(t.fullTitle) || marker.test(t.body)) return true;
      const title = wordsOf(t.fullTitle);
      const shared = [...wanted].filter((w) => title.has(w)).length;
      return wanted.size > 0 && shared / wanted.size >= 0.5;
    });
    if (!covered) missing.push(`${n}. ${criterion}`);
  });
  if (missing.length === 0) return [];
  return [{ check: 'criteria', message: `No kept test covers acceptance criteria ${missing.map((m) => `"${m}"`).join(', ')} of ${task.requirement!.id}.`, blocking: false }];
}

/** At most this many new tests are run one by one for their coverage. */
const maxCoverageRuns = 12;

/**
 * "Generate tests": each kept test must execute lines of the target, and together they must run
 * lines the project's own tests do not. The target's line coverage before and after goes into
 * the round's record.
 */
async function proveByCoverage(task: GenerationTask, ports: LoopPorts, planned: PlannedFile[], issues: GenerationCheckIssue[], record: GenerationRound, round: number, options: LoopOptions, signal: AbortSignal): Promise<void> {
  const { ts } = ports;
  const tests = newTests(ts, planned).slice(0, maxCoverageRuns);
  if (tests.length === 0 || !task.target) return;
  ports.progress(`Round ${round}/${options.rounds}: measuring the coverage of ${task.target.symbol}`);
  const started = Date.now();
  const titled = tests.map((t) => ({ path: t.file.path, fullTitle: t.fullTitle, title: t.title }));
  const coverage = await ports.coverage!(planned, titled, signal);
  record.stageMs.coverage = Date.now() - started;
  if (!coverage || signal.aborted) return;
  const id = (t: NewTest) => `${t.file.path}\u0000${t.fullTitle}`;
  const idle = tests.filter((t) => (coverage.byTest.get(id(t))?.size ?? 0) === 0);
  const kept = tests.filter((t) => !idle.includes(t));
  const after = new Set(coverage.before);
  for (const t of kept) for (const line of coverage.byTest.get(id(t)) ?? []) after.add(line);
  record.coverage = { path: coverage.path, symbol: coverage.symbol, lines: coverage.lines, coveredBefore: coverage.before.size, coveredAfter: after.size };
  if (kept.length === 0) {
    issues.push({ check: 'proof', message: `no new test executes a line of ${coverage.symbol}: ${idle.map((t) => `"${t.fullTitle}"`).join(', ')} never run it; call ${coverage.symbol} and check what it returns`, blocking: true });
    return;
  }
  for (const file of new Set(idle.map((t) => t.file))) dropTests(ts, file, new Set(idle.filter((t) => t.file === file).map((t) => t.fullTitle)));
  for (const t of idle) issues.push({ check: 'proof', path: t.file.relative, message: `dropped "${t.fullTitle}": it executes no line of ${coverage.symbol}, so it proves nothing about it`, blocking: false });
  record.testsPassed = Math.max(0, record.testsPassed - idle.length);
  if (after.size <= coverage.before.size) {
    issues.push({
      check: 'proof',
      message: `the new tests add no coverage of ${coverage.symbol}: the project's tests already run ${coverage.before.size} of its ${coverage.lines} lines, and with the new tests still ${after.size}; test the behaviour they leave out`,
      blocking: true,
    });
  }
}

/**
 * A kept test must fail (or not even load) against the code before the change: one that passes
 * against the stub too (`assert.ok(true)`, a test of another function) is dropped with a note, and
 * when none is left the round fails saying which tests proved nothing.
 */
async function proveByFailure(task: GenerationTask, ports: LoopPorts, planned: PlannedFile[], issues: GenerationCheckIssue[], record: GenerationRound, round: number, options: LoopOptions, signal: AbortSignal): Promise<void> {
  const { ts } = ports;
  const tests = newTests(ts, planned);
  if (tests.length === 0) return;
  ports.progress(`Round ${round}/${options.rounds}: running the new tests against the code before the change`);
  const started = Date.now();
  const old = await ports.runAgainstOld!(planned, signal);
  record.stageMs.proof = Date.now() - started;
  if (signal.aborted) return;
  const passedBefore = new Set(old.verdicts.filter((v) => v.outcome === 'passed').map((v) => `${v.path}\u0000${v.fullTitle}`));
  const useless = tests.filter((t) => passedBefore.has(`${t.file.path}\u0000${t.fullTitle}`));
  if (useless.length === 0) return;
  const before = task.target?.isStub ? `the stub ${task.target.symbol}` : 'the code before the change';
  if (useless.length === tests.length) {
    issues.push({
      check: 'proof',
      message: `no new test fails without the change: ${useless.map((t) => `"${t.fullTitle}"`).join(', ')} pass${useless.length === 1 ? 'es' : ''} against ${before} too, so they prove nothing; write tests that call the new code and check what it must do`,
      blocking: true,
    });
    return;
  }
  for (const file of new Set(useless.map((t) => t.file))) dropTests(ts, file, new Set(useless.filter((t) => t.file === file).map((t) => t.fullTitle)));
  for (const test of useless) issues.push({ check: 'proof', path: test.file.relative, message: `dropped "${test.fullTitle}": it passes against ${before} too, so it proves nothing`, blocking: false });
  record.testsPassed = Math.max(0, record.testsPassed - useless.length);
}
