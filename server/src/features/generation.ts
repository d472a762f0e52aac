/**
 * Generation, as the editor sees it: code actions that offer to implement a requirement or a stub
 * with tests, to write tests for untested code, and to refactor for testability; the commands that
 * run the loop when one is chosen; and `tandem/generationReport`.
 *
 * Listing actions is cheap (a parse of the current file at most); the work runs only when the
 * user picks one, as the ordinary command `tandem.generate`, so clients without `codeAction/resolve`
 * work too. The result arrives as one `WorkspaceEdit` with change annotations through
 * `workspace/applyEdit`, or not at all: never half an edit, never a silent overwrite.
 */
import * as path from 'node:path';
import {
  type AnnotatedTextEdit,
  type ChangeAnnotation,
  type CodeAction,
  type CreateFile,
  type TextDocumentEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import {
  GenerationDidFinishNotification,
  generationCommands as commandNames,
  type GenerateArguments,
  type GenerationKind,
  type GenerationReport,
  type GenerationReportParams,
  type GenerationReportResult,
} from '../../../protocol/generation';
import { offsetAt, positionAt } from '../lsp/convert';
import type { CodeActionProvider, CommandHandler, ServerContext } from '../context';
import { declarationAt, isScriptPath, listDeclarations, parseSource, type TypeScriptModule } from '../generation/declarations';
import { runGeneration, type EngineResult } from '../generation/engine';
import type { WorkspaceView } from '../generation/gather';
import type { PlannedFile } from '../generation/model';
import { maySend } from '../generation/paths';
import { generationSettingsDefaults, validateGenerationSettings, type GenerationSettings } from '../generation/settings';
import { pathToUri, uriToPath } from '../lsp/uri';
import { testabilityRuleCodes, type TestabilityRuleCode } from '../testability/model';
import { errorDetail } from '../errors';

/** The `generation` section for the settings loader. */
export const generationSettingsSection = {
  defaults: generationSettingsDefaults as unknown as Record<string, unknown>,
  validate: (value: GenerationSettings) => validateGenerationSettings(value),
};

/** Code action kind of every generation action: a refactoring the user asks for. */
const generateKind = 'refactor.generate';

/** Codes of testability findings that "Generate tests" answers; every other rule gets "Refactor for testability". */
const untestedCodes = new Set<string>(['untested-export', 'untested-requirement'] satisfies TestabilityRuleCode[]);

interface KeptAttempt {
  report: GenerationReport;
  planned: PlannedFile[];
  label: string;
}

interface GenerationState {
  reports: GenerationReport[];
  attempts: Map<string, KeptAttempt>;
  /** Runs in flight, by run id. */
  running: Map<string, AbortController>;
  nextId: number;
}

const states = new WeakMap<ServerContext, GenerationState>();
const keptReports = 50;
/** How long a run waits before it starts, so that the command's answer reaches the editor first. */
const answerFlushMs = 50;
/** Failed runs whose best attempt is kept for `tandem.applyGenerationAttempt`, oldest dropped first. */
const keptAttempts = 10;

function stateOf(ctx: ServerContext): GenerationState {
  let state = states.get(ctx);
  if (!state) {
    state = { reports: [], attempts: new Map(), running: new Map(), nextId: 1 };
    states.set(ctx, state);
  }
  return state;
}

let typescript: TypeScriptModule | undefined;
function loadTypeScript(): TypeScriptModule {
  // Loaded on first use, never at start-up.
  typescript ??= require('typescript') as TypeScriptModule;
  return typescript;
}

export function generationSettings(ctx: ServerContext, file?: string): GenerationSettings {
  const section = ctx.settings(file).generation as Partial<GenerationSettings> | undefined;
  return { ...generationSettingsDefaults, ...(section ?? {}) };
}

function action(title: string, args: GenerateArguments, diagnostics?: CodeAction['diagnostics']): CodeAction {
  return { title, kind: generateKind, diagnostics, command: { title, command: commandNames.generate, arguments: [args] } };
}

/** True when some test file mentions the name as a word (a cheap stand-in for "has tests"). */
function mentionedInTests(ctx: ServerContext, name: string): boolean {
  const word = new RegExp(`\\b${name.replace(/[$]/g, '\\$')}\\b`);
  let read = 0;
  for (const file of ctx.workspaceFiles()) {
    if (ctx.roleOf(file) !== 'test') continue;
    if (++read > 500) return true;
    const text = ctx.readText(file);
    if (text && word.test(text)) return true;
  }
  return false;
}

export const generationCodeActions: CodeActionProvider = (ctx, params) => {
  const file = uriToPath(params.textDocument.uri);
  if (!file) return [];
  const actions: CodeAction[] = [];
  const uri = params.textDocument.uri;
  const named = ctx.graph.idAt(file, params.range.start);
  const status = named ? ctx.graph.trace(named.id)?.requirement.status : undefined;
  // A covered requirement gets no generating action: where it is the only action, some clients
  // run it without asking (lsp-mode's lsp-auto-execute-action).
  if (named && (status === 'unimplemented' || status === 'untested')) {
    const existing = status === 'untested' ? implementationOf(ctx, named.id) : undefined;
    const title = existing && !existing.isStub ? `Add tests for ${named.id}` : `Implement ${named.id} with tests`;
    actions.push(action(title, { kind: 'requirement', requirementId: named.id }));
  }
  for (const [runId, kept] of stateOf(ctx).attempts) {
    if (!kept.planned.some((planned) => planned.path === file)) continue;
    const title = `Apply the best attempt of "${kept.report.title}" (failing checks)`;
    actions.push({ title, kind: generateKind, command: { title, command: commandNames.applyAttempt, arguments: [{ runId }] } });
  }
  if (!isScriptPath(file) || ctx.roleOf(file) === 'test' || ctx.roleOf(file) === 'requirements') return actions;
  const text = ctx.readText(file);
  if (text === undefined) return actions;
  const ts = loadTypeScript();
  const declarations = listDeclarations(ts, parseSource(ts, file, text));
  const served = ctx.graph.traceAt(file, params.range.start).requirements[0]?.id;
  const at = declarationAt(declarations, offsetAt(text, params.range.start));
  const seen = new Set<string>();
  if (at?.isStub) {
    actions.push(action(`Implement \`${at.name}\` with tests`, { kind: 'stub', uri, symbol: at.name, requirementId: served }));
    seen.add(at.name);
  }
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== 'tandem' || typeof diagnostic.code !== 'string') continue;
    const owner = declarationAt(declarations, offsetAt(text, diagnostic.range.start));
    if (!owner || (owner.kind === 'class' && !untestedCodes.has(diagnostic.code))) continue;
    const isTestability = (testabilityRuleCodes as readonly string[]).includes(diagnostic.code);
    // Tests of a stub would pin "not implemented": a stub is offered for implementing only.
    if (untestedCodes.has(diagnostic.code) && owner.isStub) continue;
    if (untestedCodes.has(diagnostic.code) && !seen.has(`tests:${owner.name}`)) {
      seen.add(`tests:${owner.name}`);
      actions.push(action(`Generate tests for \`${owner.name}\``, { kind: 'tests', uri, symbol: owner.name, requirementId: served }, [diagnostic]));
    } else if (isTestability && !seen.has(`refactor:${owner.name}`)) {
      seen.add(`refactor:${owner.name}`);
      actions.push(action(`Refactor \`${owner.name}\` for testability`, { kind: 'refactor', uri, symbol: owner.name, requirementId: served, finding: { code: diagnostic.code, message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value } }, [diagnostic]));
    }
  }
  if (at && at.exported && !at.isStub && at.kind !== 'method' && !seen.has(`tests:${at.name}`) && params.range.start.line === positionAt(text, at.nameStart).line && !mentionedInTests(ctx, at.name)) {
    actions.push(action(`Generate tests for \`${at.name}\``, { kind: 'tests', uri, symbol: at.name, requirementId: served }));
  }
  return actions;
};

/** The workspace of one folder as generation reads it. */
function viewOf(ctx: ServerContext, folder: string, settings: GenerationSettings): WorkspaceView {
  const indexed = new Set(ctx.workspaceFiles());
  return {
    folder,
    readText: (file) => ctx.readText(file),
    files: () => [...indexed].filter((file) => file.startsWith(folder + path.sep)),
    isTest: (file) => ctx.roleOf(file) === 'test',
    maySend: (file) => maySend(file, folder, (f) => indexed.has(f), settings.neverSend),
    requirement: (id) => {
      const trace = ctx.graph.trace(id);
      return trace ? { id: trace.requirement.id, title: trace.requirement.title, text: trace.text, acceptanceCriteria: trace.acceptanceCriteria } : undefined;
    },
  };
}

function checkArguments(value: unknown): GenerateArguments {
  const args = value as GenerateArguments | undefined;
  const kinds: GenerationKind[] = ['requirement', 'stub', 'tests', 'refactor'];
  if (!args || typeof args !== 'object' || !kinds.includes(args.kind)) throw new Error(`${commandNames.generate} needs one argument { kind: ${kinds.join(' | ')}, … }`);
  if (args.kind === 'requirement' && typeof args.requirementId !== 'string') throw new Error(`${commandNames.generate} with kind "requirement" needs requirementId`);
  if (args.kind !== 'requirement' && (typeof args.uri !== 'string' || typeof args.symbol !== 'string')) throw new Error(`${commandNames.generate} with kind "${args.kind}" needs uri and symbol`);
  return args;
}

/** The folder a run works in: the target file's, else the requirement's definition's, else the first. */
function folderFor(ctx: ServerContext, args: GenerateArguments, file: string | undefined): string | undefined {
  if (file) return ctx.folderOf(file);
  const definition = args.requirementId ? ctx.graph.trace(args.requirementId)?.definitions[0] : undefined;
  const defined = definition ? uriToPath(definition.uri) : undefined;
  return (defined && ctx.folderOf(defined)) ?? ctx.folders()[0];
}

/** The edit of an attempt: new files created (never over existing ones), changes annotated, versions pinned. */
export function toWorkspaceEdit(ctx: ServerContext, planned: PlannedFile[], failing: boolean): WorkspaceEdit {
  const documentChanges: (TextDocumentEdit | CreateFile)[] = [];
  const changeAnnotations: Record<string, ChangeAnnotation> = {};
  let next = 0;
  const annotate = (label: string, needsConfirmation: boolean, description?: string) => {
    const id = `tandem.generation.${next++}`;
    changeAnnotations[id] = { label, needsConfirmation, description };
    return id;
  };
  const caveat = failing ? ' (failing checks: review before keeping)' : '';
  for (const file of planned) {
    const uri = pathToUri(file.path);
    if (file.before === undefined) {
      const annotationId = annotate(`New ${file.isTest ? 'test ' : ''}file ${file.relative}${caveat}`, failing);
      documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false }, annotationId });
      documentChanges.push({ textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: file.after, annotationId }] });
      continue;
    }
    const edits: AnnotatedTextEdit[] = file.changes.map((change) => ({
      range: { start: positionAt(file.before!, change.start), end: positionAt(file.before!, change.end) },
      newText: change.text,
      annotationId: annotate(`${change.label}${caveat}`, failing || change.end > change.start),
    }));
    documentChanges.push({ textDocument: { uri, version: ctx.documentVersion(file.path) ?? null }, edits });
  }
  return { documentChanges, changeAnnotations };
}

/** Files that changed since the attempt was planned: applying over them would lose the user's typing. */
function changedSince(ctx: ServerContext, planned: PlannedFile[]): string[] {
  return planned.filter((file) => ctx.readText(file.path) !== file.before).map((file) => file.relative);
}

function summarizeIssues(report: GenerationReport): string {
  const last = report.rounds[report.rounds.length - 1];
  const blocking = last?.issues.filter((i) => i.blocking) ?? [];
  return blocking.slice(0, 5).map((i) => `[${i.check}] ${i.path ? `${i.path}${i.line ? `:${i.line}` : ''}: ` : ''}${i.message}`).join('; ');
}

function logReport(ctx: ServerContext, report: GenerationReport): void {
  const rounds = report.rounds.map((r) => `round ${r.round}: ${r.issues.filter((i) => i.blocking).length} failing check(s), ${r.testsPassed} test(s) passed, ${r.tokensIn}→${r.tokensOut} tokens, model ${r.modelMs} ms, checks ${r.checksMs} ms`);
  ctx.client.log('info', `generation ${report.runId} (${report.title}): ${report.status} — ${report.message} [${rounds.join('; ')}]`);
}

/**
 * The code that already serves a requirement, when a trace tag binds it to a function or method
 * of a script file: the stub to replace, else the implementation the new tests exercise.
 */
function implementationOf(ctx: ServerContext, requirementId: string): { path: string; symbol: string; isStub: boolean } | undefined {
  const links = ctx.graph.trace(requirementId)?.implementations ?? [];
  let found: { path: string; symbol: string; isStub: boolean } | undefined;
  for (const link of links) {
    const file = uriToPath(link.location.uri);
    if (!file || !link.symbol || !isScriptPath(file)) continue;
    const text = ctx.readText(file);
    if (text === undefined) continue;
    const ts = loadTypeScript();
    const declaration = listDeclarations(ts, parseSource(ts, file, text)).find((d) => d.name === link.symbol);
    if (!declaration) continue;
    if (declaration.isStub) return { path: file, symbol: declaration.name, isStub: true };
    found ??= { path: file, symbol: declaration.name, isStub: false };
  }
  return found;
}

/**
 * `tandem.generate`: checks the arguments, answers at once with the run's report (status
 * `running`, its `runId`), and runs the loop afterwards. The edit, the closing message and
 * `tandem/generationDidFinish` follow the answer, so a client that waits for the command's answer
 * before it serves the server's requests (eglot) never blocks `workspace/applyEdit`.
 */
function generate(ctx: ServerContext, argsList: any[]): GenerationReport {
  const args = checkArguments(argsList?.[0]);
  let testsOnly = false;
  if (args.kind === 'requirement' && !args.uri && args.requirementId) {
    const existing = implementationOf(ctx, args.requirementId);
    if (existing) Object.assign(args, { uri: pathToUri(existing.path), symbol: existing.symbol });
    testsOnly = existing !== undefined && !existing.isStub;
  }
  const file = args.uri ? uriToPath(args.uri) : undefined;
  if (args.uri && !file) throw new Error(`${args.uri} is not a file in the workspace`);
  const folder = folderFor(ctx, args, file);
  if (!folder) throw new Error(file ? `${file} is outside the workspace folders; generation works only inside them` : 'generation needs a workspace folder');
  const settings = generationSettings(ctx, file ?? folder);
  const state = stateOf(ctx);
  const runId = `g${state.nextId++}`;
  const title = args.kind === 'requirement' ? (testsOnly ? `Add tests for ${args.requirementId}` : `Implement ${args.requirementId} with tests`) : args.kind === 'stub' ? `Implement ${args.symbol} with tests` : args.kind === 'tests' ? `Generate tests for ${args.symbol}` : `Refactor ${args.symbol} for testability`;
  const started = Date.now();
  const report: GenerationReport = {
    runId,
    kind: args.kind,
    title,
    provider: 'offline',
    status: 'running',
    message: 'Running.',
    startedAt: new Date(started).toISOString(),
    totalMs: 0,
    tokensIn: 0,
    tokensOut: 0,
    modelMs: 0,
    checksMs: 0,
    promptTokens: 0,
    wholeFileTokens: 0,
    rounds: [],
    files: [],
  };
  state.reports.unshift(report);
  state.reports.length = Math.min(state.reports.length, keptReports);
  const controller = new AbortController();
  state.running.set(runId, controller);
  const answered = { ...report, message: `Running (${runId}); the edit follows when the checks pass.` };
  // After the answer is written: the run's first steps are synchronous (parsing, the type
  // checker's program) and would hold the answer back, since the writer sends a message in two
  // writes across turns of the event loop. A short delay lets both go out first.
  setTimeout(() => {
    runToEnd(ctx, { args, file, folder, settings, report, controller })
      .catch((error: unknown) => {
        Object.assign(report, { status: 'error', message: `generation failed unexpectedly: ${(error as Error).message}` });
        ctx.client.log('error', `generation ${runId}: ${(error as Error).stack ?? error}`);
      })
      .finally(() => {
        state.running.delete(runId);
        report.totalMs = Date.now() - started;
        ctx.client.sendNotification(GenerationDidFinishNotification.method, { ...report });
      });
  }, answerFlushMs);
  return answered;
}

interface Run {
  args: GenerateArguments;
  file: string | undefined;
  folder: string;
  settings: GenerationSettings;
  report: GenerationReport;
  controller: AbortController;
}

/** The loop of one run, its edit and its closing message (every outcome is said once, in `window/showMessage`). */
async function runToEnd(ctx: ServerContext, run: Run): Promise<void> {
  const { args, file, folder, settings, report, controller } = run;
  const { runId, title } = report;
  const state = stateOf(ctx);
  const progress = await ctx.client.beginProgress(title, undefined, true);
  const stopOnCancel = progress.token.onCancellationRequested(() => controller.abort());
  let result: EngineResult | undefined;
  try {
    result = await runGeneration({
      ts: loadTypeScript(),
      view: viewOf(ctx, folder, settings),
      request: { kind: args.kind, requirementId: args.requirementId, path: file, symbol: args.symbol, finding: args.finding },
      settings,
      testabilitySettings: ctx.settings(file ?? folder).testability,
      overlay: (p) => (ctx.documentVersion(p) !== undefined ? ctx.readText(p) : undefined),
      openDocuments: () => ctx.workspaceFiles().filter((p) => ctx.documentVersion(p) !== undefined).map((p) => [p, ctx.readText(p) ?? ''] as [string, string]),
      secretEnvNames: ctx.secretEnvNames(),
      progress: (message) => progress.report(message),
      log: (level, message) => ctx.client.log(level, message),
      signal: controller.signal,
    });
  } catch (error) {
    result = { provider: 'offline', error: `generation failed unexpectedly: ${(error as Error).message}` };
    ctx.client.log('error', `generation ${runId}: ${errorDetail(error)}`);
  } finally {
    stopOnCancel.dispose();
  }
  const loop = result.loop;
  Object.assign(report, {
    provider: result.provider,
    model: result.model,
    rounds: loop?.rounds ?? [],
    promptTokens: loop?.promptTokens ?? 0,
    wholeFileTokens: result.task ? Math.ceil(result.task.wholeFileChars / 4) : 0,
    files: loop?.planned?.map((f) => f.relative) ?? [],
  });
  for (const round of report.rounds) {
    report.tokensIn += round.tokensIn;
    report.tokensOut += round.tokensOut;
    report.modelMs += round.modelMs;
    report.checksMs += round.checksMs;
  }
  if (result.error || !loop) {
    Object.assign(report, { status: 'error', message: result.error ?? 'generation did not run' });
    ctx.client.showMessage('error', `${title}: ${report.message}`);
  } else if (loop.status === 'passed' && loop.planned) {
    const stale = changedSince(ctx, loop.planned);
    if (stale.length > 0) {
      Object.assign(report, { status: 'notApplied', message: `${stale.join(', ')} changed while generating; nothing was applied. Run it again.` });
      ctx.client.showMessage('warning', `${title}: ${report.message}`);
    } else {
      progress.report('applying the edit');
      const label = `${title} (${report.provider === 'offline' ? 'skeletons from the offline provider' : `checked in ${report.rounds.length} round(s)`})`;
      const applied = await ctx.client.applyEdit(label, toWorkspaceEdit(ctx, loop.planned, false));
      const passedTests = report.rounds[report.rounds.length - 1]?.testsPassed ?? 0;
      // The editor applies the edit to its buffers; saving them is the user's choice.
      const where = `applied to ${report.files.join(', ')}; not yet saved`;
      Object.assign(
        report,
        applied.applied
          ? { status: 'applied', message: report.provider === 'offline' ? `Pending tests${loop.planned.some((f) => !f.isTest) ? ' and a stub' : ''} ${where}. No model is configured (generation.model).` : `${loop.message} ${passedTests} new test(s) pass; the edit is ${where}.` }
          : { status: 'notApplied', message: `The editor did not apply the edit${applied.failureReason ? `: ${applied.failureReason}` : ''}.` },
      );
      ctx.client.showMessage(applied.applied ? 'info' : 'warning', `${title}: ${report.message}`);
    }
  } else if (loop.status === 'failed') {
    const issues = summarizeIssues(report);
    if (settings.offerFailedAttempt && loop.planned && loop.planned.length > 0) {
      state.attempts.set(runId, { report, planned: loop.planned, label: `${title} (best attempt, failing checks)` });
      for (const old of [...state.attempts.keys()].slice(0, Math.max(0, state.attempts.size - keptAttempts))) state.attempts.delete(old);
      Object.assign(report, { status: 'offered', message: `${loop.message} Failing: ${issues}. Nothing was applied; run ${commandNames.applyAttempt} with { "runId": "${runId}" } to apply the best attempt anyway.` });
    } else {
      Object.assign(report, { status: 'failed', message: `${loop.message} Failing: ${issues}. Nothing was applied.` });
    }
    ctx.client.showMessage('warning', `${title}: ${report.message}`);
  } else if (loop.status === 'cancelled') {
    Object.assign(report, { status: 'cancelled', message: 'Cancelled; nothing was applied.' });
    ctx.client.showMessage('info', `${title}: ${report.message}`);
  } else {
    Object.assign(report, { status: 'error', message: loop.message });
    ctx.client.showMessage('error', `${title}: ${loop.message}`);
  }
  report.totalMs = Date.now() - Date.parse(report.startedAt);
  progress.done(report.message);
  logReport(ctx, report);
}

/** `tandem.cancelGeneration { runId }`: aborts a running run (its model request and test runs); false when it is not running. */
function cancelGeneration(ctx: ServerContext, argsList: any[]): boolean {
  const runId = (argsList?.[0] as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') throw new Error(`${commandNames.cancel} needs one argument { runId: string }`);
  const controller = stateOf(ctx).running.get(runId);
  controller?.abort();
  return controller !== undefined;
}

async function applyAttempt(ctx: ServerContext, argsList: any[]): Promise<GenerationReport> {
  const runId = (argsList?.[0] as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') throw new Error(`${commandNames.applyAttempt} needs one argument { runId: string }`);
  const kept = stateOf(ctx).attempts.get(runId);
  if (!kept) throw new Error(`no kept attempt for run ${runId} (only runs whose rounds ran out keep one)`);
  const stale = changedSince(ctx, kept.planned);
  if (stale.length > 0) throw new Error(`${stale.join(', ')} changed since run ${runId}; the attempt no longer fits. Run the generation again.`);
  const applied = await ctx.client.applyEdit(kept.label, toWorkspaceEdit(ctx, kept.planned, true));
  if (applied.applied) {
    stateOf(ctx).attempts.delete(runId);
    kept.report.status = 'applied';
    kept.report.message = `The best attempt was applied with its failing checks: ${summarizeIssues(kept.report)}`;
  }
  return kept.report;
}

export const generationCommands: Record<string, CommandHandler> = {
  [commandNames.generate]: generate,
  [commandNames.applyAttempt]: applyAttempt,
  [commandNames.cancel]: cancelGeneration,
};

/** `tandem/generationReport`: one run's record, or the latest runs. */
export function generationReport(ctx: ServerContext, params: GenerationReportParams | undefined): GenerationReportResult {
  const reports = stateOf(ctx).reports;
  if (params?.runId !== undefined) {
    if (typeof params.runId !== 'string') throw new Error('tandem/generationReport takes { runId?: string }');
    return { reports: reports.filter((r) => r.runId === params.runId) };
  }
  return { reports: [...reports] };
}

