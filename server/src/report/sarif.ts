/**
 * SARIF 2.1.0 (OASIS, errata 01) for code-scanning services: one run whose `tool.driver` lists
 * the rules, and one result per gap, defect or testability finding at its physical location.
 *
 * Each result has a `partialFingerprints["tandem/v1"]` that stays the same across runs while the
 * finding does: it hashes the rule, the requirement or symbol concerned, the file (relative to the
 * workspace) and the occurrence among like results, never a line number, so an edit above a
 * finding does not make it new. Locations are relative to `%SRCROOT%`, the workspace folder.
 */
import { createHash } from 'node:crypto';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DefectKind, Location, RequirementStatus } from '../../../protocol/trace';
import type { CheckResult } from '../trace/check';
import type { TestabilityFinding } from '../testability/model';
import { serverVersion } from '../version';
import { oneLine } from './escape';

export interface SarifOptions {
  /** The workspace folder: locations are relative to it. */
  root: string;
  /** The base of the help links; defaults to the installed `docs/` folder as a `file:` URI. */
  docsBase?: string;
}

interface Rule {
  id: string;
  name: string;
  short: string;
  doc: string;
}

const docsFolder = nodePath.resolve(__dirname, '..', '..', '..', '..', 'docs');

/** Where the help links point: `docsBase` when given, else the installed `docs/` folder. */
function docsBase(options: SarifOptions): string {
  return options.docsBase ?? pathToFileURL(docsFolder + nodePath.sep).href;
}

const traceRules: Rule[] = [
  { id: 'trace/unimplemented', name: 'Unimplemented', short: 'A requirement has no implementation.', doc: 'sarif.md#trace-unimplemented' },
  { id: 'trace/untested', name: 'Untested', short: 'A requirement is implemented but no test verifies it.', doc: 'sarif.md#trace-untested' },
  { id: 'trace/failing', name: 'Failing', short: 'A test linked to the requirement failed in the latest results.', doc: 'sarif.md#trace-failing' },
  { id: 'trace/unverified', name: 'Unverified', short: 'A requirement is covered but not every linked test passed in fresh results.', doc: 'sarif.md#trace-unverified' },
  { id: 'trace/orphaned', name: 'Orphaned', short: 'A link names an item that does not exist.', doc: 'sarif.md#trace-orphaned' },
  { id: 'trace/outdated', name: 'Outdated', short: 'A link names an older revision than the item has.', doc: 'sarif.md#trace-outdated' },
  { id: 'trace/predated', name: 'Predated', short: 'A link names a newer revision than the item has.', doc: 'sarif.md#trace-predated' },
  { id: 'trace/ambiguous', name: 'Ambiguous', short: 'A link matches more than one item.', doc: 'sarif.md#trace-ambiguous' },
  { id: 'trace/duplicate', name: 'Duplicate', short: 'The same requirement ID is defined more than once.', doc: 'sarif.md#trace-duplicate' },
  { id: 'trace/unwanted', name: 'Unwanted', short: 'An item covers another that does not need its artifact type.', doc: 'sarif.md#trace-unwanted' },
  { id: 'trace/uncovered', name: 'Uncovered', short: 'A needed artifact type has no covering item.', doc: 'sarif.md#trace-uncovered' },
  { id: 'trace/suspect', name: 'Suspect', short: 'A link whose parent changed since the link was reviewed.', doc: 'sarif.md#trace-suspect' },
  { id: 'trace/unknown-id', name: 'UnknownId', short: 'A tag names an ID that no requirement defines.', doc: 'sarif.md#trace-unknown-id' },
  { id: 'trace/low-coverage', name: 'LowCoverage', short: "A requirement's implementation is covered by its tests below the coverage bar.", doc: 'sarif.md#trace-low-coverage' },
  { id: 'trace/empty', name: 'Empty', short: 'No requirement was read, so there is nothing to check.', doc: 'sarif.md#trace-empty' },
];

const defectRule: Record<DefectKind, string> = {
  orphaned: 'trace/orphaned',
  outdated: 'trace/outdated',
  predated: 'trace/predated',
  ambiguous: 'trace/ambiguous',
  duplicate: 'trace/duplicate',
  unwanted: 'trace/unwanted',
  uncovered: 'trace/uncovered',
  suspect: 'trace/suspect',
  unknownId: 'trace/unknown-id',
};

const gapRule: Record<RequirementStatus, string> = {
  unimplemented: 'trace/unimplemented',
  untested: 'trace/untested',
  failing: 'trace/failing',
  covered: 'trace/unverified',
  verified: 'trace/unverified',
};

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations?: unknown[];
  partialFingerprints: Record<string, string>;
  properties?: Record<string, unknown>;
}

/** Builds results with fingerprints that count repeats of the same identity in order. */
class Results {
  readonly list: SarifResult[] = [];
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly rules: Rule[],
    private readonly root: string,
  ) {}

  add(ruleId: string, level: SarifResult['level'], message: string, identity: string, location: { path: string; line: number; character: number; endLine?: number; endCharacter?: number } | undefined, properties?: Record<string, unknown>): void {
    const relative = location ? relativeUri(location.path, this.root) : '';
    const key = `${ruleId}\u0000${identity}\u0000${relative}`;
    const occurrence = this.seen.get(key) ?? 0;
    this.seen.set(key, occurrence + 1);
    const result: SarifResult = {
      ruleId,
      ruleIndex: this.rules.findIndex((rule) => rule.id === ruleId),
      level,
      message: { text: oneLine(message) },
      partialFingerprints: { 'tandem/v1': createHash('sha256').update(`${key}\u0000${occurrence}`).digest('hex').slice(0, 32) },
      ...(properties ? { properties } : {}),
    };
    if (location) {
      const region: Record<string, number> = { startLine: location.line + 1, startColumn: location.character + 1 };
      if (location.endLine !== undefined && location.endCharacter !== undefined && (location.endLine > location.line || location.endCharacter > location.character)) {
        region.endLine = location.endLine + 1;
        region.endColumn = location.endCharacter + 1;
      }
      result.locations = [{ physicalLocation: { artifactLocation: { uri: relative, uriBaseId: '%SRCROOT%' }, region } }];
    }
    this.list.push(result);
  }
}

function relativeUri(filePath: string, root: string): string {
  const relative = nodePath.relative(root, filePath);
  if (!relative.startsWith('..') && !nodePath.isAbsolute(relative)) return relative.split(nodePath.sep).map(encodeURIComponent).join('/');
  return pathToFileURL(filePath).href;
}

function pathOf(location: Location): string {
  try {
    return location.uri.startsWith('file:') ? fileURLToPath(location.uri) : location.uri;
  } catch {
    return location.uri;
  }
}

function placeOf(location: Location): { path: string; line: number; character: number; endLine: number; endCharacter: number } {
  return { path: pathOf(location), line: location.range.start.line, character: location.range.start.character, endLine: location.range.end.line, endCharacter: location.range.end.character };
}

function sarifLog(rules: Rule[], results: SarifResult[], options: SarifOptions): string {
  const base = docsBase(options);
  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Tandem',
            version: serverVersion(),
            semanticVersion: serverVersion(),
            informationUri: new URL('sarif.md', base).href,
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.short },
              helpUri: new URL(rule.doc, base).href,
              help: { text: `${rule.short} See ${rule.doc} in Tandem's documentation.` },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(options.root.endsWith(nodePath.sep) ? options.root : options.root + nodePath.sep).href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

/** The verdict of `tandem check` (gaps and defects) as SARIF. */
export function checkSarif(result: CheckResult, options: SarifOptions): string {
  const results = new Results(traceRules, options.root);
  for (const gap of result.gaps) {
    const message = gap.status === 'covered' ? `${gap.id} is covered but not verified by fresh passing results` : `${gap.id} is ${gap.status}`;
    results.add(gapRule[gap.status], 'error', `${message}${gap.title ? `: ${gap.title}` : ''}.`, gap.id, placeOf(gap.location), { requirement: gap.id, status: gap.status });
  }
  for (const low of result.lowCoverage ?? []) {
    const message = low.codeCoverage
      ? `${low.id}'s implementation is covered ${low.codeCoverage.covered} of ${low.codeCoverage.total} lines, below the coverage bar.`
      : `${low.id}: no coverage of its implementation is known.`;
    results.add('trace/low-coverage', 'error', message, low.id, placeOf(low.location), { requirement: low.id });
  }
  if (result.empty) results.add('trace/empty', result.ok ? 'note' : 'error', result.empty, '', undefined);
  for (const defect of result.defects) {
    const identity = `${defect.id ?? ''}\u0000${defect.relatedId ?? ''}`;
    results.add(defectRule[defect.kind], defect.kind === 'unknownId' ? 'warning' : 'error', defect.message, identity, defect.location ? placeOf(defect.location) : undefined, {
      ...(defect.id ? { requirement: defect.id } : {}),
      ...(defect.relatedId ? { relatedId: defect.relatedId } : {}),
    });
  }
  return sarifLog(traceRules, results.list, options);
}

const testabilityLevel: Record<TestabilityFinding['severity'], SarifResult['level']> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** Testability findings per file as SARIF; one rule per rule code met, documented in `docs/testability.md`. */
export function testabilitySarif(findings: ReadonlyMap<string, readonly TestabilityFinding[]>, options: SarifOptions): string {
  const codes = new Set<string>();
  for (const list of findings.values()) for (const finding of list) codes.add(finding.code);
  const rules: Rule[] = [...codes].sort().map((code) => ({ id: `testability/${code}`, name: code, short: `Testability: ${code.replace(/-/g, ' ')}.`, doc: `testability.md#${code}` }));
  const results = new Results(rules, options.root);
  for (const [path, list] of [...findings].sort(([a], [b]) => a.localeCompare(b))) {
    for (const finding of list) {
      const place = { path, line: finding.span.start.line, character: finding.span.start.character, endLine: finding.span.end.line, endCharacter: finding.span.end.character };
      results.add(`testability/${finding.code}`, testabilityLevel[finding.severity], finding.message, finding.symbol ?? '', place, {
        ...(finding.symbol ? { symbol: finding.symbol } : {}),
        ...(finding.value !== undefined ? { value: finding.value } : {}),
        ...(finding.threshold !== undefined ? { threshold: finding.threshold } : {}),
      });
    }
  }
  return sarifLog(rules, results.list, options);
}
