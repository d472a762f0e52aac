/**
 * Generation messages: implementation and tests written together by a model, checked before the
 * user sees them, and the record of every run.
 *
 * The work itself is started with the ordinary command `tandem.generate` (offered by code actions),
 * so an editor needs no custom code to generate; `tandem/generationReport` is for views and logs
 * that want to show what a run did.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';

/** What a run was asked to do. */
export type GenerationKind = 'requirement' | 'stub' | 'tests' | 'refactor';

/**
 * The argument of `tandem.generate` (the command's single argument). Code actions fill it in;
 * a client may also build one itself.
 */
export interface GenerateArguments {
  kind: GenerationKind;
  /** `requirement`: the requirement to implement and verify. Other kinds: the requirement the symbol implements, when known. */
  requirementId?: string;
  /** `stub`, `tests`, `refactor`: the file holding the symbol. */
  uri?: string;
  /** `stub`, `tests`, `refactor`: the symbol, `name` or `Class.method`. */
  symbol?: string;
  /** `refactor`: the testability finding to remove (its code and message). */
  finding?: { code: string; message: string };
}

/** Where a run ended. */
export type GenerationStatus =
  /** Every check passed and the editor applied the edit. */
  | 'applied'
  /** Every check passed but the editor refused or failed to apply the edit. */
  | 'notApplied'
  /** The rounds ran out; the best attempt is kept and may be applied with `tandem.applyGenerationAttempt`. */
  | 'offered'
  /** The rounds ran out and nothing is offered. */
  | 'failed'
  | 'cancelled'
  /** The model could not be reached or refused (wrong key, missing model, endpoint down). */
  | 'error'
  /** Still running. */
  | 'running';

/** One finding of a check on a model's answer. */
export interface GenerationCheckIssue {
  /** Which check found it. */
  check: 'format' | 'paths' | 'overwrite' | 'syntax' | 'types' | 'testability' | 'tests' | 'flaky' | 'duplicate' | 'size'
    /** A test that passes without the change (against the stub), or executes none of the target, proves nothing. */
    | 'proof'
    /** An acceptance criterion no kept test covers. */
    | 'criteria';
  /** Workspace-relative path, when the issue is in one file. */
  path?: string;
  /** One-based line in the proposed text, when known. */
  line?: number;
  message: string;
  /** Blocking issues fail the round; the others (dropped flaky or duplicate tests) are only reported. */
  blocking: boolean;
}

/** One generate → check round. */
export interface GenerationRound {
  round: number;
  tokensIn: number;
  tokensOut: number;
  /** Milliseconds waiting for the model (retries and backoff included). */
  modelMs: number;
  /** Milliseconds in the checks (paths, types, testability, test runs). */
  checksMs: number;
  /** The checks' milliseconds by stage: `plan`, `types`, `testability`, `tests` (every run together). */
  stageMs: Record<string, number>;
  /** Model requests sent this round (more than one after retries). */
  requests: number;
  issues: GenerationCheckIssue[];
  /** Tests of the answer that passed every run. */
  testsPassed: number;
  /** "Generate tests": the target's executable lines and how many the project's tests ran before and with the new ones. */
  coverage?: { path: string; symbol: string; lines: number; coveredBefore: number; coveredAfter: number };
}

/** The record of one run: what `tandem/generationReport` returns and what the log shows. */
export interface GenerationReport {
  runId: string;
  kind: GenerationKind;
  /** A short description: `Implement REQ-3 with tests`. */
  title: string;
  provider: 'openai' | 'offline';
  model?: string;
  status: GenerationStatus;
  /** One sentence for the user: what happened and what to do. */
  message: string;
  /** ISO 8601 start time. */
  startedAt: string;
  totalMs: number;
  tokensIn: number;
  tokensOut: number;
  modelMs: number;
  checksMs: number;
  /** Estimated tokens of the first prompt, and of the whole files it was drawn from. */
  promptTokens: number;
  wholeFileTokens: number;
  rounds: GenerationRound[];
  /** Workspace-relative paths the edit creates or changes. */
  files: string[];
}

/** Parameters of `tandem/generationReport`: one run by id, or the latest runs when absent. */
export interface GenerationReportParams {
  runId?: string;
}

export interface GenerationReportResult {
  /** Newest first; one entry when `runId` was given and is known, none when it is not. */
  reports: GenerationReport[];
}

/** Client → server: the records of recent generation runs (rounds, checks, tokens, time), for a report view. */
export namespace GenerationReportRequest {
  export const method = 'tandem/generationReport' as const;
  export const type = new RequestType<GenerationReportParams, GenerationReportResult, void>(method);
}

/** The commands generation offers through code actions (`workspace/executeCommand`). */
export const generationCommands = {
  /**
   * Starts the loop for one `GenerateArguments` and answers at once with the run's
   * `GenerationReport` (status `running`); the edit and `tandem/generationDidFinish` follow.
   */
  generate: 'tandem.generate',
  /** Applies the kept best attempt of a run whose rounds ran out; its argument is `{ runId }`. */
  applyAttempt: 'tandem.applyGenerationAttempt',
  /** Cancels a running run; its argument is `{ runId }`; answers whether it was running. */
  cancel: 'tandem.cancelGeneration',
} as const;

/** Server → client: a run is over (applied, failed, cancelled…); the params are its final `GenerationReport`. */
export namespace GenerationDidFinishNotification {
  export const method = 'tandem/generationDidFinish' as const;
  export const type = new NotificationType<GenerationReport>(method);
}
