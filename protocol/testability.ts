/**
 * Testability messages. Findings reach editors as ordinary diagnostics and fixes as ordinary code
 * actions, so a client needs no custom code; what is declared here are the two commands the area
 * offers through `workspace/executeCommand`, and the shapes they and the diagnostics carry.
 */
import type { Range } from './trace';

/** Stable codes of the testability rules; each is a section of `docs/testability.md` (`#<code>`). */
export type TestabilityCode =
  | 'hidden-clock'
  | 'hidden-random'
  | 'hidden-env'
  | 'hidden-io'
  | 'hidden-collaborator'
  | 'constructor-work'
  | 'mutable-global'
  | 'static-mutable'
  | 'singleton'
  | 'import-side-effect'
  | 'reach-through'
  | 'cognitive-complexity'
  | 'cyclomatic-complexity'
  | 'nesting-depth'
  | 'parameter-count'
  | 'unreachable-logic'
  | 'untested-export'
  | 'untested-requirement'
  | 'analysis-failed';

/** `Diagnostic.data` of a testability diagnostic. */
export interface TestabilityDiagnosticData {
  testability: true;
  /** The function, class or variable the finding is about. */
  symbol?: string;
  /** The measured value and the threshold it exceeded, for measuring rules. */
  value?: number;
  threshold?: number;
  /** `untested-requirement`: the requirement IDs the symbol implements. */
  requirements?: string[];
}

/** One finding, as `tandem.testability.analyze` returns it. */
export interface TestabilityFindingSummary extends Omit<TestabilityDiagnosticData, 'testability'> {
  code: TestabilityCode;
  message: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  range: Range;
}

/**
 * Client → server (`workspace/executeCommand`), offered by the "Extract the most complex part"
 * code action: runs the TypeScript language service's "Extract Symbol" refactor on a range and
 * asks the editor to apply the result with `workspace/applyEdit`. Arguments:
 * `[uri: string, start: number, end: number]` (character offsets into the document). Returns
 * `{ applied: boolean, failureReason?: string }`.
 */
export const extractFunctionCommand = 'tandem.testability.extractFunction' as const;

/**
 * Client → server (`workspace/executeCommand`): the testability findings of one document, for a
 * client's own view or a script. Arguments: `[uri: string]`. Returns `TestabilityFindingSummary[]`
 * (empty for files that are not analysed).
 */
export const analyzeTestabilityCommand = 'tandem.testability.analyze' as const;
