/**
 * The plain data of generation: what the model proposes, what the checks find, and the edit that
 * is finally offered. Paths are absolute unless a field says "relative"; offsets index UTF-16 code
 * units of the text they belong to. Nothing here knows LSP.
 */
import type {
  GenerationCheckIssue,
  GenerationKind,
  GenerationReport,
  GenerationRound,
  GenerationStatus,
} from '../../../protocol/generation';

export type { GenerationCheckIssue, GenerationKind, GenerationReport, GenerationRound, GenerationStatus };

/** What the model may do with one file. */
export type FileAction = 'create' | 'append' | 'replace';

/** One file block of a model's answer, as written (see docs/generation.md for the format). */
export interface ProposedFile {
  /** The path as the model wrote it, relative to the workspace folder. */
  path: string;
  action: FileAction;
  /** `replace`: the declaration to replace, `name` or `Class.method`. */
  symbol?: string;
  text: string;
  /** One-based line of the block's header in the answer. */
  line: number;
}

/** One change inside one file, against the file's current text. */
export interface TextChange {
  start: number;
  end: number;
  text: string;
  /** Why the change is made, shown to the user as the change annotation. */
  label: string;
}

/** A file the answer touches: its text before (undefined when created) and after, and the changes between. */
export interface PlannedFile {
  path: string;
  /** Relative to the workspace folder, `/`-separated. */
  relative: string;
  before: string | undefined;
  after: string;
  changes: TextChange[];
  /** Test files hold the generated tests; the rest is implementation. */
  isTest: boolean;
}

/** A line/character position (zero-based, UTF-16). */
export interface Position {
  line: number;
  character: number;
}

/** The model's answer as the loop receives it. */
export interface ModelAnswer {
  text: string;
  tokensIn: number;
  tokensOut: number;
  /** Milliseconds from the first request to the last byte, backoff included. */
  ms: number;
  requests: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The test framework a project uses, which decides how tests are written and run. */
export type TestFramework = 'mocha' | 'node:test' | 'jest' | 'vitest';

/** One test's verdict in one run. */
export interface TestVerdict {
  /** The test file. */
  path: string;
  /** Suite titles and the test's title joined by single spaces. */
  fullTitle: string;
  /** The test's own title. */
  title: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** For failures: the assertion message, expected/actual when known. */
  message?: string;
}

/** The result of running given test files once. */
export interface TestRunResult {
  verdicts: TestVerdict[];
  /** The project's own tests that passed before the change and fail with it (refactorings only). */
  regressions?: TestVerdict[];
  /** Set when the run itself failed (crash, timeout, a file that does not load). */
  error?: string;
}

/** Runs test files in a scratch folder with the framework the model was told to use (the workspace's runner by default). */
export type TestFilesRunner = (input: { dir: string; files: string[]; framework: TestFramework; timeoutMs: number; env: NodeJS.ProcessEnv; signal: AbortSignal; workspace: string; sandbox: boolean }) => Promise<TestRunResult>;
