/**
 * Line coverage as plain data, whatever produced it: a report of any language (LCOV, Cobertura,
 * JaCoCo, coverage.py JSON) or Node's V8 coverage of one of Tandem's own runs. Lines are one-based
 * as every report writes them; paths are absolute once resolved in the workspace.
 */

/** The measured lines of one file: line → times it ran (0: measured, never ran). */
export type LineHits = Map<number, number>;

/** Measured lines by file. */
export type CoverageMap = Map<string, LineHits>;

/** What a report reader returns before its file names are resolved in the workspace. */
export interface ReadCoverage {
  format: CoverageFormat;
  /** Files as the report names them, with their measured lines. */
  files: { name: string; lines: LineHits }[];
  /** Folders the report says its names are relative to (Cobertura `<source>`). */
  sourceRoots: string[];
  problems: string[];
}

export type CoverageFormat = 'lcov' | 'cobertura' | 'jacoco' | 'coveragepy' | 'v8';

/** Adds `from`'s hits into `into` (the union of two measurements: counts add up). */
export function mergeLines(into: LineHits, from: LineHits): void {
  for (const [line, hits] of from) into.set(line, (into.get(line) ?? 0) + hits);
}

export function mergeMaps(into: CoverageMap, from: CoverageMap): void {
  for (const [file, lines] of from) {
    let target = into.get(file);
    if (!target) into.set(file, (target = new Map()));
    mergeLines(target, lines);
  }
}
