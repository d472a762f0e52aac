/**
 * Runs test plans in child processes and collects per-test outcomes from the result channel.
 *
 * Each plan is one child: the framework's own CLI with Tandem's reporter, started in its own
 * process group so that a timeout or a cancellation kills the whole tree (workers included). Output
 * is drained continuously and only its tail is kept, so a flooding test neither blocks the child
 * nor fills the server's memory. A child that hangs, crashes or exits early yields problems and
 * `errored` outcomes for the tests it never reported, never a rejected promise.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { commandLine } from './commands';
import { coverageSetup, type RunCoverage } from './coverage/collect';
import { throughLauncher } from './env';
import type { ChannelMessage } from './reporters/channel';
import type { ProcessEnd, RunOptions, RunOutcome, RunPlan, RunProblem, TestOutcome } from './model';
import { failingFrame } from './stack';
import { parseJson } from '../trace/nesting';

const defaultMaxOutputBytes = 1024 * 1024;
/** Result-channel bytes kept before giving up on a child that floods it. */
const maxChannelBytes = 64 * 1024 * 1024;

/** The one environment policy for child processes lives in env.ts; re-exported for the callers of this module. */
export { scrubbedEnv } from './env';

/** Keeps the last `limit` bytes written to it. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
    if (this.size > this.limit) {
      this.chunks[0] = this.chunks[0].subarray(this.size - this.limit);
      this.size = this.limit;
      this.truncated = true;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' });
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // The tree is already gone.
  }
}

/** Turns a reporter's message into a test outcome, locating the failure in the package's files. */
export function toOutcome(message: Extract<ChannelMessage, { type: 'result' }>, cwd: string): TestOutcome {
  const file = path.resolve(cwd, message.file);
  const outcome: TestOutcome = {
    file,
    titles: message.titles,
    testName: message.titles.join(' '),
    outcome: message.outcome,
  };
  if (message.durationMs !== undefined) outcome.durationMs = Math.round(message.durationMs * 10) / 10;
  if (message.message !== undefined) outcome.message = message.message;
  if (message.expected !== undefined) outcome.expected = message.expected;
  if (message.actual !== undefined) outcome.actual = message.actual;
  if (message.stack !== undefined) outcome.stack = message.stack;
  if (message.line !== undefined) outcome.declaredAt = { line: message.line, column: message.column ?? 1 };
  if (message.outcome === 'failed' || message.outcome === 'errored') {
    const frame = failingFrame(message.stack, file, cwd);
    if (frame) outcome.failedAt = frame;
  }
  return outcome;
}

interface PlanRun {
  results: TestOutcome[];
  problems: RunProblem[];
  end: ProcessEnd;
  command: string[];
  coverage?: RunCoverage;
}

/** Runs one plan in one child process. */
function runPlan(plan: RunPlan, options: RunOptions): Promise<PlanRun> {
  const setup = options.coverage ? coverageSetup(plan) : undefined;
  const measuring = setup && 'collect' in setup ? setup : undefined;
  const argv = commandLine(plan, measuring?.args);
  const cwd = plan.framework.packageDir;
  const started = performance.now();
  const results: TestOutcome[] = [];
  const problems: RunProblem[] = [];
  const wanted = plan.tests.length > 0 ? new Set(plan.tests.map((titles) => titles.join(' '))) : undefined;
  const output = new OutputTail(options.maxOutputBytes ?? defaultMaxOutputBytes);
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let channelText = '';
    let channelBytes = 0;
    let settled = false;
    // Started through the launcher, so the test process's parent holds only the scrubbed environment.
    const launched = throughLauncher(process.execPath, argv);
    const child = spawn(launched.command, launched.args, {
      cwd,
      env: measuring ? { ...options.env, ...measuring.env } : options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const onMessage = (line: string) => {
      if (!line.trim()) return;
      let message: ChannelMessage;
      try {
        message = parseJson(line) as ChannelMessage;
      } catch {
        return;
      }
      if (message.type === 'result' && Array.isArray(message.titles)) {
        const outcome = toOutcome(message, cwd);
        if (wanted && !wanted.has(outcome.testName)) return;
        results.push(outcome);
        try {
          options.onResult?.(outcome);
        } catch {
          // A listener's failure must not stop the collection of results.
        }
      } else if (message.type === 'fileError') {
        problems.push({ file: message.file ? path.resolve(cwd, message.file) : undefined, message: message.message });
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const channel = child.stdio[3] as NodeJS.ReadableStream | null;
    channel?.on('data', (chunk: Buffer) => {
      channelBytes += chunk.length;
      if (channelBytes > maxChannelBytes) return;
      channelText += chunk.toString('utf8');
      const lines = channelText.split('\n');
      channelText = lines.pop() ?? '';
      for (const line of lines) onMessage(line);
    });
    channel?.on('error', () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree(child.pid);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, signal: string | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // A framework may leave grandchildren behind (workers, servers the tests started): end them too.
      if (process.platform !== 'win32') killTree(child.pid);
      if (channelText) onMessage(channelText);
      const durationMs = performance.now() - started;
      const end: ProcessEnd = { exitCode, signal, timedOut, cancelled, outputTruncated: output.truncated, durationMs, outputTail: output.text().slice(-4000) };
      const reason = spawnError
        ? `the test run could not start: ${spawnError.message}`
        : timedOut
          ? `the test run was killed after ${options.timeoutMs} ms (testing.timeoutMs)`
          : cancelled
            ? 'the test run was cancelled'
            : signal
              ? `the test process was killed by ${signal}`
              : undefined;
      const reported = new Set(results.map((result) => result.file));
      const abnormal = reason !== undefined || (exitCode !== 0 && results.every((result) => result.outcome !== 'failed'));
      if (reason) problems.push({ message: reason });
      if (abnormal) {
        const tail = end.outputTail.trim().split('\n').slice(-15).join('\n');
        const why = reason ?? `the test process exited with code ${exitCode} without reporting a failing test${tail ? `:\n${tail}` : ''}`;
        for (const file of plan.files) {
          if (!reported.has(path.resolve(file)) && !problems.some((problem) => problem.file === path.resolve(file))) problems.push({ file: path.resolve(file), message: why });
        }
        if (plan.files.length === 0 && results.length === 0 && !reason) problems.push({ message: why });
        if (wanted) {
          const seen = new Set(results.map((result) => result.testName));
          for (const titles of plan.tests) {
            const testName = titles.join(' ');
            if (seen.has(testName)) continue;
            const file = plan.files.length === 1 ? path.resolve(plan.files[0]) : '';
            const outcome: TestOutcome = { file, titles, testName, outcome: 'errored', message: why };
            results.push(outcome);
            options.onResult?.(outcome);
          }
        }
      } else if (exitCode !== 0) {
        // Failures were reported; files that reported nothing still crashed or failed to load.
        for (const file of plan.files) {
          const resolved = path.resolve(file);
          if (!reported.has(resolved) && !problems.some((problem) => problem.file === resolved)) {
            const tail = end.outputTail.trim().split('\n').slice(-8).join('\n');
            problems.push({ file: resolved, message: `the test file reported no results (the test process exited with code ${exitCode})${tail ? `:\n${tail}` : ''}` });
          }
        }
      }
      let coverage: RunCoverage | undefined;
      if (setup && !measuring) coverage = { framework: plan.framework.name, scope: 'none', lines: new Map(), tests: [], note: (setup as { note: string }).note, problems: [] };
      else if (measuring) {
        try {
          coverage = timedOut || cancelled ? undefined : measuring.collect();
        } catch (error) {
          coverage = { framework: plan.framework.name, scope: 'none', lines: new Map(), tests: [], note: `the coverage could not be read: ${(error as Error).message}`, problems: [] };
        } finally {
          measuring.dispose();
        }
      }
      resolve({ results, problems, end, command: [process.execPath, ...argv], coverage });
    };
    child.on('error', (error) => finish(null, null, error));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/**
 * Runs the plans, at most `options.concurrency` child processes at a time. Never rejects: every
 * failure to run is in the outcome's `problems`.
 */
export async function runTests(plans: RunPlan[], options: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const queue = [...plans];
  const outcome: RunOutcome = { results: [], problems: [], processes: [], startedAt, durationMs: 0, timedOut: false, cancelled: false };
  const worker = async () => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      if (options.signal?.aborted) {
        outcome.cancelled = true;
        continue;
      }
      const run = await runPlan(plan, options);
      outcome.results.push(...run.results);
      outcome.problems.push(...run.problems);
      outcome.processes.push({ ...run.end, framework: plan.framework.name, packageDir: plan.framework.packageDir, command: run.command });
      if (run.coverage) (outcome.coverage ??= []).push(run.coverage);
      outcome.timedOut ||= run.end.timedOut;
      outcome.cancelled ||= run.end.cancelled;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, plans.length)) }, worker));
  outcome.durationMs = performance.now() - started;
  return outcome;
}
