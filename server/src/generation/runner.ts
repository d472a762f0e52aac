/**
 * A small runner for generated tests: mocha (its JSON reporter) and `node:test` (a reporter that
 * writes one JSON line per event), each in a child process with a timeout that kills the whole
 * process group, an environment scrubbed of secrets, and cancellation. The workspace's own test
 * runner (server/src/testing/) is preferred when it is available; this one keeps generation
 * working on its own.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestFramework, TestRunResult, TestVerdict } from './model';
import { parseJson } from '../trace/nesting';

export interface RunTestFilesInput {
  /** The folder the tests run in (a scratch copy). */
  dir: string;
  /** Absolute paths of the test files to run. */
  files: string[];
  framework: TestFramework;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Folders to look for the framework in when `dir` has none (the workspace, then the server's own). */
  resolvePaths?: string[];
}

/** The environment for a child process: the server's, without secrets and anything that looks like one. */
export function scrubbedEnv(secretNames: readonly string[], base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const secret = new Set(secretNames.map((n) => n.toUpperCase()));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    const upper = name.toUpperCase();
    if (secret.has(upper) || /(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY)/.test(upper)) continue;
    if (upper.startsWith('NODE_OPTIONS') || upper === 'NODE_TEST_CONTEXT' || upper.startsWith('MOCHA')) continue;
    env[name] = value;
  }
  env.CI = 'true';
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  return env;
}

/**
 * `NODE_OPTIONS` that put a test process under Node's permission model: reads are free, writes only
 * under `writable` (the scratch copy), no worker threads, and no child processes unless the framework needs them
 * (node:test runs each file in a child). Jest and vitest need workers and caches and run without.
 */
export function sandboxNodeOptions(framework: TestFramework, writable: string): string | undefined {
  if (framework !== 'mocha' && framework !== 'node:test') return undefined;
  const major = Number(process.versions.node.split('.')[0]);
  const flags = [major >= 22 ? '--permission' : '--experimental-permission', '--allow-fs-read=*', `"--allow-fs-write=${path.join(writable, '*')}"`, '--disable-warning=ExperimentalWarning'];
  if (framework === 'node:test') flags.push('--allow-child-process');
  return flags.join(' ');
}

const nodeTestReporter = `export default async function* tandemReporter(source) {
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:stderr') {
      yield JSON.stringify({ type: event.type, file: d.file, message: String(d.message).slice(0, 4000) }) + '\\n';
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail' && event.type !== 'test:start') continue;
    const error = d.details && d.details.error;
    const cause = error && (error.cause || error);
    yield JSON.stringify({ type: event.type, name: d.name, nesting: d.nesting, file: d.file, kind: d.details && d.details.type, skip: !!d.skip, todo: !!d.todo,
      message: cause ? String(cause.message || cause).slice(0, 2000) : undefined }) + '\\n';
  }
}
`;

function resolveMocha(dir: string, extra: string[]): string | undefined {
  for (const base of [dir, ...extra, __dirname]) {
    try {
      const manifest = require.resolve('mocha/package.json', { paths: [base] });
      return path.join(path.dirname(manifest), 'bin', 'mocha.js');
    } catch {
      // Not installed there; try the next place.
    }
  }
  return undefined;
}

interface ChildOutcome {
  code: number | null;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
}

/** Runs a node child in its own process group; kills the group on timeout or abort. */
function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal: AbortSignal): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32' });
    let stderr = '';
    let timedOut = false;
    let cancelled = false;
    const kill = () => {
      try {
        if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 20_000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ code, stderr, timedOut, cancelled });
    });
    if (signal.aborted) onAbort();
  });
}

function failure(outcome: ChildOutcome, timeoutMs: number): string | undefined {
  if (outcome.cancelled) return 'the test run was cancelled';
  if (outcome.timedOut) return `the test run took longer than ${timeoutMs} ms and was stopped`;
  return undefined;
}

export async function runTestFiles(input: RunTestFilesInput): Promise<TestRunResult> {
  const output = path.join(input.dir, `.tandem-results-${process.pid}-${Date.now()}.json`);
  try {
    if (input.framework === 'mocha') return await runMocha(input, output);
    if (input.framework === 'node:test') return await runNodeTest(input, output);
    return { verdicts: [], error: `running ${input.framework} tests needs the workspace's test runner, which is not available` };
  } finally {
    fs.rmSync(output, { force: true });
  }
}

async function runMocha(input: RunTestFilesInput, output: string): Promise<TestRunResult> {
  const mocha = resolveMocha(input.dir, input.resolvePaths ?? []);
  if (!mocha) return { verdicts: [], error: 'mocha is not installed in the workspace' };
  const args = [mocha, '--no-config', '--no-package', '--reporter', 'json', '--reporter-option', `output=${output}`, '--timeout', '5000', ...input.files];
  const outcome = await runNode(args, input.dir, input.env, input.timeoutMs, input.signal);
  const stopped = failure(outcome, input.timeoutMs);
  if (stopped) return { verdicts: [], error: stopped };
  let report: { tests?: { title: string; fullTitle: string; file?: string; err?: { message?: string; expected?: unknown; actual?: unknown } }[]; pending?: { fullTitle: string }[] };
  try {
    report = parseJson(fs.readFileSync(output, 'utf8')) as typeof report;
  } catch {
    return { verdicts: [], error: `mocha produced no report (exit ${outcome.code}): ${outcome.stderr.trim().split('\n').slice(0, 12).join('\n')}` };
  }
  const pending = new Set((report.pending ?? []).map((t) => t.fullTitle));
  const verdicts: TestVerdict[] = (report.tests ?? []).map((t) => {
    const failed = t.err && Object.keys(t.err).length > 0;
    const message = failed ? describeError(t.err!) : undefined;
    return { path: t.file ?? input.files[0], fullTitle: t.fullTitle, title: t.title, outcome: pending.has(t.fullTitle) ? 'skipped' : failed ? 'failed' : 'passed', message };
  });
  const loadError = verdicts.length === 0 && outcome.code !== 0 ? outcome.stderr.trim().split('\n').slice(0, 12).join('\n') : undefined;
  return { verdicts, error: loadError };
}

function describeError(err: { message?: string; expected?: unknown; actual?: unknown }): string {
  const parts = [err.message ?? 'failed'];
  if ('expected' in err || 'actual' in err) parts.push(`expected ${JSON.stringify(err.expected)}, got ${JSON.stringify(err.actual)}`);
  return parts.join('; ').slice(0, 1500);
}

async function runNodeTest(input: RunTestFilesInput, output: string): Promise<TestRunResult> {
  const reporter = path.join(input.dir, '.tandem-node-test-reporter.mjs');
  fs.writeFileSync(reporter, nodeTestReporter);
  const args = ['--test', `--test-reporter=${reporter}`, `--test-reporter-destination=${output}`, ...input.files];
  const outcome = await runNode(args, input.dir, input.env, input.timeoutMs, input.signal);
  const stopped = failure(outcome, input.timeoutMs);
  if (stopped) return { verdicts: [], error: stopped };
  let lines: string[];
  try {
    lines = fs.readFileSync(output, 'utf8').split('\n').filter(Boolean);
  } catch {
    return { verdicts: [], error: `node --test produced no report (exit ${outcome.code}): ${outcome.stderr.trim().split('\n').slice(0, 12).join('\n')}` };
  }
  const verdicts: TestVerdict[] = [];
  const stack: string[] = [];
  let stderr = '';
  for (const line of lines) {
    const event = parseJson(line) as { type: string; name: string; nesting: number; file?: string; kind?: string; skip: boolean; todo: boolean; message?: string };
    if (event.type === 'test:stderr') {
      if (stderr.length < 4000) stderr += event.message ?? '';
      continue;
    }
    if (event.type === 'test:start') {
      stack.length = event.nesting;
      stack[event.nesting] = event.name;
      continue;
    }
    if (event.kind === 'suite') continue;
    const titles = [...stack.slice(0, event.nesting), event.name];
    const file = event.file ?? input.files[0];
    if (event.type === 'test:fail' && /^\d+ subtests? failed$/.test(event.message ?? '')) continue;
    verdicts.push({
      path: file,
      fullTitle: titles.join(' '),
      title: event.name,
      outcome: event.skip || event.todo ? 'skipped' : event.type === 'test:pass' ? 'passed' : 'failed',
      message: event.type === 'test:fail' ? event.message : undefined,
    });
  }
  // A file that fails to load is reported as one failing "test" named after the file.
  const loadFailures = verdicts.filter((v) => v.outcome === 'failed' && input.files.includes(v.title));
  if (loadFailures.length > 0) return { verdicts: verdicts.filter((v) => !loadFailures.includes(v)), error: `${path.basename(loadFailures[0].title)} did not load: ${(stderr || outcome.stderr || loadFailures[0].message || '').trim().split('\n').slice(0, 8).join('\n')}` };
  return { verdicts };
}
