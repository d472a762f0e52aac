/**
 * The plain data of testability analysis: what a finding is, what the workspace knows about tests,
 * and the text changes a fix proposes. Nothing here knows LSP; positions are zero-based line /
 * UTF-16 character pairs (`Span`) and changes are character offsets into the analysed text.
 */
import type { TestabilityCode } from '../../../protocol/testability';
import type { Span } from '../trace/model';

export type { Span };

/**
 * The stable code of every rule, declared once in the protocol. Codes never change meaning:
 * settings, suppression comments and the anchors of `docs/testability.md` all use them.
 */
export type TestabilityRuleCode = TestabilityCode;

export const testabilityRuleCodes: readonly TestabilityRuleCode[] = [
  'hidden-clock',
  'hidden-random',
  'hidden-env',
  'hidden-io',
  'hidden-collaborator',
  'constructor-work',
  'mutable-global',
  'static-mutable',
  'singleton',
  'import-side-effect',
  'reach-through',
  'cognitive-complexity',
  'cyclomatic-complexity',
  'nesting-depth',
  'parameter-count',
  'unreachable-logic',
  'untested-export',
  'untested-requirement',
  'analysis-failed',
];

export type FindingSeverity = 'error' | 'warning' | 'information' | 'hint';

/**
 * What a quick fix needs to know about a finding, by rule. Offsets are into the analysed text.
 * - `inject`: a hidden clock, randomness or environment read that can become a parameter of the
 *   function at `ownerStart` (the function's own start offset).
 * - `collaborator`: a `new` of a concrete class that can become a parameter with today's value as
 *   its default.
 * - `constructor-work`: the class whose constructor does work.
 * - `complexity`: the statement range inside the function that carries most of its complexity,
 *   which the "extract" refactor moves into a function of its own.
 */
export type FindingFixData =
  | { kind: 'inject'; dependency: 'clock' | 'date' | 'performance' | 'random' | 'uuid' | 'env'; ownerStart: number }
  | { kind: 'collaborator'; ownerStart: number; className: string }
  | { kind: 'constructor-work'; classStart: number }
  | { kind: 'complexity'; extractStart: number; extractEnd: number };

/** One testability problem found in one file. */
export interface TestabilityFinding {
  code: TestabilityRuleCode;
  /** Says why it hurts testing and what to do instead. */
  message: string;
  severity: FindingSeverity;
  span: Span;
  /** Character offsets of the span in the analysed text. */
  start: number;
  end: number;
  /** The measured value for threshold rules (complexity, depth, count, chain length). */
  value?: number;
  /** The threshold the value exceeded. */
  threshold?: number;
  /** The name of the function, class or variable the finding is about, when it has one. */
  symbol?: string;
  /** Requirement IDs involved (`untested-requirement`). */
  requirements?: string[];
  /**
   * Other places in the same file that explain the finding: where a written variable is declared,
   * and the other occurrences of the same hazard in the same function (`occurrence: true`; a
   * finding is reported once per hazard and function, at its first occurrence).
   */
  related?: { start: number; end: number; span: Span; message: string; occurrence?: boolean }[];
  fix?: FindingFixData;
}

/**
 * What the workspace knows about the tests of one source file, computed from the index of test
 * files (see `TestReferenceIndex`). Plain data so that the CLI and the generation loop can build it
 * without a server.
 */
export interface WorkspaceTestFacts {
  /** False when the workspace has no test file at all: then only `untested-requirement` is reported. */
  hasTests: boolean;
  /** Exported names of the file that some test file imports (directly or through a re-export) and mentions. */
  testedNames: ReadonlySet<string>;
  /** True when some test imports the module itself (a default import or `require` counts as using its default export). */
  moduleImported: boolean;
  /** Requirement IDs that trace tags bind to each symbol of the file (`@implements REQ-1` above `parseOrder`). */
  requirementsBySymbol: ReadonlyMap<string, readonly string[]>;
}

/** A replacement of `[start, end)` in the analysed text. */
export interface TextChange {
  start: number;
  end: number;
  newText: string;
}

/** A fix proposed for a finding: changes to the analysed file, to be reviewed by the user. */
export interface TestabilityFix {
  title: string;
  /** `quickfix` for fixes of the finding, `refactor.rewrite` / `refactor.extract` for restructuring. */
  kind: 'quickfix' | 'refactor.rewrite' | 'refactor.extract';
  changes: TextChange[];
  /** Marks the fix the editor may apply on "fix all"/preferred. */
  preferred?: boolean;
}
