/**
 * Testability at the LSP edge: findings become diagnostics (with a link to the rule's section of
 * `docs/testability.md`), fixes become code actions, and an index of what test files use keeps the
 * workspace rules current as files change.
 *
 * Speed: a file's walk is cached by its text and settings, so re-collecting diagnostics for an
 * unchanged file costs a map lookup plus the workspace rules (a few set lookups per export). The
 * `typescript` module is loaded on the first analysis, not at start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { CodeActionKind, DiagnosticSeverity, ErrorCodes, ResponseError, type CodeAction, type Diagnostic, type DiagnosticRelatedInformation, type TextEdit } from 'vscode-languageserver';
import { analyzeTestabilityCommand, extractFunctionCommand, type TestabilityDiagnosticData, type TestabilityFindingSummary } from '../../../protocol/testability';
import type { CodeActionProvider, CommandHandler, DiagnosticSource, FileIndexer, ServerContext } from '../context';
import { rangesTouch } from '../lsp/convert';
import { pathToUri, uriToPath } from '../lsp/uri';
import { generatedReason } from '../workspace/generated';
import { completeFindings, type FileAnalysis } from '../testability';
import { analysisFailure, analyzeSourceFile } from '../testability/analyzer';
import { extractFunction } from '../testability/extract';
import { testabilityFixes } from '../testability/fixes';
import type { TestabilityFinding, TestabilityRuleCode, TextChange } from '../testability/model';
import { testabilityRuleCodes } from '../testability/model';
import { testabilitySettingsDefaults, type TestabilitySettings } from '../testability/settings';
import { TestReferenceIndex } from '../testability/testIndex';
import { isAnalyzablePath, loadTypeScript, parseSource, type TypeScript } from '../testability/typescript';
import { lineMapOf, lspLineStarts, positionAt } from '../testability/lines';
import { errorDetail } from '../errors';

/** Where the rules are explained; each diagnostic links to `#<code>`. */
export const testabilityDocsUri = pathToUri(path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'testability.md'));

export { analyzeTestabilityCommand, extractFunctionCommand };

/**
 * Further code actions for a finding, offered by other areas (the generation area adds "generate
 * tests for this" here). Each contributor gets the finding as plain data and its diagnostic.
 */
export const testabilityActionContributors: ((ctx: ServerContext, path: string, finding: TestabilityFinding, diagnostic: Diagnostic) => CodeAction[])[] = [];

interface CachedAnalysis {
  text: string;
  settings: TestabilitySettings;
  settingsKey: string;
  analysis: FileAnalysis;
  lineStarts: number[];
  /** Kept for the most recently edited files only: the next edit re-parses incrementally from it. */
  sourceFile?: TS.SourceFile;
}

interface TestabilityState {
  index: TestReferenceIndex;
  cache: Map<string, CachedAnalysis>;
}

const maxCachedFiles = 2000;
/** How many syntax trees are kept for incremental re-parsing (the files being typed in). */
const maxKeptTrees = 8;
/** One state per server (tests run several servers in one process), found by its context. */
const states = new WeakMap<ServerContext, TestabilityState>();
/** Merged settings per settings section object, so that unchanged settings keep their identity. */
const mergedSettings = new WeakMap<object, TestabilitySettings>();
const codes = new Set<string>(testabilityRuleCodes);

function stateOf(ctx: ServerContext): TestabilityState {
  let state = states.get(ctx);
  if (!state) states.set(ctx, (state = { index: new TestReferenceIndex(), cache: new Map() }));
  return state;
}

/** The `testability` section of the settings for a file, defaults filling any gap. */
export function testabilitySettingsFor(ctx: ServerContext, file: string): TestabilitySettings {
  const section = ctx.settings(file).testability as Partial<TestabilitySettings> | undefined;
  if (!section || typeof section !== 'object') return testabilitySettingsDefaults;
  let merged = mergedSettings.get(section);
  if (!merged) {
    merged = { ...testabilitySettingsDefaults, ...section, rules: { ...testabilitySettingsDefaults.rules, ...section.rules } };
    mergedSettings.set(section, merged);
  }
  return merged;
}

/** Line starts as LSP counts lines (`\r\n`, `\r`, `\n`; never U+2028/U+2029). */
export const lineStartsOf = lspLineStarts;
export { positionAt };

/**
 * Requirement IDs that trace tags bind to each exported symbol of the file, asked of the trace
 * graph at the symbol's name (`@implements REQ-1` above `export function parseOrder`).
 */
function requirementsBySymbol(ctx: ServerContext, file: string, analysis: FileAnalysis, lineStarts: readonly number[]): Map<string, string[]> {
  const bySymbol = new Map<string, string[]>();
  for (const declaration of analysis.exports) {
    if (bySymbol.has(declaration.localName)) continue;
    let ids: string[];
    try {
      ids = ctx.graph.traceAt(file, positionAt(lineStarts, declaration.start)).requirements.map((requirement) => requirement.id);
    } catch (error) {
      // The trace is another area's: if it fails, report untested exports without their requirements.
      ctx.client.log('error', `Testability could not read the trace of ${file}: ${(error as Error).message}`);
      return bySymbol;
    }
    if (ids.length > 0) bySymbol.set(declaration.localName, ids);
  }
  return bySymbol;
}

/**
 * The findings of one file as the server reports them: cached walk, current workspace facts,
 * suppression applied. Undefined when the file is not analysed (not JS/TS, disabled, a test file,
 * unreadable).
 */
export function findingsFor(ctx: ServerContext, file: string, text = ctx.readText(file)): { findings: TestabilityFinding[]; text: string; lineStarts: number[] } | undefined {
  if (!isAnalyzablePath(file) || text === undefined) return undefined;
  const settings = testabilitySettingsFor(ctx, file);
  if (!settings.enabled) return undefined;
  // Minified and generated code is nobody's to make testable (and a bundle yields tens of thousands of findings).
  if (ctx.settings(file).excludeGenerated && generatedReason(file, text) !== undefined) return undefined;
  if (ctx.roleOf(file) === 'test' && !settings.analyzeTests) return undefined;
  const state = stateOf(ctx);
  let cached = state.cache.get(file);
  if (!cached || cached.text !== text || (cached.settings !== settings && cached.settingsKey !== JSON.stringify(settings))) {
    const ts = loadTypeScript();
    const previous = cached?.sourceFile;
    let sourceFile: TS.SourceFile | undefined;
    let analysis: FileAnalysis;
    try {
      sourceFile = !previous ? parseSource(ts, file, text) : cached!.text === text ? previous : reparse(ts, previous, cached!.text, text);
      analysis = analyzeSourceFile(ts, sourceFile, settings);
    } catch (error) {
      // The parser can run out of stack on hostile nesting: say so in the file instead of going silent.
      ctx.client.log('warning', `Testability could not parse ${file}: ${(error as Error).message}`);
      sourceFile = undefined;
      analysis = analysisFailure(text, error, settings);
    }
    // Only a file edited twice in a row keeps its tree: the first analysis of every other file stays cheap in memory.
    cached = { text, settings, settingsKey: JSON.stringify(settings), analysis, lineStarts: lspLineStarts(text), sourceFile: cached ? sourceFile : undefined };
    state.cache.delete(file);
    state.cache.set(file, cached);
    if (state.cache.size > maxCachedFiles) state.cache.delete(state.cache.keys().next().value!);
    dropOldTrees(state);
  }
  const lineStarts = cached.lineStarts;
  const lineMap = lineMapOf(text, lineStarts);
  const facts = cached.analysis.exports.length > 0 ? state.index.factsFor(file, requirementsBySymbol(ctx, file, cached.analysis, lineStarts), cached.analysis.exports.flatMap((declaration) => [declaration.exportedName, declaration.localName])) : undefined;
  return { findings: completeFindings(cached.analysis, lineMap, settings, facts), text, lineStarts };
}

/**
 * Re-parses an edited text from the previous tree: the edit is the span between the texts' common
 * prefix and suffix, and the parser reuses every node outside it.
 */
function reparse(ts: TypeScript, previous: TS.SourceFile, before: string, after: string): TS.SourceFile {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const change = ts.createTextChangeRange(ts.createTextSpan(prefix, before.length - prefix - suffix), after.length - prefix - suffix);
  return ts.updateSourceFile(previous, after, change);
}

function dropOldTrees(state: TestabilityState): void {
  let kept = 0;
  const entries = [...state.cache.values()];
  for (let i = entries.length - 1; i >= 0; i--) {
    if (!entries[i].sourceFile) continue;
    if (++kept > maxKeptTrees) entries[i].sourceFile = undefined;
  }
}

const severities: Record<TestabilityFinding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * A finding as an LSP diagnostic; `docsUrl` replaces the bundled docs as the target of the rule
 * links, `uri` (the file's) enables related information within the file.
 */
export function findingToDiagnostic(finding: TestabilityFinding, docsUrl = '', uri?: string): Diagnostic {
  const related = uri && finding.related?.length ? finding.related.map((place) => ({ location: { uri, range: place.span }, message: place.message })) : undefined;
  return {
    ...(related ? { relatedInformation: related } : {}),
    range: { start: finding.span.start, end: finding.span.end },
    severity: severities[finding.severity],
    source: 'tandem',
    code: finding.code,
    codeDescription: { href: `${docsUrl || testabilityDocsUri}#${finding.code}` },
    message: finding.message,
    data: { testability: true, symbol: finding.symbol, value: finding.value, threshold: finding.threshold, requirements: finding.requirements } satisfies TestabilityDiagnosticData,
  };
}

/** Testability findings of a JavaScript or TypeScript file. */
export const testabilityDiagnostics: DiagnosticSource = {
  name: 'testability',
  collect: (ctx, file) => {
    const docsUrl = testabilitySettingsFor(ctx, file).docsUrl;
    const uri = pathToUri(file);
    return (findingsFor(ctx, file)?.findings ?? []).map((finding) => {
      const diagnostic = findingToDiagnostic(finding, docsUrl, uri);
      if (finding.code === 'untested-requirement') diagnostic.relatedInformation = requirementDefinitions(ctx, finding.requirements ?? []);
      return diagnostic;
    });
  },
};

function toTextEdits(lineStarts: readonly number[], changes: readonly TextChange[]): TextEdit[] {
  return changes.map((change) => ({ range: { start: positionAt(lineStarts, change.start), end: positionAt(lineStarts, change.end) }, newText: change.newText }));
}

const kinds: Record<string, string> = {
  quickfix: CodeActionKind.QuickFix,
  'refactor.rewrite': CodeActionKind.RefactorRewrite,
  'refactor.extract': CodeActionKind.RefactorExtract,
};

/** Fixes for the testability findings under the cursor or selection. */
export const testabilityCodeActions: CodeActionProvider = (ctx, params) => {
  const file = uriToPath(params.textDocument.uri);
  if (!file) return [];
  const result = findingsFor(ctx, file);
  if (!result) return [];
  const touching = result.findings.filter((finding) => rangesTouch({ start: finding.span.start, end: finding.span.end }, params.range));
  if (touching.length === 0) return [];
  const ts = loadTypeScript();
  let sourceFile: TS.SourceFile;
  try {
    sourceFile = parseSource(ts, file, result.text, true);
  } catch (error) {
    // Only hostile nesting makes the parser fail; the diagnostic already says the file was not analysed.
    ctx.client.log('warning', `Testability fixes are not offered for ${file}: ${(error as Error).message}`);
    return [];
  }
  const actions: CodeAction[] = [];
  for (const finding of touching) {
    const sent = params.context.diagnostics.find(
      (diagnostic) => diagnostic.code === finding.code && diagnostic.range.start.line === finding.span.start.line && diagnostic.range.start.character === finding.span.start.character,
    );
    const diagnostic = sent ?? findingToDiagnostic(finding, testabilitySettingsFor(ctx, file).docsUrl);
    const fixes = testabilityFixes({ ts, path: file, text: result.text, finding, sourceFile });
    const [ruleFixes, suppressions] = [fixes.filter((fix) => !fix.title.startsWith('Suppress')), fixes.filter((fix) => fix.title.startsWith('Suppress'))];
    for (const fix of ruleFixes) {
      actions.push({
        title: fix.title,
        kind: kinds[fix.kind],
        diagnostics: [diagnostic],
        isPreferred: fix.preferred,
        edit: { changes: { [params.textDocument.uri]: toTextEdits(result.lineStarts, fix.changes) } },
      });
    }
    if (finding.fix?.kind === 'complexity') {
      actions.push({
        title:
          finding.code === 'nesting-depth'
            ? `Extract the deeply nested block of \`${finding.symbol ?? 'this function'}\` into a function`
            : `Extract the most complex part of \`${finding.symbol ?? 'this function'}\` into a function`,
        kind: CodeActionKind.RefactorExtract,
        diagnostics: [diagnostic],
        command: { title: 'Extract into a function', command: extractFunctionCommand, arguments: [params.textDocument.uri, finding.fix.extractStart, finding.fix.extractEnd] },
      });
    }
    for (const contributor of testabilityActionContributors) actions.push(...contributor(ctx, file, finding, diagnostic));
    for (const fix of suppressions) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { changes: { [params.textDocument.uri]: toTextEdits(result.lineStarts, fix.changes) } },
      });
    }
  }
  return actions;
};

/** Where each requirement is defined, as related information of an `untested-requirement` diagnostic. */
function requirementDefinitions(ctx: ServerContext, ids: readonly string[]): DiagnosticRelatedInformation[] {
  const places: DiagnosticRelatedInformation[] = [];
  for (const id of ids) {
    try {
      const requirement = ctx.graph.trace(id)?.requirement;
      if (requirement) places.push({ location: requirement.location, message: `${requirement.id}: ${requirement.title} (${requirement.status})` });
    } catch (error) {
      // The trace is another area's; a failure there leaves the diagnostic without this detail.
      ctx.client.log('error', `The trace of ${id} failed while describing a diagnostic: ${errorDetail(error)}`);
    }
  }
  return places;
}

function fileArgument(args: unknown[], command: string): string {
  const uri = args[0];
  const file = typeof uri === 'string' ? uriToPath(uri) : undefined;
  if (!file) throw new Error(`${command} needs a file URI as its first argument`);
  return file;
}

/**
 * The file `extractFunction` may refactor: a TypeScript or JavaScript file inside a workspace folder
 * (also after following symbolic links), else an invalid-params error that says why. Nothing
 * outside the workspace folders is read.
 */
function extractableFile(ctx: ServerContext, args: unknown[]): string {
  const invalid = (message: string) => new ResponseError(ErrorCodes.InvalidParams, `${extractFunctionCommand}: ${message}`);
  const file = typeof args[0] === 'string' ? uriToPath(args[0]) : undefined;
  if (!file) throw new ResponseError(ErrorCodes.InvalidParams, `${extractFunctionCommand} needs a file URI of a TypeScript or JavaScript file as its first argument`);
  const folder = ctx.folderOf(file);
  if (!folder) throw invalid(`${file} is outside the workspace folders; only their files are refactored`);
  if (!isAnalyzablePath(file)) throw invalid(`${path.basename(file)} is not a TypeScript or JavaScript file; only those can be refactored`);
  if (ctx.documentVersion(file) === undefined) {
    let real: string | undefined;
    try {
      real = fs.realpathSync(file);
    } catch {
      throw invalid(`${file} does not exist`);
    }
    const realFolder = fs.realpathSync(folder);
    const rel = path.relative(realFolder, real);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw invalid(`${file} leads outside the workspace folders; only their files are refactored`);
  }
  return file;
}

export const testabilityCommands: Record<string, CommandHandler> = {
  /** Runs the language service's "Extract Symbol" on the range and asks the editor to apply it. */
  [extractFunctionCommand]: async (ctx, args) => {
    const file = extractableFile(ctx, args);
    const [start, end] = [Number(args[1]), Number(args[2])];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
      throw new ResponseError(ErrorCodes.InvalidParams, `${extractFunctionCommand} needs [uri, start, end] with character offsets, start ≤ end`);
    }
    const text = ctx.readText(file);
    if (text === undefined) throw new Error(`${extractFunctionCommand}: cannot read ${file}`);
    const fix = extractFunction({ path: file, text, start: Math.min(start, text.length), end: Math.min(end, text.length) });
    if (!fix) {
      ctx.client.showMessage('warning', 'No part of this function can be extracted automatically (it returns or jumps out of the middle); extract it by hand.');
      return { applied: false };
    }
    const uri = pathToUri(file);
    return ctx.client.applyEdit(fix.title, { changes: { [uri]: toTextEdits(lineStartsOf(text), fix.changes) } });
  },
  /** A file's findings as plain data (code, message, severity, range), for clients and scripts. */
  [analyzeTestabilityCommand]: (ctx, args) => {
    const file = fileArgument(args, analyzeTestabilityCommand);
    const result = findingsFor(ctx, file);
    return (result?.findings ?? []).map((finding): TestabilityFindingSummary => ({
      code: finding.code,
      message: finding.message,
      severity: finding.severity,
      range: finding.span,
      symbol: finding.symbol,
      value: finding.value,
      threshold: finding.threshold,
      requirements: finding.requirements,
    }));
  },
};

/** True for diagnostics this area produced. */
export function isTestabilityDiagnostic(diagnostic: Diagnostic): boolean {
  return diagnostic.source === 'tandem' && typeof diagnostic.code === 'string' && codes.has(diagnostic.code as TestabilityRuleCode);
}

/** Keeps the index of what test files use current, and re-checks the source files a change affects. */
export const testabilityIndexer: FileIndexer = {
  setFile(ctx, file, text, role, bulk) {
    if (!isAnalyzablePath(file)) return;
    const index = stateOf(ctx).index;
    // In a full index every file's diagnostics are recomputed after: what a file affects is not needed.
    const affected = role === 'test' ? index.setTestFile(file, text, !bulk) : index.setSourceFile(file, text, !bulk);
    const others = affected.filter((other) => other !== file);
    if (others.length > 0) ctx.invalidateDiagnostics(others);
  },
  removeFile(ctx, file) {
    const state = stateOf(ctx);
    state.cache.delete(file);
    const affected = state.index.removeFile(file);
    if (affected.length > 0) ctx.invalidateDiagnostics(affected);
  },
};
