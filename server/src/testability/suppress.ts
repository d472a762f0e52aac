/**
 * Suppression comments. Three forms, each optionally followed by rule codes separated by commas or
 * spaces (no codes means every testability rule), and optionally by `--` and a reason:
 *
 * - `// tandem-ignore-next-line hidden-clock -- the audit log needs wall time` hides findings that
 *   start on the next line;
 * - `// tandem-ignore-line hidden-clock` (at the end of a line) hides findings that start on it;
 * - `// tandem-ignore-file reach-through` (anywhere, usually at the top) hides them in the file.
 *
 * Block comments work the same way. Rules can also be turned off for a whole workspace with
 * `"severity": "off"` in the settings.
 */
import { lspLineStarts, positionAt } from './lines';
import { testabilityRuleCodes, type TestabilityFinding, type TestabilityRuleCode } from './model';

export const suppressionMarker = 'tandem-ignore';

export interface Suppressions {
  /** Codes suppressed in the whole file; `all` for every code. */
  file: Set<TestabilityRuleCode> | 'all' | undefined;
  /** Zero-based line → codes suppressed on it. */
  lines: Map<number, Set<TestabilityRuleCode> | 'all'>;
}

const known = new Set<string>(testabilityRuleCodes);
const directive = /(?:\/\/|\/\*)\s*tandem-ignore-(next-line|line|file)\b([^\r\n]*)/g;

function parseCodes(rest: string): Set<TestabilityRuleCode> | 'all' {
  const body = rest.replace(/\*\/.*$/, '').split('--')[0];
  const codes = body
    .split(/[\s,]+/)
    .map((code) => code.replace(/^testability\//, ''))
    .filter((code) => known.has(code)) as TestabilityRuleCode[];
  return codes.length === 0 ? 'all' : new Set(codes);
}

function merge(into: Set<TestabilityRuleCode> | 'all' | undefined, codes: Set<TestabilityRuleCode> | 'all'): Set<TestabilityRuleCode> | 'all' {
  if (into === 'all' || codes === 'all') return 'all';
  if (!into) return new Set(codes);
  for (const code of codes) into.add(code);
  return into;
}

/** Reads every suppression comment of a file. Cheap when the file has none (one substring search). */
export function readSuppressions(text: string): Suppressions {
  const result: Suppressions = { file: undefined, lines: new Map() };
  if (!text.includes(suppressionMarker)) return result;
  const lineStarts = lspLineStarts(text);
  for (const match of text.matchAll(directive)) {
    const line = positionAt(lineStarts, match.index).line;
    const codes = parseCodes(match[2]);
    if (match[1] === 'file') result.file = merge(result.file, codes);
    else {
      const target = match[1] === 'next-line' ? line + 1 : line;
      result.lines.set(target, merge(result.lines.get(target), codes));
    }
  }
  return result;
}

function covers(codes: Set<TestabilityRuleCode> | 'all' | undefined, code: TestabilityRuleCode): boolean {
  return codes === 'all' || (codes !== undefined && codes.has(code));
}

/**
 * Drops the findings a suppression comment hides. A finding stands for every occurrence of its
 * hazard in one function: when its first occurrence is suppressed, the first occurrence that is not
 * takes its place, so a suppression hides only the lines it names.
 */
export function applySuppressions(findings: TestabilityFinding[], suppressions: Suppressions): TestabilityFinding[] {
  if (!suppressions.file && suppressions.lines.size === 0) return findings;
  const kept: TestabilityFinding[] = [];
  for (const finding of findings) {
    if (covers(suppressions.file, finding.code)) continue;
    const hidden = (line: number) => covers(suppressions.lines.get(line), finding.code);
    if (!hidden(finding.span.start.line)) {
      kept.push(finding);
      continue;
    }
    const occurrences = (finding.related ?? []).filter((place) => place.occurrence && !hidden(place.span.start.line));
    if (occurrences.length === 0) continue;
    const [first, ...rest] = occurrences;
    const others = (finding.related ?? []).filter((place) => !place.occurrence);
    kept.push({ ...finding, start: first.start, end: first.end, span: first.span, related: [...others, ...rest], fix: finding.fix });
  }
  return kept;
}
