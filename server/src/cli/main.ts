/**
 * `tandem`: the server's engine without an editor. `trace` prints the trace matrix, `check` is the
 * CI gate, `demo` drives the real server over stdio and prints what an editor would show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serverVersion } from '../version';
import { pathToUri } from '../lsp/uri';
import { Workspace } from '../workspace/workspace';
import { checkTrace } from '../trace/check';
import { formatCheck, formatTrace, type TraceFormat } from '../trace/reports';
import type { TestResultRecord } from '../trace/model';
import { errorDetail } from '../errors';

const usage = `Usage: tandem <command> [options] [PATH]

Commands:
  trace [PATH]     print the requirement → code → test matrix of the workspace at PATH (default .)
      --format text|json|csv|markdown|junit|html|sarif|reqif   output format (default text)
      --out FILE                              write to FILE instead of standard output
      --results FILE...                       JUnit XML test results to count (passed → verified)
      --coverage FILE...                      coverage reports (LCOV, Cobertura, JaCoCo, coverage.py JSON)
      --link-base URL                         html: link path:line evidence to URL/path#Lline
  check [PATH]     print the gaps and defects; exit 1 when there are any (the CI gate)
      --require covered|verified              what every requirement must reach (default: setting trace.checkRequire)
      --results FILE...                       JUnit XML test results to count
      --coverage FILE...                      coverage reports to join to the requirements
      --min-coverage PERCENT                  fail requirements whose code is covered below this (default: trace.minCoverage)
      --format text|json|junit|sarif          output format (default text)
      --out FILE                              write to FILE instead of standard output
      --allow-empty                           pass when no requirement was found (it fails by default)
  testability [PATH]  print the testability findings of the workspace's JavaScript and TypeScript
      --format text|json|sarif                output format (default text)
  serve [PATH]     serve the HTML report on 127.0.0.1, rebuilt as the workspace changes
      --port N                                the port (default 7357; 0 picks a free one)
      --results FILE...                       JUnit XML test results to count
      --link-base URL                         as for trace --format html
  demo [PATH]      start the language server over stdio on PATH (default: the bundled examples/)
                   and print what an editor would show: diagnostics, lenses, hover, trace, coverage

Options:
  --version        print the version
  --help           print this help

Exit codes: 0 success, 1 the check found gaps or defects (or no requirement at all),
            2 bad usage, an unreadable workspace or an output file that cannot be written.
`;

interface Parsed {
  command?: string;
  positional: string[];
  options: Map<string, string[]>;
}

/** Splits argv into the command, positional arguments and `--name value` options (repeatable). */
export function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { positional: [], options: new Map() };
  const takesValues = new Set(['--format', '--out', '--results', '--require', '--coverage', '--min-coverage', '--link-base', '--port']);
  const lists = new Set(['--results', '--coverage']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      const values = parsed.options.get(name) ?? [];
      if (inline !== undefined) values.push(inline);
      else if (takesValues.has(name)) {
        // `--results` takes every following argument up to the next option.
        while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
          values.push(argv[++i]);
          if (!lists.has(name)) break;
        }
      }
      parsed.options.set(name, values);
    } else if (!parsed.command) parsed.command = arg;
    else parsed.positional.push(arg);
  }
  // `--results a.xml b.xml PATH`: reports are files, the workspace is a folder.
  for (const name of lists) {
    const values = parsed.options.get(name);
    if (!values) continue;
    const folders = values.filter((value) => fs.existsSync(value) && fs.statSync(value).isDirectory());
    parsed.options.set(name, values.filter((value) => !folders.includes(value)));
    parsed.positional.push(...folders);
  }
  return parsed;
}

class UsageError extends Error {}

/** A failure the user can act on, told in one line (exit 2) without the usage text. */
class CliError extends Error {}

function option(parsed: Parsed, name: string, allowed?: string[]): string | undefined {
  const values = parsed.options.get(name);
  if (!values) return undefined;
  const value = values[values.length - 1];
  if (value === undefined) throw new UsageError(`${name} needs a value`);
  if (allowed && !allowed.includes(value)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

/** Indexes a workspace folder the way the server does, and returns it. */
export async function indexWorkspace(root: string, log: (message: string) => void = () => undefined): Promise<Workspace> {
  if (root === '') throw new UsageError('PATH must not be empty (use . for the current folder)');
  const resolved = path.resolve(root);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) throw new UsageError(`${root} is not a folder`);
  try {
    // The walk skips what it cannot read; a workspace that cannot be read at all is an error, not an empty pass.
    fs.readdirSync(resolved);
  } catch (error) {
    throw new CliError(`cannot read the workspace folder ${root}: ${(error as Error).message}`);
  }
  const workspace = new Workspace({ toUri: pathToUri, log: (level, message) => (level === 'error' || level === 'warning' ? log(message) : undefined) });
  workspace.setFolders([fs.realpathSync(resolved)]);
  await workspace.fullIndex();
  return workspace;
}

/** Reads JUnit XML reports into test results for the graph, matching test files within the workspace. */
async function loadResults(workspace: Workspace, files: string[], log: (message: string) => void): Promise<TestResultRecord[]> {
  if (files.length === 0) return [];
  const { loadJUnitResults } = await import('../testing/index.js');
  const loaded = loadJUnitResults(
    files.map((file) => path.resolve(file)),
    { roots: workspace.folders().map((folder) => folder.path), workspaceFiles: workspace.files() },
  );
  for (const problem of loaded.problems) log(problem);
  return loaded.records;
}

/**
 * Joins coverage to the trace: the reports named by `--coverage` and by the setting
 * `testing.coverageReports`. Nothing is loaded (and the trace has no coverage) when there are none.
 */
async function loadCoverage(workspace: Workspace, files: string[], log: (message: string) => void): Promise<void> {
  const roots = workspace.folders().map((folder) => folder.path);
  const { CoverageJoin, CoverageStore, loadCoverageReports } = await import('../testing/coverage/index.js');
  const { findReports } = await import('../testing/reports.js');
  const configured = roots.flatMap((root) => {
    const globs = workspace.settings(root).testing.coverageReports;
    return findReports(root, globs, () => true);
  });
  const all = [...new Set([...files.map((file) => path.resolve(file)), ...configured])];
  if (all.length === 0) return;
  const store = new CoverageStore();
  const loaded = loadCoverageReports(store, all, { roots, workspaceFiles: workspace.files() });
  for (const problem of loaded.problems) log(problem);
  workspace.graph.setOptions({ codeCoverage: new CoverageJoin(store, pathToUri).hook });
}

/** `--min-coverage PERCENT`, checked before any work. */
function parseMinCoverage(parsed: Parsed): number | undefined {
  const given = option(parsed, '--min-coverage');
  if (given === undefined) return undefined;
  const value = Number(given.replace(/%$/, ''));
  if (given.trim() === '' || !(value >= 0 && value <= 100)) throw new UsageError(`--min-coverage must be a percentage from 0 to 100, not "${given}"`);
  return value;
}

/** The coverage bar: `--min-coverage`, else the setting `trace.minCoverage` (0: none). */
function minCoverageOf(given: number | undefined, workspace: Workspace): number | undefined {
  if (given !== undefined) return given;
  const setting = workspace.settings().trace.minCoverage;
  return typeof setting === 'number' && setting > 0 ? setting : undefined;
}

function output(text: string, out: string | undefined): void {
  const whole = text.endsWith('\n') ? text : `${text}\n`;
  if (out === undefined) {
    process.stdout.write(whole);
    return;
  }
  if (out === '') throw new UsageError('--out needs a file name');
  try {
    fs.writeFileSync(out, whole);
  } catch (error) {
    throw new CliError(`cannot write ${out}: ${(error as Error).message}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.options.has('--version')) {
    process.stdout.write(`${serverVersion()}\n`);
    return 0;
  }
  if (parsed.options.has('--help') || !parsed.command || parsed.command === 'help') {
    process.stdout.write(usage);
    return parsed.command || parsed.options.has('--help') ? 0 : 2;
  }
  const log = (message: string) => process.stderr.write(`tandem: ${message}\n`);
  const root = parsed.positional[0] ?? '.';
  // Options are read before the work, so a usage mistake costs no index.
  const out = parsed.command === 'demo' ? undefined : option(parsed, '--out');
  const givenMinCoverage = parsed.command === 'demo' ? undefined : parseMinCoverage(parsed);
  switch (parsed.command) {
    case 'trace': {
      const format = option(parsed, '--format', ['text', 'json', 'csv', 'markdown', 'junit', 'html', 'sarif', 'reqif']) ?? 'text';
      const workspace = await indexWorkspace(root, log);
      const results = await loadResults(workspace, parsed.options.get('--results') ?? [], log);
      if (results.length > 0) workspace.graph.setTestResults(results);
      await loadCoverage(workspace, parsed.options.get('--coverage') ?? [], log);
      const minCoverage = minCoverageOf(givenMinCoverage, workspace);
      if (format === 'html' || format === 'sarif' || format === 'reqif') {
        const { formatReport } = await import('../report/index.js');
        output(formatReport(workspace, format, { linkBase: option(parsed, '--link-base') }), out);
      } else output(formatTrace(workspace.graph, format as TraceFormat, { relativeTo: workspace.folders()[0].path, minCoverage }), out);
      return 0;
    }
    case 'check': {
      const workspace = await indexWorkspace(root, log);
      const format = option(parsed, '--format', ['text', 'json', 'junit', 'sarif']) ?? 'text';
      const require = (option(parsed, '--require', ['covered', 'verified']) ?? workspace.settings().trace.checkRequire) as 'covered' | 'verified';
      const results = await loadResults(workspace, parsed.options.get('--results') ?? [], log);
      if (results.length > 0) workspace.graph.setTestResults(results);
      await loadCoverage(workspace, parsed.options.get('--coverage') ?? [], log);
      const minCoverage = minCoverageOf(givenMinCoverage, workspace);
      const result = checkTrace(workspace.graph, { require, minCoverage, requirementFiles: workspace.countIndexed('requirements'), allowEmpty: parsed.options.has('--allow-empty') });
      if (result.empty) log(result.empty);
      const relativeTo = workspace.folders()[0].path;
      const { checkSarif } = await import('../report/sarif.js');
      const text =
        format === 'json'
          ? JSON.stringify(result, null, 2)
          : format === 'junit'
            ? formatTrace(workspace.graph, 'junit', { relativeTo, minCoverage })
            : format === 'sarif'
              ? checkSarif(result, { root: relativeTo })
              : formatCheck(result, { relativeTo, minCoverage });
      output(text, out);
      return result.ok ? 0 : 1;
    }
    case 'testability': {
      const format = option(parsed, '--format', ['text', 'json', 'sarif']) ?? 'text';
      const workspace = await indexWorkspace(root, log);
      const { runTestability } = await import('./testability.js');
      output(runTestability(workspace, format as 'text' | 'json' | 'sarif').text, out);
      return 0;
    }
    case 'serve': {
      const port = Number(option(parsed, '--port') ?? '7357');
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0 to 65535), not "${option(parsed, '--port')}"`);
      const workspace = await indexWorkspace(root, log);
      const { serveReport } = await import('./serve.js');
      return serveReport(workspace, { port, linkBase: option(parsed, '--link-base'), results: parsed.options.get('--results') ?? [], log, loadResults: (files) => loadResults(workspace, files, log) });
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(parsed.positional[0]);
    }
    default:
      throw new UsageError(`unknown command "${parsed.command}"`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`tandem: ${error.message}\n\n${usage}`);
    } else if (error instanceof CliError || !process.env.TANDEM_DEBUG) {
      // One line the user can act on; TANDEM_DEBUG=1 shows where an unexpected failure came from.
      process.stderr.write(`tandem: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    } else {
      process.stderr.write(`tandem: ${errorDetail(error)}\n`);
    }
    process.exitCode = 2;
  },
);
