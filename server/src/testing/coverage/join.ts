/**
 * The join of coverage to the trace: for one requirement, the executable lines of the code that
 * implements it and which of them ran. When the requirement's own tests were measured one by one,
 * only their lines count (`scope: "tests"`); otherwise the coverage of whole runs and reports does
 * (`scope: "run"`), and the result says so.
 *
 * A line is executable when some coverage source measured it (a report's `DA` line, a V8 range
 * mapped to a line with code): comments, blank lines and declarations no tool instruments are not
 * counted. Code in a file no source measured is unknown, not uncovered: when none of a
 * requirement's implementing files was measured the answer is `null`.
 */
import type { CodeCoverage, Location } from '../../../../protocol/trace';
import type { CoverageTargets } from '../../trace/graph';
import type { CoverageStore } from './store';

export { belowBar, percentOf } from '../../trace/check';

/** How many uncovered blocks a result names at most. */
const maxUncovered = 200;

/** Equal, one a suffix of the other, or the link's title a suite that holds the measured test. */
function namesMatch(measured: string, linked: string): boolean {
  return measured === linked || measured.endsWith(` ${linked}`) || linked.endsWith(` ${measured}`) || measured.startsWith(`${linked} `);
}

export function joinCoverage(store: CoverageStore, targets: CoverageTargets, toUri: (path: string) => string): CodeCoverage | null {
  if (store.isEmpty || targets.implementations.length === 0) return null;
  // The lines each implementing file contributes, once even when two tags bind to nested code.
  const wanted = new Map<string, Set<number>>();
  for (const { path, span } of targets.implementations) {
    let lines = wanted.get(path);
    if (!lines) wanted.set(path, (lines = new Set()));
    for (let line = span.start.line + 1; line <= span.end.line + 1; line++) lines.add(line);
  }
  // Per-test coverage of the requirement's own tests, when every test file with tests measured has it.
  let own: Map<string, Set<number>> | undefined;
  for (const test of targets.tests) {
    const measured = store.testsIn(test.path);
    if (!measured) continue;
    for (const [name, covered] of measured) {
      if (test.testName && !namesMatch(name, test.testName)) continue;
      own ??= new Map();
      for (const [file, lines] of covered) {
        let into = own.get(file);
        if (!into) own.set(file, (into = new Set()));
        for (const line of lines) into.add(line);
      }
    }
  }
  let measuredAny = false;
  let covered = 0;
  let total = 0;
  const uncovered: Location[] = [];
  for (const [path, lines] of wanted) {
    const hits = store.linesOf(path);
    if (!hits) continue;
    measuredAny = true;
    const ownLines = own?.get(path);
    let blockStart = -1;
    let blockEnd = -1;
    const close = () => {
      if (blockStart < 0) return;
      if (uncovered.length < maxUncovered) uncovered.push({ uri: toUri(path), range: { start: { line: blockStart - 1, character: 0 }, end: { line: blockEnd, character: 0 } } });
      blockStart = -1;
    };
    for (const line of lines.size > 1 ? [...lines].sort((a, b) => a - b) : lines) {
      const count = hits.get(line);
      if (count === undefined) continue;
      total++;
      const ran = own ? ownLines?.has(line) === true : count > 0;
      if (ran) {
        covered++;
        close();
      } else if (blockStart >= 0 && blockEnd === line - 1) blockEnd = line;
      else {
        close();
        blockStart = line;
        blockEnd = line;
      }
    }
    close();
  }
  if (!measuredAny) return null;
  const result: CodeCoverage = { covered, total, scope: own ? 'tests' : 'run' };
  if (uncovered.length > 0) result.uncovered = uncovered;
  return result;
}

/** The uncovered lines as people name them: `src/calc.js:4-5, 9`. */
export function describeUncovered(coverage: CodeCoverage, relative: (uri: string) => string): string {
  return (coverage.uncovered ?? [])
    .map((location) => {
      const first = location.range.start.line + 1;
      const last = location.range.end.line;
      return `${relative(location.uri)}:${first === last ? first : `${first}-${last}`}`;
    })
    .join(', ');
}

/** A cache of joins, valid while neither the graph nor the coverage changed. */
export class CoverageJoin {
  private cache = new Map<string, CodeCoverage | null>();
  private key = '';

  private readonly uris = new Map<string, string>();
  private readonly toUri: (path: string) => string;

  constructor(
    private readonly store: CoverageStore,
    toUri: (path: string) => string,
  ) {
    // URIs of uncovered blocks repeat per file; making one costs microseconds.
    this.toUri = (path) => {
      let uri = this.uris.get(path);
      if (uri === undefined) {
        uri = toUri(path);
        if (this.uris.size < 100000) this.uris.set(path, uri);
      }
      return uri;
    };
  }

  /** The `codeCoverage` hook of the trace graph. */
  readonly hook = (id: string, targets: () => CoverageTargets, graphVersion = 0): CodeCoverage | null => {
    if (this.store.isEmpty) return null;
    const key = `${graphVersion}:${this.store.version}`;
    if (key !== this.key) {
      this.cache = new Map();
      this.key = key;
    }
    if (this.cache.has(id)) return this.cache.get(id)!;
    const joined = joinCoverage(this.store, targets(), this.toUri);
    this.cache.set(id, joined);
    return joined;
  };
}
