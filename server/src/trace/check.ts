/**
 * The verdict of `tandem check`: every defect of the trace and every requirement that falls short
 * of what is required (`covered`, or `verified` by passing tests). On a project written for
 * OpenFastTrace the defects are the ones `oft trace` reports, item for item.
 */
import type { Defect, RequirementSummary } from '../../../protocol/trace';
import type { TraceGraph } from './graph';

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
}

export function checkTrace(graph: TraceGraph, options: CheckOptions): CheckResult {
  const defects = [...graph.allDefects(), ...graph.unknownIdDefects()];
  // Rejected OpenFastTrace items need no coverage, as `oft trace` sees it.
  const summaries = graph.requirements({});
  const gaps = summaries.filter((summary) => !meets(summary, options.require) && !graph.isRejected(summary.id));
  const bar = options.minCoverage;
  const lowCoverage =
    bar === undefined
      ? []
      : summaries.filter((summary) => summary.implementations > 0 && !graph.isRejected(summary.id) && (!summary.codeCoverage || belowBar(summary.codeCoverage, bar)));
  return { ok: defects.length === 0 && gaps.length === 0 && lowCoverage.length === 0, defects, gaps, lowCoverage };
}

export function meets(summary: RequirementSummary, require: 'covered' | 'verified'): boolean {
  return require === 'verified' ? summary.status === 'verified' : summary.status === 'covered' || summary.status === 'verified';
}
