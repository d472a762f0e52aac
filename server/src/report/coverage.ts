/**
 * Code coverage of a requirement for the HTML report, from the summary's `codeCoverage` (see
 * `CodeCoverage` in the protocol): the ratio for sorting and the averages, the text as the other
 * reports write it.
 */
import type { RequirementSummary } from '../../../protocol/trace';
import { describeCodeCoverage } from '../trace/reports';

/** Covered lines over lines, 0..1; undefined when no coverage is known. */
export function codeCoverageRatio(summary: RequirementSummary): number | undefined {
  const coverage = summary.codeCoverage;
  return coverage && coverage.total > 0 ? coverage.covered / coverage.total : undefined;
}

/** `87% (13/15 lines)`, or an empty string when unknown. */
export function codeCoverageText(summary: RequirementSummary): string {
  return summary.codeCoverage ? describeCodeCoverage(summary.codeCoverage) : '';
}

/** Whether the column is shown: some requirement carries coverage. */
export function anyCodeCoverage(summaries: readonly RequirementSummary[]): boolean {
  return summaries.some((summary) => summary.codeCoverage);
}
