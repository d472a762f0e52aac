/**
 * The verdict of `tandem check`: every defect of the trace and every requirement that falls short
 * of what is required (`covered`, or `verified` by passing tests). On a project written for
 * OpenFastTrace the defects are the ones `oft trace` reports, item for item.
 */
import type { Defect, RequirementSummary } from '../../../protocol/trace';
import type { TraceQuery } from './graph';

export interface CheckOptions {
  require: 'covered' | 'verified';
}

export interface CheckResult {
  ok: boolean;
  /** Each defect with the ID of the item that has it (absent for tags that name no requirement). */
  defects: (Defect & { id?: string })[];
  /** Requirements below the required status. */
  gaps: RequirementSummary[];
}

export function checkTrace(graph: TraceQuery, options: CheckOptions): CheckResult {
  const defects = [...graph.allDefects(), ...graph.unknownIdDefects()];
  // Rejected OpenFastTrace items need no coverage, as `oft trace` sees it.
  const gaps = graph.requirements({}).filter((summary) => !meets(summary, options.require) && !graph.isRejected(summary.id));
  return { ok: defects.length === 0 && gaps.length === 0, defects, gaps };
}

export function meets(summary: RequirementSummary, require: 'covered' | 'verified'): boolean {
  return require === 'verified' ? summary.status === 'verified' : summary.status === 'covered' || summary.status === 'verified';
}
