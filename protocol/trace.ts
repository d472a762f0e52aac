/**
 * Traceability messages: requirements, their trace to code and tests, and coverage.
 *
 * Every result here is also what the `tandem` CLI prints with `--format json`, so a CI job and an
 * editor read the same shapes. Positions are LSP positions (zero-based line, UTF-16 character).
 */
import { NotificationType, RequestType, TextDocumentPositionParams } from 'vscode-languageserver-protocol';

/** An LSP range: zero-based lines and UTF-16 character offsets. */
export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A place in a file of the workspace. */
export interface Location {
  uri: string;
  range: Range;
}

/**
 * Where a requirement stands, from worst to best:
 * - `unimplemented`: nothing in code serves it;
 * - `untested`: code implements it, no test verifies it;
 * - `failing`: a linked test failed in the latest results;
 * - `covered`: implemented and verified by at least one test (no fresh results for every test);
 * - `verified`: covered, and every linked test passed in the latest results, none of them stale.
 *
 * For OpenFastTrace items "implemented" and "tested" follow the item's `Needs:` list: the item is
 * `covered` when every needed artifact type covers it, deeply (see `defects`).
 */
export type RequirementStatus = 'unimplemented' | 'untested' | 'failing' | 'covered' | 'verified';

export const requirementStatuses: readonly RequirementStatus[] = ['unimplemented', 'untested', 'failing', 'covered', 'verified'];

/** The file format a requirement was read from. */
export type RequirementFormat = 'markdown' | 'oft' | 'doorstop' | 'reqif';

/**
 * What is wrong with a requirement or one of its links. The OpenFastTrace kinds keep that tool's
 * meaning:
 * - `orphaned`: a link (`Covers:`, a tag) names an item that does not exist;
 * - `outdated`: a link names an older revision than the item has;
 * - `predated`: a link names a newer revision than the item has;
 * - `ambiguous`: a link matches more than one item;
 * - `duplicate`: the same ID is defined more than once;
 * - `unwanted`: an item covers another that does not need its artifact type;
 * - `uncovered`: a needed artifact type has no covering item (or that coverage is not deep);
 * - `suspect`: a Doorstop link whose parent changed since the link was reviewed;
 * - `unknownId`: a tag in code or a test names an ID that no requirement defines.
 */
export type DefectKind =
  | 'orphaned'
  | 'outdated'
  | 'predated'
  | 'ambiguous'
  | 'duplicate'
  | 'unwanted'
  | 'uncovered'
  | 'suspect'
  | 'unknownId';

/**
 * How the server reports a defect among an editor's diagnostics: `error` for a duplicate ID,
 * the `trace.uncoveredSeverity` setting for `uncovered` (`off`: not shown), `warning` otherwise.
 */
export type DefectSeverity = 'error' | 'warning' | 'information' | 'hint' | 'off';

export interface Defect {
  kind: DefectKind;
  severity: DefectSeverity;
  /** One sentence a person can act on. */
  message: string;
  /** Where to fix it, when there is such a place (the tag, the `Covers:` line, the link). */
  location?: Location;
  /** The other item involved, e.g. the ID an orphaned link names. */
  relatedId?: string;
}

/** The latest result of one test, when test results are known. */
export interface TestResultSummary {
  outcome: 'passed' | 'failed' | 'skipped' | 'errored';
  durationMs?: number;
  /** ISO 8601 time the result was produced. */
  at: string;
  /** True when the code or test changed after the result was produced. */
  stale: boolean;
  message?: string;
}

/**
 * How much of a requirement's implementation ran: the executable lines of the code its
 * implementing tags bind to (the symbols `@implements` binds to; in other languages the
 * declaration the tag binds to), and how many of them ran.
 * - `scope: "tests"`: only runs of the requirement's own linked tests count (per-test coverage);
 * - `scope: "run"`: the coverage of whole runs or reports, whichever tests ran the lines.
 * `uncovered` names the blocks of lines that did not run, in file order.
 */
export interface CodeCoverage {
  covered: number;
  total: number;
  scope: 'tests' | 'run';
  uncovered?: Location[];
}

/** One requirement with its status and counts; the row of every list view. */
export interface RequirementSummary {
  /** The ID as written: `REQ-12`, `req~login~2`, `SRD001`. */
  id: string;
  title: string;
  format: RequirementFormat;
  /** `req` for Markdown, the OpenFastTrace artifact type (`feat`, `req`, `dsn`…), the Doorstop prefix. */
  artifactType: string;
  status: RequirementStatus;
  /** The kinds of the defects this requirement has; empty when it has none. */
  defects: DefectKind[];
  implementations: number;
  tests: number;
  /** Where the requirement is defined (the first definition when it is a duplicate). */
  location: Location;
  /** The coverage of its implementation; `null` when no coverage of that code is known (see `CodeCoverage`). */
  codeCoverage?: CodeCoverage | null;
}

/** Parameters of `tandem/requirements`; every field narrows the list and all are optional. */
export interface RequirementsParams {
  /** Keep requirements with one of these statuses. */
  status?: RequirementStatus[];
  /** Keep only the gaps: not covered/verified, or with defects. */
  gapsOnly?: boolean;
  /** Keep requirements whose ID or title contains this text (case-insensitive). */
  query?: string;
  /** Keep requirements of these artifact types. */
  artifactTypes?: string[];
  /** Keep requirements defined under this workspace folder or file URI. */
  uri?: string;
}

export interface RequirementsResult {
  requirements: RequirementSummary[];
}

/** One place in code or a test that serves a requirement. */
export interface TraceLink {
  location: Location;
  /**
   * How the link is written: `implements` / `verifies` (comment tags; `@req` is read as one of
   * them by the file's role), `oft` (an OpenFastTrace tag or covering item), `title` (the ID in a
   * test's title).
   */
  kind: 'implements' | 'verifies' | 'oft' | 'title';
  /** The symbol the tag binds to (`parseOrder`, `OrderService.submit`), when known. */
  symbol?: string;
  /** The test's title, for test links. */
  testName?: string;
  /** The artifact type the link counts as (`impl`, `utest`, …). */
  artifactType: string;
  /** The latest result of the test behind this link, when known. */
  result?: TestResultSummary;
}

/** Another requirement linked to this one. */
export interface LinkedRequirement {
  id: string;
  title: string;
  status: RequirementStatus;
  location?: Location;
  /** For Doorstop: the link is suspect (the parent changed since review). */
  suspect?: boolean;
}

/** Parameters of `tandem/trace`. */
export interface TraceParams {
  id: string;
}

/** Everything known about one requirement: the answer to "where is this defined, built, tested?". */
export interface RequirementTrace {
  requirement: RequirementSummary;
  /** Where the requirement sits in its document, outermost first (ReqIF: the specification and the parents in its hierarchy); absent when flat. */
  section?: string[];
  text: string;
  acceptanceCriteria: string[];
  /** OpenFastTrace `Needs:` (artifact types that must cover it); empty for other formats. */
  needs: string[];
  /** OpenFastTrace `Status:` (`approved`, `proposed`, `draft`, `rejected`); absent means approved or not OpenFastTrace. */
  itemStatus?: string;
  /** OpenFastTrace `Tags:`; empty for other formats. */
  tags: string[];
  /** OpenFastTrace `Depends:`: the items this one depends on, with their status. */
  depends: LinkedRequirement[];
  /** Every definition: more than one means a duplicate. */
  definitions: Location[];
  implementations: TraceLink[];
  tests: TraceLink[];
  /** Items this one covers or derives from (OpenFastTrace `Covers:`, Doorstop parents). */
  upstream: LinkedRequirement[];
  /** Items that cover or derive from this one. */
  downstream: LinkedRequirement[];
  defects: Defect[];
}

/** Parameters of `tandem/traceAt`: a position in any document. */
export type TraceAtParams = TextDocumentPositionParams;

export interface TraceAtResult {
  /** The requirements that the code or test at the position serves (or the ID under the cursor). */
  requirements: RequirementSummary[];
  /** The symbol enclosing the position when a tag binds to it. */
  symbol?: string;
}

/** Parameters of `tandem/coverage`. */
export interface CoverageParams {
  /** Limit the summary to requirements defined under this folder or file URI. */
  uri?: string;
}

export interface StatusCounts {
  total: number;
  byStatus: Record<RequirementStatus, number>;
}

export interface CoverageResult extends StatusCounts {
  byArtifactType: Record<string, StatusCounts>;
  /** Requirements with at least one defect. */
  defective: number;
  /** Tags in code or tests that name no known requirement. */
  unknownIdTags: number;
  /** Share of requirements that are covered or verified, 0..1 (1 when there are none). */
  coveredRatio: number;
}

/** Parameters of `tandem/traceDidChange`. */
export interface TraceDidChangeParams {
  /** Increases by one with every change of the graph. */
  version: number;
  /** IDs whose trace changed, when the server knows; absent means "anything may have changed". */
  ids?: string[];
}

/** Client → server: all requirements with status and counts, filtered by the params. */
export namespace RequirementsRequest {
  export const method = 'tandem/requirements' as const;
  export const type = new RequestType<RequirementsParams, RequirementsResult, void>(method);
}

/** Client → server: the whole trace of one requirement; `null` when no requirement has that ID. */
export namespace TraceRequest {
  export const method = 'tandem/trace' as const;
  export const type = new RequestType<TraceParams, RequirementTrace | null, void>(method);
}

/** Client → server: the requirements served by the code or test at a position (or named there). */
export namespace TraceAtRequest {
  export const method = 'tandem/traceAt' as const;
  export const type = new RequestType<TraceAtParams, TraceAtResult, void>(method);
}

/** Client → server: counts per status and per artifact type, for a coverage summary. */
export namespace CoverageRequest {
  export const method = 'tandem/coverage' as const;
  export const type = new RequestType<CoverageParams, CoverageResult, void>(method);
}

/**
 * Server → client: the trace graph changed (a file was edited, created, deleted, results came in).
 * Debounced: at most one every 200 ms. Views refresh by asking again.
 */
export namespace TraceDidChangeNotification {
  export const method = 'tandem/traceDidChange' as const;
  export const type = new NotificationType<TraceDidChangeParams>(method);
}
