/**
 * Test results from any language through JUnit XML, the format pytest (`--junitxml`), Go
 * (go-junit-report, gotestsum), Maven Surefire/Failsafe, cargo-nextest and most CI runners write.
 *
 * The reader is a small, forgiving XML tokenizer for this one format: elements, attributes,
 * text and CDATA, entities; no DTDs. Malformed input yields what could be read plus a problem,
 * never a throw.
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
import type { TestResultRecord } from '../trace/model';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return entities[name] ?? whole;
  });
}

/** Parses XML into an element tree; returns the root and the problems met. */
export function parseXml(text: string): { root: XmlElement | undefined; problems: string[] } {
  const problems: string[] = [];
  const top: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [top];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      stack[stack.length - 1].text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i) stack[stack.length - 1].text += decodeEntities(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? text.length : end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      stack[stack.length - 1].text += text.slice(lt + 9, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end + 3;
    } else if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      const name = text.slice(lt + 2, end < 0 ? text.length : end).trim();
      const at = stack.map((element) => element.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      else problems.push(`a closing </${name}> has no matching opening tag`);
      i = end < 0 ? text.length : end + 1;
    } else {
      const tag = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(lt, lt + 65536));
      if (!tag) {
        problems.push(`unreadable markup at offset ${lt}`);
        i = lt + 1;
        continue;
      }
      const attributes: Record<string, string> = {};
      for (const attribute of tag[2].matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes[attribute[1]] = decodeEntities(attribute[2] ?? attribute[3] ?? '');
      const element: XmlElement = { name: tag[1], attributes, children: [], text: '' };
      stack[stack.length - 1].children.push(element);
      if (!tag[3]) stack.push(element);
      i = lt + tag[0].length;
    }
  }
  if (stack.length > 1) problems.push(`the document ends inside <${stack[stack.length - 1].name}>`);
  return { root: top.children.find((child) => child.name === 'testsuites' || child.name === 'testsuite'), problems };
}

/** Where a JUnit test case came from, before it is matched to a workspace file. */
export interface JUnitCase {
  /** The `file` attribute, or a path guessed from the class name (relative, `/`-separated). */
  fileHint: string;
  /** True when `fileHint` is a guess from `classname`. */
  guessed: boolean;
  titles: string[];
  record: TestResultRecord['result'];
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

/** Reads the test cases of one JUnit XML text; `reportPath` names the report in problems. */
export function parseJUnitCases(text: string, reportPath: string, at = new Date().toISOString()): { cases: JUnitCase[]; problems: string[] } {
  const { root, problems: xmlProblems } = parseXml(text);
  const problems = xmlProblems.map((problem) => `${reportPath}: ${problem}`);
  if (!root) return { cases: [], problems: [...problems, `${reportPath}: no <testsuites> or <testsuite> element`] };
  const cases: JUnitCase[] = [];
  const visit = (element: XmlElement, inheritedFile: string | undefined, timestamp: string | undefined) => {
    const file = element.attributes.file ?? inheritedFile;
    const stamp = element.attributes.timestamp ?? timestamp;
    if (element.name === 'testcase') {
      const name = element.attributes.name ?? '';
      const className = element.attributes.classname ?? element.attributes.class ?? '';
      const guess = fromClassName(className);
      const failure = element.children.find((child) => child.name === 'failure' || child.name === 'error');
      const skipped = element.children.find((child) => child.name === 'skipped');
      const outcome = failure ? (failure.name === 'failure' ? 'failed' : 'errored') : skipped ? 'skipped' : 'passed';
      const detail = failure ?? skipped;
      const message = detail ? [detail.attributes.message, detail.text.trim()].filter(Boolean).join('\n').slice(0, 4000) : undefined;
      const parsedStamp = stamp && !Number.isNaN(Date.parse(stamp)) ? new Date(stamp).toISOString() : at;
      cases.push({
        fileHint: file ?? guess.fileHint,
        guessed: file === undefined,
        titles: [...(file === undefined ? guess.suites : className.split('.').filter((part) => /^[A-Z]/.test(part)).slice(-1)), name].filter(Boolean),
        record: { outcome, at: parsedStamp, stale: false, ...(secondsToMs(element.attributes.time) !== undefined ? { durationMs: secondsToMs(element.attributes.time) } : {}), ...(message ? { message } : {}) },
      });
      return;
    }
    for (const child of element.children) visit(child, file, stamp);
  };
  visit(root, undefined, undefined);
  return { cases, problems };
}

/**
 * Finds the workspace file a JUnit case names: the `file` attribute resolved against the report's
 * folder and the workspace folders, else the workspace file whose path ends with the guessed
 * path (for Go, a `_test.go` file in the package's folder).
 */
export function resolveTestFile(testCase: JUnitCase, reportDir: string, roots: string[], workspaceFiles: readonly string[]): string | undefined {
  const hint = testCase.fileHint.replace(/\\/g, '/');
  if (!testCase.guessed) {
    if (path.isAbsolute(hint)) return path.resolve(hint);
    for (const base of [reportDir, ...roots]) {
      const candidate = path.resolve(base, hint);
      if (workspaceFiles.includes(candidate) || fs.existsSync(candidate)) return candidate;
    }
    return path.resolve(roots[0] ?? reportDir, hint);
  }
  const normalized = workspaceFiles.map((file) => ({ file, slashed: file.replace(/\\/g, '/') }));
  if (hint.endsWith('/')) {
    const packagePath = hint.slice(0, -1);
    const inPackage = normalized.filter(({ slashed }) => slashed.endsWith('_test.go') && packageMatches(path.posix.dirname(slashed), packagePath));
    return pickGoFile(inPackage.map(({ file }) => file), testCase.titles[testCase.titles.length - 1]);
  }
  return normalized.find(({ slashed }) => slashed.endsWith(`/${hint}`))?.file;
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

function junitRecords(text: string, reportPath: string, roots: string[], workspaceFiles: readonly string[], at?: string): { records: TestResultRecord[]; problems: string[] } {
  const { cases, problems } = parseJUnitCases(text, reportPath, at);
  const reportDir = path.dirname(path.resolve(reportPath));
  const records = cases.map((testCase) => ({
    path: resolveTestFile(testCase, reportDir, roots, workspaceFiles) ?? path.resolve(roots[0] ?? reportDir, testCase.fileHint),
    testName: testCase.titles.join(' '),
    result: testCase.record,
  }));
  return { records, problems };
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
  let listed: string[] | undefined;
  for (const file of files) {
    let text: string;
    let at: string;
    try {
      text = fs.readFileSync(file, 'utf8');
      at = fs.statSync(file).mtime.toISOString();
    } catch (error) {
      problems.push(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    const roots = options.roots ?? [process.cwd()];
    const workspaceFiles = options.workspaceFiles ?? (listed ??= listFiles(roots));
    const read = junitRecords(text, file, roots, workspaceFiles, at);
    records.push(...read.records);
    problems.push(...read.problems);
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
