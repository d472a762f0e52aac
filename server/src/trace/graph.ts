/**
 * The trace graph: every file's facts joined into requirements, the links that serve them, their
 * status and their defects. It is three parts along three seams:
 *
 * - `graphIndex.ts` — the incremental index (maps keyed by ID, one file's contribution replaced at
 *   a time) and the change set;
 * - `status.ts` — the status rules (OpenFastTrace's, and the plain/Doorstop ones), per ID, cached;
 * - `answers.ts` — the protocol's result shapes and each file's problems.
 *
 * Features read the graph through `TraceQuery` only. Writes (`setFile`, `removeFile`,
 * `setTestResults`) come from the workspace and the server's wiring, and only the wiring empties
 * the change set (`takeChanges`) to republish what changed. Nothing here reads files or knows LSP;
 * URIs are made by `toUri`.
 */
import type { CoverageResult, Defect, RequirementsParams, RequirementStatus, RequirementSummary, RequirementTrace, TraceAtResult } from '../../../protocol/trace';
import { TraceAnswers, type AnswerOptions, type RenameSite } from './answers';
import { GraphIndex, type TraceChanges } from './graphIndex';
import type { FileFacts, FileSpan, Position, Problem, Span, TestResultRecord } from './model';
import { StatusRules } from './status';

export type { Severity } from './model';
export { oftTagItemId } from './graphIndex';
export type { TraceChanges } from './graphIndex';
export type { RenameSite } from './answers';

export type TraceGraphOptions = AnswerOptions;
export type { CoverageTargets } from './answers';

/** What features may ask the graph: reads only. */
export interface TraceQuery {
  readonly version: number;
  requirements(params: RequirementsParams, under?: (path: string) => boolean): RequirementSummary[];
  trace(id: string): RequirementTrace | null;
  /** A requirement's summary without a trace's lists; null for an unknown ID. */
  summary(id: string): RequirementSummary | null;
  traceAt(path: string, position: Position): TraceAtResult;
  idAt(path: string, position: Position): { id: string; span: Span } | null;
  definitions(id: string): FileSpan[];
  references(id: string, includeDeclaration: boolean): FileSpan[];
  /** Every place the ID (with `allRevisions`, any revision of it) is written, for a rename. */
  renameSites(id: string, allRevisions: boolean): { definitions: RenameSite[]; references: RenameSite[] };
  fingerprint(id: string): string | undefined;
  problems(path: string): Problem[];
  unknownIdDefects(): (Defect & { id?: string })[];
  allDefects(): (Defect & { id?: string })[];
  coverage(under?: (path: string) => boolean): CoverageResult;
  knownIds(): { id: string; title: string; status: RequirementStatus }[];
  documentSymbols(path: string): { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[];
  workspaceSymbols(query: string): { name: string; detail: string; path: string; span: Span }[];
  isRejected(id: string): boolean;
  files(): string[];
}

export class TraceGraph implements TraceQuery {
  private readonly index: GraphIndex;
  private readonly rules: StatusRules;
  private readonly answers: TraceAnswers;

  constructor(options: TraceGraphOptions) {
    this.index = new GraphIndex({
      idChanged: (id) => this.rules.drop(id),
      fileChanged: (path) => this.answers.dropProblems(path),
    });
    this.rules = new StatusRules(this.index);
    this.answers = new TraceAnswers(this.index, this.rules, { ...options });
  }

  /** Changes options; a new severity changes every file's problems. */
  setOptions(options: Partial<TraceGraphOptions>): void {
    const before = this.answers.options.uncoveredSeverity;
    this.answers.options = { ...this.answers.options, ...options };
    if (options.uncoveredSeverity !== undefined && options.uncoveredSeverity !== before) {
      this.answers.dropAllProblems();
      this.index.allFilesChanged();
    }
  }

  get version(): number {
    return this.index.version;
  }

  // ---- writes: the workspace and the server's wiring --------------------------------------------

  /** Replaces everything the file contributed. */
  setFile(facts: FileFacts): void {
    const old = this.index.factsByFile.get(facts.path);
    // Deferred bindings are not part of the facts compared, so the text may bind the same tags
    // differently now (a renamed function): they are found again on next use.
    if (!this.index.setFile(facts) && old?.bindingsDeferred) this.answers.dropBindings(old);
  }

  removeFile(path: string): void {
    this.index.removeFile(path);
  }

  /** Replaces all known test results. */
  setTestResults(records: readonly TestResultRecord[]): void {
    this.index.setTestResults(records);
  }

  /** IDs whose trace changed and files whose problems changed since the last call; empties the set. */
  takeChanges(): TraceChanges {
    return this.index.takeChanges();
  }

  // ---- reads -----------------------------------------------------------------------------------

  requirements(params: RequirementsParams, under?: (path: string) => boolean): RequirementSummary[] {
    return this.answers.requirements(params, under);
  }

  trace(id: string): RequirementTrace | null {
    return this.answers.trace(id);
  }

  summary(id: string): RequirementSummary | null {
    return this.answers.summaryOf(id);
  }

  traceAt(path: string, position: Position): TraceAtResult {
    return this.answers.traceAt(path, position);
  }

  idAt(path: string, position: Position): { id: string; span: Span } | null {
    return this.answers.idAt(path, position);
  }

  definitions(id: string): FileSpan[] {
    return this.answers.definitions(id);
  }

  references(id: string, includeDeclaration: boolean): FileSpan[] {
    return this.answers.references(id, includeDeclaration);
  }

  renameSites(id: string, allRevisions: boolean): { definitions: RenameSite[]; references: RenameSite[] } {
    return this.answers.renameSites(id, allRevisions);
  }

  fingerprint(id: string): string | undefined {
    return this.answers.fingerprint(id);
  }

  problems(path: string): Problem[] {
    return this.answers.problems(path);
  }

  unknownIdDefects(): (Defect & { id?: string })[] {
    return this.answers.unknownIdDefects();
  }

  allDefects(): (Defect & { id?: string })[] {
    return this.answers.allDefects();
  }

  coverage(under?: (path: string) => boolean): CoverageResult {
    return this.answers.coverage(under);
  }

  knownIds(): { id: string; title: string; status: RequirementStatus }[] {
    return this.answers.knownIds();
  }

  documentSymbols(path: string): { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[] {
    return this.answers.documentSymbols(path);
  }

  workspaceSymbols(query: string): { name: string; detail: string; path: string; span: Span }[] {
    return this.answers.workspaceSymbols(query);
  }

  isRejected(id: string): boolean {
    return this.answers.isRejected(id);
  }

  /** ReqIF: the SPEC-OBJECT IDENTIFIER a requirement was read from, for writing results back. */
  reqifIdentifier(id: string): string | undefined {
    return this.index.items.get(id)?.[0]?.def?.reqif?.identifier;
  }

  /** The files the graph holds facts of. */
  files(): string[] {
    return [...this.index.factsByFile.keys()];
  }
}
