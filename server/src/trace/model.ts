/**
 * The plain data of the trace: what each file contributes (requirements defined, tags written,
 * problems found) and what the graph answers. Nothing here knows LSP or JSON-RPC; files are
 * absolute filesystem paths and positions are zero-based line / UTF-16 character pairs, which the
 * LSP layer turns into URIs and ranges.
 */
import type { DefectKind, RequirementFormat, RequirementStatus, TestResultSummary } from '../../../protocol/trace';

export type { DefectKind, RequirementFormat, RequirementStatus, TestResultSummary };

export type { Position, Span } from '../text/span';
import type { Span } from '../text/span';

/** A place in a file. */
export interface FileSpan {
  path: string;
  span: Span;
}

/** What a file is, for the trace: it decides how `@req` tags and test titles are read. */
export type FileRole = 'requirements' | 'test' | 'source' | 'other';

/** How a finding is reported: the editor's four severities, or not at all (declared once, for every area). */
export type Severity = 'error' | 'warning' | 'information' | 'hint' | 'off';

/** A problem found while reading a file: it becomes a diagnostic on that file. */
export interface Problem {
  path: string;
  span: Span;
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** A stable code, e.g. `yaml-syntax`, `unknown-id`, `duplicate-id`. */
  code: string;
  message: string;
  /** Structured data a quick fix needs (e.g. the revision to bump to). */
  data?: Record<string, unknown>;
}

/** A link from one requirement to another, written in the requirement's own file. */
export interface RequirementLink {
  /** The target as written: `REQ-3`, `dsn~login~2`, `SRD001`. */
  target: string;
  /** Where the link is written. */
  span: Span;
  /** Doorstop: the parent's fingerprint stored when the link was reviewed. */
  stamp?: string;
}

/** A requirement as defined in one file (a duplicate ID yields two definitions). */
export interface RequirementDef {
  /** The ID as written: `REQ-12`, `req~login~2` (OpenFastTrace, with revision), `SRD001`. */
  id: string;
  format: RequirementFormat;
  /** `req` for Markdown, the OpenFastTrace artifact type, the Doorstop document prefix. */
  artifactType: string;
  /** OpenFastTrace: the name part and revision of `type~name~revision`. */
  name?: string;
  revision?: number;
  title: string;
  text: string;
  acceptanceCriteria: string[];
  path: string;
  /** The ID where it is defined (hover, definition and diagnostics point here). */
  span: Span;
  /** The whole item, heading to last line (document symbols use it). */
  fullSpan: Span;
  /** OpenFastTrace `Needs:` artifact types; empty for other formats. */
  needs: string[];
  /** Items this one covers (OpenFastTrace `Covers:`) or derives from (Doorstop `links`). */
  covers: RequirementLink[];
  /** OpenFastTrace `Depends:`. */
  depends: RequirementLink[];
  /** OpenFastTrace `Status:` (approved, proposed, draft, rejected); absent means approved. */
  itemStatus?: string;
  /** OpenFastTrace `Tags:`. */
  tags: string[];
  /** Doorstop: the item's current fingerprint, against which children's link stamps are checked. */
  fingerprint?: string;
  /** Doorstop: `active: false` or `normative: false` items are kept but not traced. */
  active?: boolean;
  /** Where it sits in its document, outermost first (ReqIF: specification and hierarchy parents). */
  section?: string[];
  /** ReqIF: the SPEC-OBJECT's IDENTIFIER and its attribute values by LONG-NAME, for writing results back. */
  reqif?: { identifier: string; attributes: Record<string, string> };
}

/**
 * A tag in code or a test that links it to requirements:
 * `@implements REQ-1`, `@verifies REQ-1`, `@req REQ-1` (read by the file's role), an
 * OpenFastTrace tag `[impl->dsn~login~1]`, or an ID in a test's title.
 */
export interface TraceTag {
  kind: 'implements' | 'verifies' | 'oft' | 'title';
  /** The ID the tag names, as written. */
  target: string;
  path: string;
  /** The ID inside the tag (references and rename-like features point here). */
  span: Span;
  /** The role of the file the tag is in. */
  role: FileRole;
  /** The artifact type this tag counts as: `impl` / `utest` for comment tags, the OFT covering type. */
  artifactType: string;
  /** OpenFastTrace: the name and revision of the item the tag defines (`[impl~name~1->…]`), and its needs. */
  oftItem?: { name: string; revision: number; needs: string[] };
  /** The symbol the tag binds to, and its span. */
  symbol?: { name: string; span: Span };
  /** The title of the test that holds the tag (test files of parsable languages). */
  testName?: string;
  /**
   * The extent of what the tag binds to (the symbol's declaration, the test call), when known:
   * a position inside it is served by the tag (`traceAt`).
   */
  scope?: Span;
}

/** Everything one file contributes to the trace. Replacing it replaces all of it. */
export interface FileFacts {
  path: string;
  role: FileRole;
  requirements: RequirementDef[];
  tags: TraceTag[];
  problems: Problem[];
  /**
   * Set when the file was read with `deferBindings`: its tags (outside test files) carry no
   * `symbol` or `scope` yet, and `bindTags` gives them on first use.
   */
  bindingsDeferred?: true;
}

/** A test result as the test runner layer reports it, matched to tags by file and test name. */
export interface TestResultRecord {
  /** The test file. */
  path: string;
  /** The full title of the test (suite titles and test title joined by a space). */
  testName: string;
  result: TestResultSummary;
  /**
   * Requirements the result itself names (JUnit `<properties>`: `verifies`, `requirement`, …): the
   * test verifies them even when its source holds no tag.
   */
  requirements?: string[];
}

/**
 * A Doorstop document, read from its `.doorstop.yml`: the items of the document are the YAML
 * files beside it whose names are UIDs (`prefix`, `sep`, a number of at least `digits` digits).
 */
export interface DoorstopDocument {
  /** The folder that holds `.doorstop.yml` and the items. */
  folder: string;
  prefix: string;
  sep: string;
  digits: number;
  /** The prefix of the parent document; absent for the root document. */
  parent?: string;
  /** Item attributes that Doorstop adds to an item's fingerprint (`attributes.reviewed`). */
  extendedReviewed: string[];
}
