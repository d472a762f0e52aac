/**
 * One figure a benchmark prints: a name, a value and its unit, and a note that says what it is
 * compared with (ratios always name their peer).
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** The p-th percentile (0..100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Prints rows as an aligned table. */
export function printRows(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n${title}\n`);
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  for (const row of rows) {
    // NaN is a figure that could not be measured (nothing to measure, skipped, over its limit): a dash, not "NaN".
    const value = Number.isNaN(row.value) ? '—' : Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(row.value < 10 ? 2 : 1);
    process.stdout.write(`  ${row.name.padEnd(width)}  ${value.padStart(10)} ${row.unit.padEnd(6)} ${row.note ?? ''}\n`);
  }
}
