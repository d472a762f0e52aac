/**
 * The coverage a session knows: what each report gave (replaced when the report is read again),
 * what Tandem's own runs measured per file, and — where a run could measure it — which lines
 * each test ran. Plain data, versioned so that joins can be cached until something changes.
 */
import type { CoverageMap, LineHits } from './model';

/** One test's identity: its file and full title. */
export function testKey(file: string, testName: string): string {
  return `${file}\u0000${testName}`;
}

export class CoverageStore {
  private readonly reports = new Map<string, CoverageMap>();
  private readonly runs: CoverageMap = new Map();
  /** Covered lines by file, for each test measured on its own, by test file then full title. */
  private readonly tests = new Map<string, Map<string, Map<string, Set<number>>>>();
  private merged: CoverageMap | undefined;
  private changes = 0;

  /** Increases with every change. */
  get version(): number {
    return this.changes;
  }

  get isEmpty(): boolean {
    return this.reports.size === 0 && this.runs.size === 0;
  }

  private changed(): void {
    this.changes++;
    this.merged = undefined;
  }

  /** Keeps a report's lines, replacing what the same report gave before. */
  setReport(report: string, lines: CoverageMap): void {
    this.reports.set(report, lines);
    this.changed();
  }

  removeReport(report: string): boolean {
    const had = this.reports.delete(report);
    if (had) this.changed();
    return had;
  }

  /** Keeps a run's measurement: each file it measured replaces that file's earlier run data. */
  setRunLines(lines: CoverageMap): void {
    for (const [file, hits] of lines) this.runs.set(file, hits);
    this.changed();
  }

  /** Keeps the lines one test ran, replacing its earlier measurement. */
  setTestLines(testFile: string, testName: string, lines: CoverageMap): void {
    let byName = this.tests.get(testFile);
    if (!byName) this.tests.set(testFile, (byName = new Map()));
    const covered = new Map<string, Set<number>>();
    for (const [file, hits] of lines) {
      const set = new Set<number>();
      for (const [line, count] of hits) if (count > 0) set.add(line);
      covered.set(file, set);
    }
    byName.set(testName, covered);
    this.changed();
  }

  /** The measured lines of a file across reports and runs (a line counts as run if any source ran it). */
  linesOf(file: string): LineHits | undefined {
    if (!this.merged) {
      const merged: CoverageMap = new Map();
      const sources = [...this.reports.values(), this.runs].filter((source) => source.size > 0);
      for (const source of sources) {
        for (const [name, hits] of source) {
          const target = merged.get(name);
          if (!target) merged.set(name, sources.length === 1 ? hits : new Map(hits));
          else for (const [line, count] of hits) target.set(line, (target.get(line) ?? 0) + count);
        }
      }
      this.merged = merged;
    }
    return this.merged.get(file);
  }

  /** The tests of a test file measured on their own: full title → covered lines by file. */
  testsIn(testFile: string): ReadonlyMap<string, Map<string, Set<number>>> | undefined {
    return this.tests.get(testFile);
  }
}
