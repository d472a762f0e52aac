/**
 * The runner for generated mocha and `node:test` tests: mocha (its JSON reporter) and `node:test`
 * (a reporter that writes one JSON line per event, the files imported in one process), each in a
 * child process started through the launcher of testing/env.ts, with a timeout that kills the
 * whole process group, cancellation, and — under `sandbox` — Node's permission model with explicit
 * read paths. A file that fails to load is reported with the loader's own message. Jest and vitest
 * run through the workspace's test runner (server/src/testing/).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { throughLauncher } from '../testing/env';
import { parseJson } from '../trace/nesting';
import type { TestFramework, TestRunResult, TestVerdict } from './model';

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
  /** Run under Node's permission model (see `sandboxFlags`). */
  sandbox?: boolean;
  /** A CommonJS script to load before the tests (`--require`), e.g. the coverage recorder. */
  preload?: string;
  /** Run only this test: mocha matches its full title, node:test its own title. */
  only?: { fullTitle: string; title: string };
}

/**
 * Node flags that put a test process under Node's permission model: it may read only the paths in
 * `readable` (its scratch copy, the `node_modules` it needs, Node itself) and write only under
 * `writable` (the scratch copy); it may not start processes or worker threads. Everything else —
 * other processes' `/proc` entries, the workspace's `.env`, the user's home — is refused with
 * `ERR_ACCESS_DENIED`. Node's permission model does not restrict the network. Jest and vitest need
 * workers and child processes and cannot run under it (see docs/generation.md).
 */
export function sandboxFlags(framework: TestFramework, writable: string, readable: readonly string[]): string[] | undefined {
  if (framework !== 'mocha' && framework !== 'node:test') return undefined;
  const major = Number(process.versions.node.split('.')[0]);
  const reads = [...new Set([writable, ...readable, process.execPath].flatMap(realAndGiven))];
  const writes = realAndGiven(writable);
  // One flag per path: Node 20.20 and later refuse a comma-separated list.
  const flags = [major >= 22 ? '--permission' : '--experimental-permission', ...reads.map((p) => `--allow-fs-read=${p}`), ...writes.map((p) => `--allow-fs-write=${p}`)];
  return [...flags, '--disable-warning=ExperimentalWarning'];
}

/** A path and, when it differs, the path it resolves to through symbolic links. */
function realAndGiven(p: string): string[] {
  try {
    const real = fs.realpathSync(p);
    return real === p ? [p] : [p, real];
  } catch {
    return [p];
  }
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

/**
 * Imports each test file in turn in this one process (so node:test needs no child processes and
 * runs under the sandbox); a file that fails to load is written as one JSON line with the loader's
 * message and the others still run.
 */
const nodeTestEntry = `import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [errors, ...files] = process.argv.slice(2);
for (const file of files) {
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    const text = error && error.stack ? String(error.stack) : String(error);
    appendFileSync(errors, JSON.stringify({ file, message: text.slice(0, 4000) }) + '\\n');
    process.exitCode = 1;
  }
}
`;

/** The folder of installed packages that holds the framework (so the sandbox may read it). */
function packagesFolder(entry: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = entry.lastIndexOf(marker);
  return at >= 0 ? entry.slice(0, at + marker.length - 1) : path.dirname(path.dirname(entry));
}

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

/** Runs a node child through the launcher in its own process group; kills the group on timeout or abort. */
function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal: AbortSignal): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const launched = throughLauncher(process.execPath, args);
    const child = spawn(launched.command, launched.args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
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
      // Whatever the tests started in the group goes too.
      kill();
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

/**
 * The loader's own words from a child's stderr: the first lines, without Node's internal stack
 * frames and the launcher's noise, so a syntax error keeps its `file:line`, the offending line
 * and the caret.
 */
export function loaderMessage(stderr: string, maxLines = 14): string {
  const lines = stderr
    .split('\n')
    .filter((line) => !/^\s+at .*(?:node:internal|\(node:|node_modules[\\/]mocha[\\/]|\.tandem-node-test-entry\.mjs)/.test(line) && !/^Node\.js v\d/.test(line) && !/ExperimentalWarning|--trace-warnings/.test(line));
  while (lines.length > 0 && lines[0].trim() === '') lines.shift();
  return lines.slice(0, maxLines).join('\n').trim();
}

export async function runTestFiles(input: RunTestFilesInput): Promise<TestRunResult> {
  const output = path.join(input.dir, `.tandem-results-${process.pid}-${Date.now()}.json`);
  try {
    if (input.framework === 'mocha') return await runMocha(input, output);
    if (input.framework === 'node:test') return await runNodeTest(input, output);
    return { verdicts: [], error: `running ${input.framework} tests needs the workspace's test runner, which is not available` };
  } catch (error) {
    return { verdicts: [], error: `the tests could not be started: ${(error as Error).message}` };
  } finally {
    fs.rmSync(output, { force: true });
  }
}

/** Node flags of a run: source maps (so stacks name the workspace's TypeScript lines), and the sandbox. */
function nodeFlags(input: RunTestFilesInput, frameworkEntry?: string): string[] {
  const flags = ['--enable-source-maps', ...(input.preload ? ['--require', input.preload] : [])];
  if (!input.sandbox) return flags;
  const readable = [path.join(input.dir, 'node_modules'), ...(frameworkEntry ? [packagesFolder(frameworkEntry)] : [])].filter((p) => fs.existsSync(p));
  return [...flags, ...(sandboxFlags(input.framework, input.dir, readable) ?? [])];
}

async function runMocha(input: RunTestFilesInput, output: string): Promise<TestRunResult> {
  const mocha = resolveMocha(input.dir, input.resolvePaths ?? []);
  if (!mocha) return { verdicts: [], error: 'mocha is not installed in the workspace' };
  const only = input.only ? ['--fgrep', input.only.fullTitle] : [];
  const args = [...nodeFlags(input, mocha), mocha, '--no-config', '--no-package', '--reporter', 'json', '--reporter-option', `output=${output}`, '--timeout', '5000', ...only, ...input.files];
  const outcome = await runNode(args, input.dir, input.env, input.timeoutMs, input.signal);
  const stopped = failure(outcome, input.timeoutMs);
  if (stopped) return { verdicts: [], error: stopped };
  let report: { tests?: { title: string; fullTitle: string; file?: string; err?: { message?: string; expected?: unknown; actual?: unknown } }[]; pending?: { fullTitle: string }[] };
  try {
    report = parseJson(fs.readFileSync(output, 'utf8')) as typeof report;
  } catch {
    return { verdicts: [], error: `a test file did not load (mocha exited with code ${outcome.code}):\n${loaderMessage(outcome.stderr)}` };
  }
  const pending = new Set((report.pending ?? []).map((t) => t.fullTitle));
  const verdicts: TestVerdict[] = (report.tests ?? []).map((t) => {
    const failed = t.err && Object.keys(t.err).length > 0;
    const message = failed ? describeError(t.err!) : undefined;
    return { path: t.file ?? input.files[0], fullTitle: t.fullTitle, title: t.title, outcome: pending.has(t.fullTitle) ? 'skipped' : failed ? 'failed' : 'passed', message };
  });
  const loadError = verdicts.length === 0 && outcome.code !== 0 ? `a test file did not load (mocha exited with code ${outcome.code}):\n${loaderMessage(outcome.stderr)}` : undefined;
  return { verdicts, error: loadError };
}

function describeError(err: { message?: string; expected?: unknown; actual?: unknown }): string {
  const parts = [err.message ?? 'failed'];
  if ('expected' in err || 'actual' in err) parts.push(`expected ${JSON.stringify(err.expected)}, got ${JSON.stringify(err.actual)}`);
  return parts.join('; ').slice(0, 1500);
}

async function runNodeTest(input: RunTestFilesInput, output: string): Promise<TestRunResult> {
  const reporter = path.join(input.dir, '.tandem-node-test-reporter.mjs');
  const entry = path.join(input.dir, '.tandem-node-test-entry.mjs');
  const loadErrors = `${output}.load`;
  fs.writeFileSync(reporter, nodeTestReporter);
  fs.writeFileSync(entry, nodeTestEntry);
  const only = input.only ? [`--test-name-pattern=^${input.only.title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`] : [];
  const args = [...nodeFlags(input), `--test-reporter=${reporter}`, `--test-reporter-destination=${output}`, ...only, entry, loadErrors, ...input.files];
  try {
    const outcome = await runNode(args, input.dir, input.env, input.timeoutMs, input.signal);
    const stopped = failure(outcome, input.timeoutMs);
    if (stopped) return { verdicts: [], error: stopped };
    return readNodeTestReport(input, output, loadErrors, outcome);
  } finally {
    fs.rmSync(loadErrors, { force: true });
  }
}

function readNodeTestReport(input: RunTestFilesInput, output: string, loadErrorsFile: string, outcome: ChildOutcome): TestRunResult {
  const loadErrors: string[] = [];
  if (fs.existsSync(loadErrorsFile)) {
    for (const line of fs.readFileSync(loadErrorsFile, 'utf8').split('\n').filter(Boolean).slice(0, 50)) {
      try {
        const { file, message } = parseJson(line) as { file: string; message: string };
        loadErrors.push(`${path.relative(input.dir, file)} did not load:\n${loaderMessage(message)}`);
      } catch {
        // A torn line; the others still say what happened.
      }
    }
  }
  let lines: string[];
  try {
    lines = fs.readFileSync(output, 'utf8').split('\n').filter(Boolean);
  } catch {
    lines = [];
  }
  const verdicts: TestVerdict[] = [];
  const stack: string[] = [];
  // Source maps make node:test name the TypeScript file a test came from; the run knows the JavaScript one.
  const stem = (file: string) => file.replace(/\.[^./\\]+$/, '');
  const fileOf = (file: string | undefined) => (file === undefined ? input.files[0] : input.files.includes(file) ? file : (input.files.find((f) => stem(f) === stem(file)) ?? file));
  for (const line of lines) {
    let event: { type: string; name: string; nesting: number; file?: string; kind?: string; skip: boolean; todo: boolean; message?: string };
    try {
      event = parseJson(line) as typeof event;
    } catch {
      continue;
    }
    if (event.type === 'test:stderr') continue;
    if (event.type === 'test:start') {
      stack.length = event.nesting;
      stack[event.nesting] = event.name;
      continue;
    }
    if (event.kind === 'suite') continue;
    const titles = [...stack.slice(0, event.nesting), event.name];
    const file = fileOf(event.file);
    if (event.type === 'test:fail' && /^\d+ subtests? failed$/.test(event.message ?? '')) continue;
    verdicts.push({
      path: file,
      fullTitle: titles.join(' '),
      title: event.name,
      outcome: event.skip || event.todo ? 'skipped' : event.type === 'test:pass' ? 'passed' : 'failed',
      message: event.type === 'test:fail' ? event.message : undefined,
    });
  }
  if (loadErrors.length > 0) return { verdicts, error: loadErrors.join('\n\n') };
  if (verdicts.length === 0 && outcome.code !== 0) return { verdicts, error: `node:test reported nothing (exit ${outcome.code}):\n${loaderMessage(outcome.stderr)}` };
  return { verdicts };
}
