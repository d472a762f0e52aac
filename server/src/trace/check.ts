/**
 * The verdict of `tandem check`: every defect of the trace and every requirement that falls short
 * of what is required (`covered`, or `verified` by passing tests). On a project written for
 * OpenFastTrace the defects are the ones `oft trace` reports, item for item.
 */
import type { Defect, RequirementSummary } from '../../../protocol/trace';
import type { TraceQuery } from './graph';

/** True when the coverage is below a bar given in percent (code without executable lines never is). */
export function belowBar(coverage: { covered: number; total: number }, minPercent: number): boolean {
  return coverage.total > 0 && (coverage.covered / coverage.total) * 100 < minPercent;
}

/** The share as a whole percentage for people (`87%`), or `—` when there is no executable line. */
export function percentOf(coverage: { covered: number; total: number }): string {
  return coverage.total === 0 ? '—' : `${Math.floor((coverage.covered / coverage.total) * 100)}%`;
}

export interface CheckOptions {
  require: 'covered' | 'verified';
  /** The share (percent) of its implementation's lines a requirement's tests must run; absent: no bar. */
  minCoverage?: number;
  /**
   * How many requirement files were read (the CLI knows; a graph alone cannot tell "no file" from
   * "files without requirements"). A check that found no requirement fails unless `allowEmpty`:
   * a gate that read nothing must not pass.
   */
  requirementFiles?: number;
  allowEmpty?: boolean;
}

export interface CheckResult {
  ok: boolean;
  /** Each defect with the ID of the item that has it (absent for tags that name no requirement). */
  defects: (Defect & { id?: string })[];
  /** Requirements below the required status. */
  gaps: RequirementSummary[];
  /**
   * With `minCoverage`: implemented requirements whose implementation is covered below the bar, or
   * whose implementation no coverage measured (`codeCoverage: null`); their uncovered lines are in
   * `codeCoverage.uncovered`.
   */
  lowCoverage?: RequirementSummary[];
  /** Set when no requirement was found: what was read, in one sentence. */
  empty?: string;
}

export function checkTrace(graph: TraceQuery, options: CheckOptions): CheckResult {
  const defects = [...graph.allDefects(), ...graph.unknownIdDefects()];
  // Rejected OpenFastTrace items need no coverage, as `oft trace` sees it.
  const requirements = graph.requirements({});
  const gaps = requirements.filter((summary) => !meets(summary, options.require) && !graph.isRejected(summary.id));
  const bar = options.minCoverage;
  const lowCoverage =
    bar === undefined
      ? []
      : requirements.filter((summary) => summary.implementations > 0 && !graph.isRejected(summary.id) && (!summary.codeCoverage || belowBar(summary.codeCoverage, bar)));
  const result: CheckResult = { ok: defects.length === 0 && gaps.length === 0 && lowCoverage.length === 0, defects, gaps, lowCoverage };
  if (requirements.length === 0) {
    const files = options.requirementFiles;
    const read =
      files === 0
        ? 'No requirement file was read'
        : `No requirement was found${files === undefined ? '' : ` in the ${files} requirement file${files === 1 ? '' : 's'} read`}`;
    result.empty = options.allowEmpty
      ? `${read}: there is nothing to check.`
      : `${read}: there is nothing to check, so the check does not pass (see trace.requirements and maxFileSize, or pass --allow-empty).`;
    if (!options.allowEmpty) result.ok = false;
  }
  return result;
}

export function meets(summary: RequirementSummary, require: 'covered' | 'verified'): boolean {
  return require === 'verified' ? summary.status === 'verified' : summary.status === 'covered' || summary.status === 'verified';
}
