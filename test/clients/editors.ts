/**
 * Support for the real-editor tests: finding an editor binary, skipping (or, under CI, failing)
 * when it is missing, running it headless with a deadline, and asking the server itself what it
 * holds so that each editor view can be compared with the truth.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, repoRoot, startServer, uriOf } from '../support/lsp';

export { repoRoot };

/** The full path of an executable found on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/**
 * The editor's binary. When it is missing the test is skipped with "skipped: <name> not found",
 * except under CI (the `CI` environment variable set), where a missing editor is a failure.
 */
export function requireEditor(context: Mocha.Context, name: string): string {
  const found = findExecutable(name);
  if (found) return found;
  if (process.env.CI) throw new Error(`${name} not found on PATH, and CI must run the ${name} tests (install the Debian packages named in clients/README.md)`);
  if (context.test) context.test.title += ` (skipped: ${name} not found)`;
  console.log(`      skipped: ${name} not found`);
  context.skip();
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to its end or its deadline (then kills it and its children). Never rejects. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(error), timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The editor may leave the server behind when it is killed; end the whole group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * A fresh copy of the client fixture workspace, and a scratch file for results. With
 * `insideRepository`, the copy is a subfolder of a git repository (as `examples/` is of a Tandem
 * checkout), so that a client that prefers the repository's root over the folder holding
 * `tandem.json` shows it.
 */
export function freshWorkspace(options: { insideRepository?: boolean } = {}): { root: string; resultsFile: string; repository?: string } {
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-editor-')), 'results.json');
  if (!options.insideRepository) return { root: copyFixture(path.join('clients', 'workspace')), resultsFile };
  const repository = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-repo-')));
  // What version control looks for; no git binary is needed.
  fs.mkdirSync(path.join(repository, '.git', 'objects'), { recursive: true });
  fs.mkdirSync(path.join(repository, '.git', 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repository, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(repository, 'README.md'), '# The repository around the workspace\n\n## OUT-1: Not part of the workspace\n');
  const root = path.join(repository, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'clients', 'workspace'), root, { recursive: true });
  return { root, resultsFile, repository };
}

/** Reads the JSON results an editor script wrote, or explains why there are none. */
export function readResults(resultsFile: string, result: RunResult, editor: string): any {
  let text: string;
  try {
    text = fs.readFileSync(resultsFile, 'utf8');
  } catch {
    throw new Error(
      `${editor} wrote no results (exit ${result.code}, signal ${result.signal}${result.timedOut ? ', killed at the deadline' : ''}).\nstdout:\n${result.stdout.slice(-3000)}\nstderr:\n${result.stderr.slice(-3000)}`,
    );
  }
  const parsed = JSON.parse(text);
  if (parsed.error) {
    throw new Error(`${editor} failed at step "${parsed.failed_step}": ${parsed.error}\nresults so far: ${JSON.stringify(parsed, null, 1).slice(0, 4000)}\nstderr:\n${result.stderr.slice(-2000)}`);
  }
  return parsed;
}

/** What the server itself answers on a workspace: the truth the editor views are checked against. */
export interface ServerTruth {
  requirements: { id: string; status: string; title: string; line: number }[];
  gaps: string[];
  trace: Record<string, { definitions: number[]; implementations: number[]; tests: number[] }>;
  coverage: { total: number; byStatus: Record<string, number>; coveredRatio: number };
}

export async function serverTruth(root: string, traceIds: string[]): Promise<ServerTruth> {
  const client = await startServer(root);
  try {
    const all = await client.request('tandem/requirements', {});
    const gaps = await client.request('tandem/requirements', { gapsOnly: true });
    const trace: ServerTruth['trace'] = {};
    for (const id of traceIds) {
      const result = await client.request('tandem/trace', { id });
      if (!result) throw new Error(`the server knows no requirement ${id}`);
      trace[id] = {
        definitions: result.definitions.map((location: any) => location.range.start.line + 1),
        implementations: result.implementations.map((link: any) => link.location.range.start.line + 1),
        tests: result.tests.map((link: any) => link.location.range.start.line + 1),
      };
    }
    const coverage = await client.request('tandem/coverage', {});
    return {
      requirements: all.requirements.map((summary: any) => ({ id: summary.id, status: summary.status, title: summary.title, line: summary.location.range.start.line + 1 })),
      gaps: gaps.requirements.map((summary: any) => summary.id),
      trace,
      coverage,
    };
  } finally {
    await client.shutdown();
  }
}

export { uriOf };
