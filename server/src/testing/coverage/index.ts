/**
 * Coverage evidence: report readers (LCOV, Cobertura, JaCoCo, coverage.py JSON), Node's V8
 * coverage of Tandem's own runs, the store of what is known, and the join to requirements.
 */
import * as path from 'node:path';
import { loadCoverageReport, PathResolver } from './read';
import type { CoverageStore } from './store';

export * from './model';
export { CoverageStore, testKey } from './store';
export { CoverageJoin, joinCoverage } from './join';
export { loadCoverageReport, parseCoveragePyJson, PathResolver, readCoverageFile } from './read';
export { parseLcov } from './lcov';
export { parseCoverageXml } from './xml';

/**
 * Reads coverage reports into the store, each replacing what it gave before. Returns the
 * problems, one line each, and how many files of the workspace the reports measured.
 */
export function loadCoverageReports(store: CoverageStore, files: string[], where: { roots: string[]; workspaceFiles: readonly string[] }): { measured: number; problems: string[] } {
  const resolver = new PathResolver(where.roots, where.workspaceFiles);
  const problems: string[] = [];
  let measured = 0;
  for (const file of files) {
    const report = path.resolve(file);
    const loaded = loadCoverageReport(report, resolver);
    problems.push(...loaded.problems);
    if (loaded.lines.size === 0 && loaded.problems.length === 0) problems.push(`${report}: names no file of the workspace (${loaded.unresolved} files not found)`);
    measured += loaded.lines.size;
    store.setReport(report, loaded.lines);
  }
  return { measured, problems };
}
