/**
 * Test results from any language through JUnit XML, the format pytest (`--junitxml`), Go
 * (go-junit-report, gotestsum), Maven Surefire/Failsafe, cargo-nextest and most CI runners write.
 *
 * The reader streams the XML through `saxes` (a conforming, non-validating parser) and keeps only
 * the test case being read: memory and time are linear in the report, however deep its nesting or
 * many its cases. Malformed input (a broken entity such as `&#99999999;`, a character XML forbids,
 * a missing end tag) yields what could be read plus problems, never a throw.
 *
 * Requirement links in a case's `<properties>` count: pytest's `record_property("verifies",
 * "REQ-1")`, GoogleTest's `RecordProperty`, Polarion's `polarion-testcase-id`, and the same names
 * written as attributes of `<testcase>` (older GoogleTest). See `requirementPropertyNames`.
 *
 * Each `<testcase>` becomes one record. Its test file is the `file` attribute when present
 * (pytest's xunit1 family, nextest, some Go converters), else guessed from `classname` (pytest's
 * dotted module path `tests.test_login.TestLogin`, a Java class `com.acme.LoginTest`), to be
 * matched against the workspace's files by `resolveTestFile`. The full title is the suite path
 * inside the file followed by the test's name: `TestLogin test_ok` for a pytest method, `test_ok`
 * for a pytest function, `should_login` for a Java method (the class is the file), `TestTotal/x`
 * for a Go subtest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import { streamTextFile } from '../text/read';
import type { TestResultRecord } from '../trace/model';

/** Where a JUnit test case came from, before it is matched to a workspace file. */
export interface JUnitCase {
  /** The `file` attribute, or a path guessed from the class name (relative, `/`-separated). */
  fileHint: string;
  /** True when `fileHint` is a guess from `classname`. */
  guessed: boolean;
  titles: string[];
  record: TestResultRecord['result'];
  /** The requirements its properties name (`verifies`, `requirement`, …); absent when none. */
  requirements?: string[];
}

function secondsToMs(value: string | undefined): number | undefined {
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000 * 10) / 10 : undefined;
}

/** Guesses the file and the in-file suite titles from a test case's `classname`. */
function fromClassName(className: string): { fileHint: string; suites: string[] } {
  const parts = className.split('.').filter(Boolean);
  // pytest: `tests.test_login.TestLogin` — the module is the last part that looks like a test module.
  const moduleAt = parts.findLastIndex((part) => /^test_|_test$|^tests?$/.test(part) && /^[a-z_][a-z0-9_]*$/.test(part));
  if (moduleAt >= 0 && /^test_|_test$/.test(parts[moduleAt])) return { fileHint: `${parts.slice(0, moduleAt + 1).join('/')}.py`, suites: parts.slice(moduleAt + 1) };
  // Go: `example.com/shop/cart` — a package path; the tests live in its *_test.go files.
  if (className.includes('/')) return { fileHint: `${className}/`, suites: [] };
  // Java and Kotlin: `com.acme.LoginTest`, nested classes as `LoginTest$Nested`.
  const outer = parts.join('/').split('$')[0];
  const nested = className.split('$').slice(1);
  return { fileHint: `${outer}.java`, suites: nested };
}

/**
 * Property names (case-insensitive) whose values name the requirements a test case verifies.
 * A value may list several IDs, separated by commas, semicolons or white space.
 */
export const requirementPropertyNames: ReadonlySet<string> = new Set([
  'verifies',
  'requirement',
  'requirements',
  'requirement_id',
  'requirement-id',
  'req',
  'reqs',
  'req_id',
  'polarion-testcase-id',
  'polarion-requirement-id',
]);

const maxMessage = 4000;
const maxProblems = 20;
const maxIdsPerCase = 100;
const maxIdLength = 200;

/** The IDs a property value lists. */
function idsOf(value: string, into: string[]): void {
  for (const part of value.split(/[\s,;]+/)) {
    if (part.length > 0 && part.length <= maxIdLength && into.length < maxIdsPerCase && !into.includes(part)) into.push(part);
  }
}

interface OpenCase {
  attributes: Record<string, string>;
  file: string | undefined;
  stamp: string | undefined;
  detail?: { name: string; message: string | undefined; text: string };
  requirements: string[];
  /** Depth of the `<testcase>` element in the document. */
  depth: number;
  property?: { name: string; text: string; hasValue: boolean };
}

/**
 * A streaming JUnit reader: `write` the text in pieces, then `close` for the cases and problems.
 * Work per piece is linear in its length; nothing but the open elements' names and the case being
 * read is kept.
 */
export class JUnitReader {
  private readonly parser = new SaxesParser({ position: true });
  private readonly cases: JUnitCase[] = [];
  private readonly problems: string[] = [];
  private problemCount = 0;
  /** Names of the open elements, and for each the `file` and `timestamp` it passes on. */
  private readonly open: { name: string; file: string | undefined; stamp: string | undefined }[] = [];
  private sawRoot = false;
  private ownTrace = false;
  private current: OpenCase | undefined;
  private closed = false;

  constructor(
    private readonly reportPath: string,
    private readonly at = new Date().toISOString(),
  ) {
    this.parser.on('error', (error) => this.problem(error.message.replace(/\.$/, '')));
    this.parser.on('opentag', (tag) => this.onOpen(tag.name, tag.attributes as Record<string, string>));
    this.parser.on('closetag', () => this.onClose());
    this.parser.on('text', (text) => this.onText(text));
    this.parser.on('cdata', (text) => this.onText(text));
  }

  write(chunk: string): this {
    if (this.closed) return this;
    try {
      this.parser.write(chunk);
    } catch (error) {
      // The parser reports through the error handler; a throw is a defect of the parser, not of the report.
      this.problem((error as Error).message);
      this.closed = true;
    }
    return this;
  }

  close(): { cases: JUnitCase[]; problems: string[] } {
    if (!this.closed) {
      try {
        this.parser.close();
      } catch (error) {
        this.problem((error as Error).message);
      }
      this.closed = true;
    }
    if (this.open.length > 0) this.problem(`the document ends inside <${this.open[this.open.length - 1].name}>`);
    if (this.current) this.finishCase();
    if (!this.sawRoot) {
      // Not a JUnit report at all: the one problem that matters, not the parser's complaints about it.
      return { cases: [], problems: [`${this.reportPath}: no <testsuites> or <testsuite> element`] };
    }
    if (this.ownTrace) this.problem("this is Tandem's own trace report (<testsuites name=\"tandem trace\">), not test results; it was not read");
    if (this.problemCount > maxProblems) this.problems.push(`${this.reportPath}: ${this.problemCount - maxProblems} more problems`);
    return { cases: this.ownTrace ? [] : this.cases, problems: this.problems };
  }

  private problem(message: string): void {
    this.problemCount++;
    if (this.problemCount <= maxProblems) this.problems.push(`${this.reportPath}: ${message}`);
  }

  private onOpen(name: string, attributes: Record<string, string>): void {
    const parent = this.open[this.open.length - 1];
    const depth = this.open.length;
    if (depth === 0 && (name === 'testsuites' || name === 'testsuite')) {
      this.sawRoot = true;
      if (name === 'testsuites' && attributes.name === 'tandem trace') this.ownTrace = true;
    }
    const file = attributes.file ?? parent?.file;
    const stamp = attributes.timestamp ?? parent?.stamp;
    this.open.push({ name, file, stamp });
    if (!this.sawRoot) return;
    const current = this.current;
    if (!current) {
      if (name === 'testcase') {
        const requirements: string[] = [];
        for (const [key, value] of Object.entries(attributes)) if (requirementPropertyNames.has(key.toLowerCase())) idsOf(value, requirements);
        this.current = { attributes, file, stamp, requirements, depth };
      }
      return;
    }
    if (depth === current.depth + 1 && (name === 'failure' || name === 'error' || name === 'skipped')) {
      // The first failure or error wins over a skip; a later one is ignored.
      const rank = (n: string) => (n === 'skipped' ? 0 : 1);
      if (!current.detail || rank(name) > rank(current.detail.name)) current.detail = { name, message: attributes.message, text: '' };
    } else if (name === 'property' && depth === current.depth + 2 && this.open[depth - 1].name === 'properties') {
      const propertyName = attributes.name ?? '';
      current.property = { name: propertyName, text: '', hasValue: attributes.value !== undefined };
      if (attributes.value !== undefined && requirementPropertyNames.has(propertyName.toLowerCase())) idsOf(attributes.value, current.requirements);
    }
  }

  private onClose(): void {
    const depth = this.open.length - 1;
    const closing = this.open.pop();
    const current = this.current;
    if (!current || !closing) return;
    if (depth === current.depth) this.finishCase();
    else if (closing.name === 'property' && current.property) {
      if (!current.property.hasValue && requirementPropertyNames.has(current.property.name.toLowerCase())) idsOf(current.property.text, current.requirements);
      current.property = undefined;
    }
  }

  private onText(text: string): void {
    const current = this.current;
    if (!current) return;
    const depth = this.open.length - 1;
    if (current.property && depth === current.depth + 2) {
      if (current.property.text.length < maxIdLength * maxIdsPerCase) current.property.text += text;
    } else if (current.detail && depth === current.depth + 1 && this.open[depth].name === current.detail.name && current.detail.text.length < maxMessage) {
      current.detail.text += text.slice(0, maxMessage - current.detail.text.length);
    }
  }

  private finishCase(): void {
    const current = this.current!;
    this.current = undefined;
    const { attributes, file, stamp, detail } = current;
    const name = attributes.name ?? '';
    const className = attributes.classname ?? attributes.class ?? '';
    const guess = fromClassName(className);
    const outcome = detail ? (detail.name === 'failure' ? 'failed' : detail.name === 'error' ? 'errored' : 'skipped') : 'passed';
    const message = detail ? [detail.message, detail.text.trim()].filter(Boolean).join('\n').slice(0, maxMessage) : undefined;
    const parsedStamp = stamp && !Number.isNaN(Date.parse(stamp)) ? new Date(stamp).toISOString() : this.at;
    const durationMs = secondsToMs(attributes.time);
    this.cases.push({
      fileHint: file ?? guess.fileHint,
      guessed: file === undefined,
      titles: [...(file === undefined ? guess.suites : className.split('.').filter((part) => /^[A-Z]/.test(part)).slice(-1)), name].filter(Boolean),
      record: { outcome, at: parsedStamp, stale: false, ...(durationMs !== undefined ? { durationMs } : {}), ...(message ? { message } : {}) },
      ...(current.requirements.length > 0 ? { requirements: current.requirements } : {}),
    });
  }
}

/** Reads the test cases of one JUnit XML text; `reportPath` names the report in problems. */
export function parseJUnitCases(text: string, reportPath: string, at = new Date().toISOString()): { cases: JUnitCase[]; problems: string[] } {
  return new JUnitReader(reportPath, at).write(text).close();
}

/**
 * The workspace's files as a report's cases look them up: a set for exact paths and, per hint, the
 * answer found, so that a report of many cases costs one pass over the files per distinct hint.
 */
export class FileLookup {
  readonly exact: ReadonlySet<string>;
  readonly slashed: readonly { file: string; slashed: string }[];
  readonly memo = new Map<string, string | undefined>();

  constructor(readonly files: readonly string[]) {
    this.exact = new Set(files);
    this.slashed = files.map((file) => ({ file, slashed: file.replace(/\\/g, '/') }));
  }
}

/**
 * Finds the workspace file a JUnit case names: the `file` attribute resolved against the report's
 * folder and the workspace folders, else the workspace file whose path ends with the guessed
 * path (for Go, a `_test.go` file in the package's folder).
 */
export function resolveTestFile(testCase: JUnitCase, reportDir: string, roots: string[], workspaceFiles: readonly string[] | FileLookup): string | undefined {
  const lookup = workspaceFiles instanceof FileLookup ? workspaceFiles : new FileLookup(workspaceFiles);
  const hint = testCase.fileHint.replace(/\\/g, '/');
  // A Go package's cases differ in the test function that picks the file; other hints decide alone.
  const key = `${testCase.guessed ? 'g' : 'f'}\u0000${reportDir}\u0000${hint}${hint.endsWith('/') ? `\u0000${testCase.titles[testCase.titles.length - 1] ?? ''}` : ''}`;
  if (lookup.memo.has(key)) return lookup.memo.get(key);
  const found = findTestFile(testCase, hint, reportDir, roots, lookup);
  lookup.memo.set(key, found);
  return found;
}

function findTestFile(testCase: JUnitCase, hint: string, reportDir: string, roots: string[], lookup: FileLookup): string | undefined {
  if (!testCase.guessed) {
    if (path.isAbsolute(hint)) return path.resolve(hint);
    for (const base of [reportDir, ...roots]) {
      const candidate = path.resolve(base, hint);
      if (lookup.exact.has(candidate) || fs.existsSync(candidate)) return candidate;
    }
    return path.resolve(roots[0] ?? reportDir, hint);
  }
  if (hint.endsWith('/')) {
    const packagePath = hint.slice(0, -1);
    const inPackage = lookup.slashed.filter(({ slashed }) => slashed.endsWith('_test.go') && packageMatches(path.posix.dirname(slashed), packagePath));
    return pickGoFile(inPackage.map(({ file }) => file), testCase.titles[testCase.titles.length - 1]);
  }
  return lookup.slashed.find(({ slashed }) => slashed.endsWith(`/${hint}`))?.file;
}

/** A Go package path `example.com/shop/cart` matches a folder ending in `shop/cart` or `cart`. */
function packageMatches(folder: string, packagePath: string): boolean {
  const parts = packagePath.split('/');
  for (let take = parts.length; take >= 1; take--) {
    if (folder.endsWith(`/${parts.slice(-take).join('/')}`)) return true;
  }
  return false;
}

/** Picks the `_test.go` file that declares the test function, else the first. */
function pickGoFile(files: string[], testName: string | undefined): string | undefined {
  if (files.length <= 1 || !testName) return files[0];
  const functionName = testName.split('/')[0];
  for (const file of files) {
    try {
      if (new RegExp(`func\\s+${functionName.replace(/[^\w]/g, '')}\\s*\\(`).test(fs.readFileSync(file, 'utf8'))) return file;
    } catch {
      // An unreadable file cannot be the one.
    }
  }
  return files[0];
}

/**
 * Reads one JUnit XML text into records. Test files are resolved against `roots` and
 * `workspaceFiles` when given; a case whose file cannot be found keeps its guessed path relative to
 * the first root (or the report's folder), so it is still listed.
 */
export function parseJUnitXml(text: string, reportPath: string, roots: string[] = [], workspaceFiles: readonly string[] = []): TestResultRecord[] {
  return junitRecords(text, reportPath, roots, workspaceFiles).records;
}

function junitRecords(text: string, reportPath: string, roots: string[], workspaceFiles: readonly string[] | FileLookup, at?: string): { records: TestResultRecord[]; problems: string[] } {
  return recordsOf(parseJUnitCases(text, reportPath, at), reportPath, roots, workspaceFiles);
}

function recordsOf(
  read: { cases: JUnitCase[]; problems: string[] },
  reportPath: string,
  roots: string[],
  workspaceFiles: readonly string[] | FileLookup,
): { records: TestResultRecord[]; problems: string[] } {
  const lookup = workspaceFiles instanceof FileLookup ? workspaceFiles : new FileLookup(workspaceFiles);
  const reportDir = path.dirname(path.resolve(reportPath));
  const records = read.cases.map(
    (testCase): TestResultRecord => ({
      path: resolveTestFile(testCase, reportDir, roots, lookup) ?? path.resolve(roots[0] ?? reportDir, testCase.fileHint),
      testName: testCase.titles.join(' '),
      result: testCase.record,
      ...(testCase.requirements ? { requirements: testCase.requirements } : {}),
    }),
  );
  return { records, problems: read.problems };
}

/** Reads a report file in pieces through the streaming reader, so a large report is never one string. */
function readReportFile(file: string, at: string): { cases: JUnitCase[]; problems: string[] } {
  const reader = new JUnitReader(file, at);
  streamTextFile(file, (text) => reader.write(text));
  return reader.close();
}

/**
 * Reads JUnit XML report files for `tandem trace --results FILE...` and the `testing.junitReports`
 * setting. Results without a timestamp take the report file's modification time. Unreadable files
 * and malformed XML become problems; what could be read is kept. Without `workspaceFiles`, the
 * files under `roots` are listed (skipping dependency and build folders) to resolve guessed paths.
 */
export function loadJUnitResults(files: string[], options: { roots?: string[]; workspaceFiles?: readonly string[] } = {}): { records: TestResultRecord[]; problems: string[] } {
  const records: TestResultRecord[] = [];
  const problems: string[] = [];
  let lookup: FileLookup | undefined;
  for (const file of files) {
    let read: { cases: JUnitCase[]; problems: string[] };
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: stat.isDirectory() ? 'EISDIR' : 'not a regular file' });
      read = readReportFile(file, stat.mtime.toISOString());
    } catch (error) {
      problems.push(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    const roots = options.roots ?? [process.cwd()];
    lookup ??= new FileLookup(options.workspaceFiles ?? listFiles(roots));
    const loaded = recordsOf(read, file, roots, lookup);
    // One push per record: a report of 200,000 cases would overflow the stack as spread arguments.
    for (const record of loaded.records) records.push(record);
    for (const problem of loaded.problems) problems.push(problem);
  }
  return { records, problems };
}

const skippedFolders = new Set(['node_modules', '.git', 'target', 'build', 'dist', 'out', '.venv', 'venv', '__pycache__', '.tandem', 'vendor']);
const maxListedFiles = 100000;

/**
 * Walks folders breadth first, calling `visit` with every file, and never entering the folders
 * `skipFolder` names. Stops after `maxEntries` directory entries, so a huge tree costs a bounded
 * time. Unreadable folders are passed over.
 */
export function walkFiles(roots: string[], skipFolder: (name: string) => boolean, maxEntries: number, visit: (file: string) => void): void {
  const queue = [...roots];
  let seen = 0;
  while (queue.length > 0 && seen < maxEntries) {
    const dir = queue.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      seen++;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipFolder(entry.name)) queue.push(full);
      } else if (entry.isFile()) visit(full);
    }
  }
}

/** The files under `roots`, breadth first, without dependency and build folders. */
function listFiles(roots: string[]): string[] {
  const files: string[] = [];
  walkFiles(roots, (name) => skippedFolders.has(name), maxListedFiles, (file) => files.push(file));
  return files;
}
