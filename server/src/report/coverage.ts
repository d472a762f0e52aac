/**
 * Code coverage of a requirement, when the coverage evidence provides it on the summary
 * (`codeCoverage`). Reports render it when present and leave the column out when no requirement
 * has one; the shapes read are a ratio (0..1), `{ ratio }`, `{ percent }`, or covered/total line
 * counts (`{ covered, total }`, `{ lines: { covered, total } }`).
 */
import type { RequirementSummary } from '../../../protocol/trace';

export function codeCoverageRatio(summary: RequirementSummary): number | undefined {
  const value = (summary as { codeCoverage?: unknown }).codeCoverage;
  return ratioOf(value, 0);
}

function ratioOf(value: unknown, depth: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  if (typeof value !== 'object' || value === null || depth > 2) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.ratio === 'number') return ratioOf(record.ratio, depth + 1);
  if (typeof record.percent === 'number') return ratioOf(record.percent / 100, depth + 1);
  if (typeof record.covered === 'number' && typeof record.total === 'number') return record.total > 0 ? ratioOf(record.covered / record.total, depth + 1) : undefined;
  if (record.lines !== undefined) return ratioOf(record.lines, depth + 1);
  return undefined;
}

/** `87%`, or an empty string when unknown. */
export function codeCoverageText(summary: RequirementSummary): string {
  const ratio = codeCoverageRatio(summary);
  return ratio === undefined ? '' : `${Math.floor(ratio * 1000) / 10}%`;
}

export function anyCodeCoverage(summaries: readonly RequirementSummary[]): boolean {
  return summaries.some((summary) => codeCoverageRatio(summary) !== undefined);
}
