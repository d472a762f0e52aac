/**
 * Trace reports for terminals, spreadsheets, documents and CI systems. `json` is exactly the
 * protocol's shapes (`{ requirements: RequirementTrace[], coverage: CoverageResult }`), so a CI
 * job reads what an editor reads; `junit` makes one test case per requirement, failing when it
 * is a gap or has defects, so CI systems render the trace as test results, with the requirement
 * and its counts as `<properties>` for importers. `html`, `sarif` and `reqif` live in `report/`
 * (see `formatReport` there). Every text from the workspace is escaped for its format by
 * `report/escape.ts`.
 */
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeCoverage, Location, RequirementSummary, RequirementTrace } from '../../../protocol/trace';
import { csvField, markdownCell, oneLine, xmlAttribute, xmlText } from '../report/escape';
import { belowBar, percentOf, type CheckResult } from './check';
import type { TraceGraph } from './graph';

export type TraceFormat = 'text' | 'json' | 'csv' | 'markdown' | 'junit';

export interface ReportOptions {
  /** Paths in the report are made relative to this folder. */
  relativeTo?: string;
  /** The coverage bar in percent (`trace.minCoverage`, `--min-coverage`): JUnit cases below it fail. */
  minCoverage?: number;
}

/** `87% (13/15 lines)`, with `, run` when the lines may have run for other tests too; `-` when unknown. */
export function describeCodeCoverage(coverage: CodeCoverage | null | undefined): string {
  if (!coverage) return '-';
  return `${percentOf(coverage)} (${coverage.covered}/${coverage.total} lines${coverage.scope === 'run' ? ', run' : ''})`;
}

/** The uncovered lines as people name them: `src/calc.js:4-5, src/calc.js:9`. */
export function describeUncovered(coverage: CodeCoverage, options: ReportOptions = {}): string {
  return (coverage.uncovered ?? [])
    .map((location) => {
      const first = location.range.start.line + 1;
      const last = location.range.end.line;
      return `${displayPath(location.uri, options)}:${first === last ? first : `${first}-${last}`}`;
    })
    .join(', ');
}

function hasCodeCoverage(summaries: RequirementSummary[]): boolean {
  return summaries.some((s) => s.codeCoverage);
}

export function formatTrace(graph: TraceGraph, format: TraceFormat, options: ReportOptions = {}): string {
  const summaries = graph.requirements({});
  switch (format) {
    case 'json': {
      const requirements = summaries.map((s) => graph.trace(s.id)).filter((t): t is RequirementTrace => t !== null);
      return JSON.stringify({ requirements, coverage: graph.coverage() }, null, 2) + '\n';
    }
    case 'csv':
      return formatCsv(summaries, options);
    case 'markdown':
      return formatMarkdown(graph, summaries, options);
    case 'junit':
      return formatJUnit(graph, summaries, options);
    default:
      return formatText(graph, summaries);
  }
}

export function formatCheck(result: CheckResult, options: ReportOptions = {}): string {
  const lines: string[] = [];
  if (result.empty) lines.push(result.empty);
  if (result.ok) {
    lines.push('Trace check passed: every requirement meets the requirement and there are no defects.');
    return lines.join('\n') + '\n';
  }
  if (result.gaps.length > 0) {
    lines.push(`${result.gaps.length} requirement${plural(result.gaps.length)} below the required status:`);
    for (const gap of result.gaps) lines.push(`  ${oneLine(where(gap.location, options))}: ${oneLine(gap.id)} is ${gap.status}${gap.title ? ` (${oneLine(gap.title)})` : ''}`);
  }
  const low = result.lowCoverage ?? [];
  if (low.length > 0) {
    lines.push(`${low.length} requirement${plural(low.length)} below the coverage bar${options.minCoverage !== undefined ? ` of ${options.minCoverage}%` : ''}:`);
    for (const s of low) {
      if (!s.codeCoverage) lines.push(`  ${oneLine(where(s.location, options))}: ${oneLine(s.id)}: no coverage of its implementation is known`);
      else lines.push(`  ${oneLine(where(s.location, options))}: ${oneLine(s.id)} is ${describeCodeCoverage(s.codeCoverage)}; not run: ${oneLine(describeUncovered(s.codeCoverage, options)) || 'none named'}`);
    }
  }
  if (result.defects.length > 0) {
    lines.push(`${result.defects.length} defect${plural(result.defects.length)}:`);
    for (const defect of result.defects) {
      const at = defect.location ? `${oneLine(where(defect.location, options))}: ` : '';
      lines.push(`  ${at}${defect.kind}${defect.id ? ` [${oneLine(defect.id)}]` : ''}: ${oneLine(defect.message)}`);
    }
  }
  lines.push('Trace check failed.');
  return lines.join('\n') + '\n';
}

function formatText(graph: TraceGraph, summaries: RequirementSummary[]): string {
  const withCode = hasCodeCoverage(summaries);
  const header = ['ID', 'Status', 'Impl', 'Tests', ...(withCode ? ['Code'] : []), 'Defects', 'Title'];
  const rows = summaries.map((s) => [
    oneLine(s.id),
    s.status,
    String(s.implementations),
    String(s.tests),
    ...(withCode ? [describeCodeCoverage(s.codeCoverage)] : []),
    s.defects.join(',') || '-',
    oneLine(s.title),
  ]);
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : truncate(cell, widths[i]).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)];
  out.push('', coverageLine(graph));
  return out.join('\n') + '\n';
}

export function coverageLine(graph: TraceGraph): string {
  const coverage = graph.coverage();
  const parts = Object.entries(coverage.byStatus)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return `${coverage.total} requirement${plural(coverage.total)}: ${parts.join(', ') || 'none'}; ${Math.round(coverage.coveredRatio * 100)}% covered; ${coverage.defective} with defects; ${coverage.unknownIdTags} tag${plural(coverage.unknownIdTags)} naming unknown IDs.`;
}

function formatCsv(summaries: RequirementSummary[], options: ReportOptions): string {
  const withCode = hasCodeCoverage(summaries);
  const rows = [['id', 'title', 'format', 'artifactType', 'status', 'implementations', 'tests', 'defects', 'location', ...(withCode ? ['codeCovered', 'codeTotal', 'codeScope'] : [])]];
  for (const s of summaries) {
    const code = withCode ? (s.codeCoverage ? [String(s.codeCoverage.covered), String(s.codeCoverage.total), s.codeCoverage.scope] : ['', '', '']) : [];
    rows.push([s.id, s.title, s.format, s.artifactType, s.status, String(s.implementations), String(s.tests), s.defects.join(' '), where(s.location, options), ...code]);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function formatMarkdown(graph: TraceGraph, summaries: RequirementSummary[], options: ReportOptions): string {
  const withCode = hasCodeCoverage(summaries);
  const out = [
    '# Requirements trace',
    '',
    coverageLine(graph),
    '',
    `| ID | Status | Implementations | Tests |${withCode ? ' Code coverage |' : ''} Defects | Title | Defined at |`,
    `|---|---|---|---|${withCode ? '---|' : ''}---|---|---|`,
  ];
  for (const s of summaries) {
    const code = withCode ? ` ${describeCodeCoverage(s.codeCoverage)} |` : '';
    out.push(`| ${markdownCell(s.id)} | ${s.status} | ${s.implementations} | ${s.tests} |${code} ${s.defects.join(', ') || '–'} | ${markdownCell(s.title)} | ${markdownCell(where(s.location, options))} |`);
  }
  return out.join('\n') + '\n';
}

/** The `<properties>` of a requirement's test case: what importers (Polarion, StrictDoc, sphinx-test-reports) link by. */
function junitProperties(s: RequirementSummary): string {
  const properties: [string, string][] = [
    ['requirement', s.id],
    ['status', s.status],
    ['implementations', String(s.implementations)],
    ['tests', String(s.tests)],
    ...(s.codeCoverage ? ([['codeCoverage', describeCodeCoverage(s.codeCoverage)]] as [string, string][]) : []),
  ];
  return `      <properties>\n${properties.map(([name, value]) => `        <property name="${name}" value="${xmlAttribute(value)}"/>`).join('\n')}\n      </properties>`;
}

function formatJUnit(graph: TraceGraph, summaries: RequirementSummary[], options: ReportOptions): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const s of summaries) {
    const trace = graph.trace(s.id);
    const problems: string[] = [];
    const attributesOf = `classname="${xmlAttribute(s.artifactType || s.format)}" name="${xmlAttribute(s.title ? `${s.id} ${s.title}` : s.id)}" file="${xmlAttribute(filePart(s.location, options))}"`;
    const properties = junitProperties(s);
    if (graph.isRejected(s.id) && s.defects.length === 0) {
      // A rejected item is reported as skipped: it needs no coverage.
      skipped++;
      cases.push(`    <testcase ${attributesOf}>\n${properties}\n      <skipped message="rejected"/>\n    </testcase>`);
      continue;
    }
    if (s.status !== 'covered' && s.status !== 'verified') problems.push(`${s.id} is ${s.status}.`);
    for (const defect of trace?.defects ?? []) problems.push(`${defect.kind}: ${defect.message}`);
    if (options.minCoverage !== undefined && s.implementations > 0 && (!s.codeCoverage || belowBar(s.codeCoverage, options.minCoverage))) {
      problems.push(
        s.codeCoverage
          ? `${s.id}'s implementation is covered ${describeCodeCoverage(s.codeCoverage)}, below ${options.minCoverage}%; not run: ${describeUncovered(s.codeCoverage, options)}`
          : `${s.id}: no coverage of its implementation is known (the bar is ${options.minCoverage}%).`,
      );
    }
    const attributes = attributesOf;
    const out = s.codeCoverage ? `\n      <system-out>${xmlText(`code coverage ${describeCodeCoverage(s.codeCoverage)}`)}</system-out>` : '';
    if (problems.length === 0) cases.push(`    <testcase ${attributes}>\n${properties}${out}\n    </testcase>`);
    else {
      failures++;
      cases.push(`    <testcase ${attributes}>\n${properties}\n      <failure message="${xmlAttribute(problems[0])}" type="${xmlAttribute(s.status)}">${xmlText(problems.join('\n'))}</failure>${out}\n    </testcase>`);
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tandem trace" tests="${summaries.length}" failures="${failures}">`,
    `  <testsuite name="requirements" tests="${summaries.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function filePart(location: Location, options: ReportOptions): string {
  return displayPath(location.uri, options);
}

export function where(location: Location, options: ReportOptions): string {
  return `${displayPath(location.uri, options)}:${location.range.start.line + 1}:${location.range.start.character + 1}`;
}

export function displayPath(uri: string, options: ReportOptions): string {
  let path = uri;
  if (uri.startsWith('file:')) {
    try {
      path = fileURLToPath(uri);
    } catch {
      path = uri;
    }
  }
  if (options.relativeTo && nodePath.isAbsolute(path)) {
    const relative = nodePath.relative(options.relativeTo, path);
    if (!relative.startsWith('..')) return relative.split(nodePath.sep).join('/');
  }
  return path;
}

function truncate(value: string, width: number): string {
  return value.length > width ? value.slice(0, width - 1) + '…' : value;
}

export function plural(n: number): string {
  return n === 1 ? '' : 's';
}
