/**
 * The trace, as the editor sees it: the custom `tandem/*` requests, and the standard LSP features
 * on requirement IDs wherever they appear (requirement files, tags, test titles).
 */
import * as fs from 'node:fs';
import {
  CodeActionKind,
  CompletionItemKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type CompletionParams,
  type Diagnostic,
  type DefinitionParams,
  type DocumentSymbol,
  type Hover,
  type Location,
  type ReferenceParams,
  type SymbolInformation,
  type TextDocumentPositionParams,
  type WorkspaceSymbolParams,
  type CallHierarchyIncomingCall,
  type CallHierarchyIncomingCallsParams,
  type CallHierarchyItem,
  type CallHierarchyOutgoingCall,
  type CallHierarchyOutgoingCallsParams,
  type Range,
  type RenameParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type {
  CoverageParams,
  CoverageResult,
  RequirementSummary,
  RequirementTrace,
  RequirementsParams,
  RequirementsResult,
  TraceAtParams,
  TraceAtResult,
  TraceParams,
} from '../../../protocol/trace';
import type { CodeActionProvider, CodeLensProvider, CommandHandler, DiagnosticSource, ServerContext } from '../context';
import { offsetAt, problemToDiagnostic, rangesTouch, toLocation, toRange } from '../lsp/convert';
import { pathToUri, uriToPath } from '../lsp/uri';
import { incoming, outgoing, requirementNode, type HierarchyNode } from '../trace/hierarchy';
import { isWholePlainId } from '../trace/ids';
import { planRename, RenameError, type RenamePlan } from '../trace/rename';
import { relativePath } from '../workspace/files';
import { percentOf } from '../trace/check';

/** A filter "under this folder or file URI", for list requests. */
function underUri(uri: string | undefined): ((path: string) => boolean) | undefined {
  if (!uri) return undefined;
  const root = uriToPath(uri);
  if (!root) return () => false;
  return (path) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

export function requirements(ctx: ServerContext, params: RequirementsParams | undefined): RequirementsResult {
  return { requirements: ctx.graph.requirements(params ?? {}, underUri(params?.uri)) };
}

export function trace(ctx: ServerContext, params: TraceParams): RequirementTrace | null {
  if (!params || typeof params.id !== 'string') throw new Error('tandem/trace needs { id: string }');
  return ctx.graph.trace(params.id.trim());
}

export function traceAt(ctx: ServerContext, params: TraceAtParams): TraceAtResult {
  const path = uriToPath(params.textDocument.uri);
  if (!path) return { requirements: [] };
  return ctx.graph.traceAt(path, params.position);
}

export function coverage(ctx: ServerContext, params: CoverageParams | undefined): CoverageResult {
  return ctx.graph.coverage(underUri(params?.uri));
}

/** The requirement ID under the cursor, if any. */
function idAtPosition(ctx: ServerContext, params: TextDocumentPositionParams): { id: string; path: string } | undefined {
  const path = uriToPath(params.textDocument.uri);
  if (!path) return undefined;
  const found = ctx.graph.idAt(path, params.position);
  return found ? { id: found.id, path } : undefined;
}

function where(ctx: ServerContext, location: { uri: string; range: { start: { line: number } } }): string {
  const path = uriToPath(location.uri);
  if (!path) return location.uri;
  const folder = ctx.folderOf(path);
  return `${folder ? relativePath(folder, path) : path}:${location.range.start.line + 1}`;
}

/** Hover on an ID: title, status, counts, text, acceptance criteria, defects. */
export function hover(ctx: ServerContext, params: TextDocumentPositionParams): Hover | null {
  const at = idAtPosition(ctx, params);
  if (!at) return null;
  const found = ctx.graph.idAt(at.path, params.position)!;
  const result = ctx.graph.trace(at.id);
  const lines: string[] = [];
  if (!result) {
    lines.push(`**${at.id}** — unknown requirement`, '', 'No requirement file defines this ID.');
  } else {
    const r = result.requirement;
    lines.push(`**${r.id}** ${r.title ? `— ${r.title}` : ''}`.trim(), '');
    lines.push(`\`${r.status}\` · ${r.implementations} impl · ${testCount(r.tests)}${codePart(r)} · ${r.artifactType} (${r.format})`);
    if (result.needs.length > 0) lines.push('', `Needs: ${result.needs.join(', ')}`);
    if (result.text) lines.push('', result.text.length > 1200 ? `${result.text.slice(0, 1200)}…` : result.text);
    if (result.acceptanceCriteria.length > 0) {
      lines.push('', '**Acceptance criteria**', ...result.acceptanceCriteria.map((criterion) => `- ${criterion}`));
    }
    if (result.defects.length > 0) {
      // A duplicated ID has one defect per copy, all saying the same: each line is shown once.
      const distinct = new Set<string>();
      for (const defect of result.defects) if (distinct.size < 50) distinct.add(`- ${defect.kind}: ${defect.message}`);
      lines.push('', '**Defects**');
      for (const line of distinct) lines.push(line);
    }
    lines.push('', `Defined at ${where(ctx, r.location)}`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: toRange(found.span) };
}

export function definition(ctx: ServerContext, params: DefinitionParams): Location[] {
  const at = idAtPosition(ctx, params);
  if (!at) return [];
  return ctx.graph.definitions(at.id).map(toLocation);
}

export function references(ctx: ServerContext, params: ReferenceParams): Location[] {
  const at = idAtPosition(ctx, params);
  if (!at) return [];
  return ctx.graph.references(at.id, params.context?.includeDeclaration ?? true).map(toLocation);
}

/**
 * Where an ID may be typed: after a comment tag, inside an OpenFastTrace tag or `Covers:` list, or
 * at the start of a test title. Returns the partial ID already typed.
 */
const completionContexts: RegExp[] = [
  /@(?:implements|verifies|req)\b[\s,]*(?:[\w~.-]+[\s,]+)*([\w~.-]*)$/,
  /\[\s*[\w~.-]*\s*->\s*([\w~.-]*)$/,
  /^\s*[-*+]\s+([\w~.-]*)$/,
  /^\s*(?:Covers|Depends)\s*:\s*(?:[\w~.-]+\s*,\s*)*([\w~.-]*)$/,
  /\b(?:it|test|describe|context|suite)(?:\.\w+)?\(\s*['"`]([\w~.-]*)$/,
];

export function completion(ctx: ServerContext, params: CompletionParams): CompletionItem[] {
  const path = uriToPath(params.textDocument.uri);
  if (!path) return [];
  const text = ctx.readText(path);
  if (text === undefined) return [];
  // Only the line itself counts: a cursor past its end is at its end, never on the lines below.
  const lineStart = offsetAt(text, { line: params.position.line, character: 0 });
  const lineEnd = text.slice(lineStart).search(/[\r\n]|$/) + lineStart;
  const before = text.slice(lineStart, Math.min(lineStart + params.position.character, lineEnd));
  const position = { line: params.position.line, character: before.length };
  let partial: string | undefined;
  for (const pattern of completionContexts) {
    const match = pattern.exec(before);
    if (match) {
      partial = match[1];
      break;
    }
  }
  if (partial === undefined) return [];
  // A list item in a source file is not a place for IDs; in a requirements file it may be a `Covers:` entry.
  if (/^\s*[-*+]\s/.test(before) && ctx.roleOf(path) !== 'requirements') return [];
  const range = {
    start: { line: position.line, character: position.character - partial.length },
    end: position,
  };
  const lower = partial.toLowerCase();
  return ctx.graph
    .knownIds()
    .filter((entry) => entry.id.toLowerCase().includes(lower) || entry.title.toLowerCase().includes(lower))
    .slice(0, 200)
    .map((entry) => ({
      label: entry.id,
      kind: CompletionItemKind.Reference,
      detail: entry.title,
      documentation: `status: ${entry.status}`,
      filterText: `${entry.id} ${entry.title}`,
      textEdit: { range, newText: entry.id },
    }));
}

/** `1 test`, `3 tests`: what hovers and lenses show of a requirement's tests. */
function testCount(tests: number): string {
  return `${tests} ${tests === 1 ? 'test' : 'tests'}`;
}

/** ` · 87% of its code` (` · 87% of its code (run)` when not measured per test); empty when no coverage is known. */
function codePart(summary: RequirementSummary): string {
  const coverage = summary.codeCoverage;
  if (!coverage || coverage.total === 0) return '';
  return ` · ${percentOf(coverage)} of its code${coverage.scope === 'run' ? ' (run)' : ''}`;
}

/** Code lens over each requirement: `2 impl · 3 tests · verified · 87% of its code`; choosing it shows the trace. */
export const traceCodeLenses: CodeLensProvider = (ctx, path) => {
  const lenses: CodeLens[] = [];
  // One title per ID: a trace lists every definition, so asking it once per copy of a duplicated ID is quadratic.
  const titles = new Map<string, string | null>();
  for (const symbol of ctx.graph.documentSymbols(path)) {
    if (symbol.kind !== 'requirement') continue;
    let title = titles.get(symbol.name);
    if (title === undefined) {
      const summary = ctx.graph.summary(symbol.name);
      title = summary ? `${summary.implementations} impl · ${testCount(summary.tests)} · ${summary.status}${codePart(summary)}${summary.defects.length ? ` · ${summary.defects.join(', ')}` : ''}` : null;
      titles.set(symbol.name, title);
    }
    if (title === null) continue;
    lenses.push({ range: toRange(symbol.span), command: { title, command: 'tandem.showTrace', arguments: [symbol.name] } });
  }
  return lenses;
};

const symbolKinds = { requirement: SymbolKind.Key, tag: SymbolKind.Field } as const;

export function documentSymbols(ctx: ServerContext, uri: string): DocumentSymbol[] {
  const path = uriToPath(uri);
  if (!path) return [];
  return ctx.graph.documentSymbols(path).map((symbol) => ({
    name: symbol.name,
    detail: symbol.detail,
    kind: symbolKinds[symbol.kind],
    range: toRange(symbol.fullSpan),
    selectionRange: toRange(symbol.span),
  }));
}

export function workspaceSymbols(ctx: ServerContext, params: WorkspaceSymbolParams): SymbolInformation[] {
  return ctx.graph.workspaceSymbols(params.query ?? '').slice(0, 500).map((symbol) => ({
    name: symbol.name,
    kind: SymbolKind.Key,
    containerName: symbol.detail,
    location: toLocation({ path: symbol.path, span: symbol.span }),
  }));
}

/** The trace's problems on a file: parse errors, unknown IDs, duplicates, broken and suspect links, gaps. */
export const traceDiagnostics: DiagnosticSource = {
  name: 'trace',
  collect: (ctx, path) => ctx.graph.problems(path).map(problemToDiagnostic),
};

/** Levenshtein distance, capped: enough to suggest an ID for a mistyped one. */
function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > cap) return cap + 1;
    previous = current;
  }
  return previous[b.length];
}

/** The replacements a trace diagnostic offers: the current revision of an outdated link, the IDs a mistyped one may mean. */
function replacementsFor(
  ctx: ServerContext,
  code: string,
  data: { id?: string } | undefined,
  linkedId: string | undefined,
): { title: string; text: string }[] {
  const known = ctx.graph.knownIds();
  if ((code === 'outdated' || code === 'predated') && linkedId) {
    // Offered on the link itself (the ID there names a revision that does not exist), not on the item.
    const [type, name] = linkedId.split('~');
    const revisions = known.filter((entry) => entry.id.startsWith(`${type}~${name}~`)).map((entry) => entry.id);
    if (revisions.includes(linkedId)) return [];
    revisions.sort((a, b) => Number(b.split('~')[2]) - Number(a.split('~')[2]));
    return revisions.slice(0, 1).map((id) => ({ title: `Link to the current revision ${id}`, text: id }));
  }
  if (code === 'unknown-id' && data?.id) {
    const wanted = data.id;
    return known
      .map((entry) => ({ id: entry.id, distance: editDistance(wanted.toLowerCase(), entry.id.toLowerCase()) }))
      .filter((entry) => entry.distance <= 2)
      .sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id))
      .slice(0, 3)
      .map((entry) => ({ title: `Change to ${entry.id} (${known.find((k) => k.id === entry.id)!.title})`, text: entry.id }));
  }
  return [];
}

/**
 * "Mark the link reviewed" on a suspect Doorstop link: the stamp after `- PARENT:` on the link's
 * line becomes the parent's current fingerprint, as `doorstop clear` does.
 */
function clearSuspectLink(ctx: ServerContext, uri: string, diagnostic: Diagnostic, parent: string | undefined): CodeAction | undefined {
  const path = uriToPath(uri);
  const fingerprint = parent ? ctx.graph.fingerprint(parent) : undefined;
  const text = path ? ctx.readText(path) : undefined;
  if (!fingerprint || text === undefined) return undefined;
  const lineStart = offsetAt(text, { line: diagnostic.range.end.line, character: 0 });
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const stamp = /:\s*(\S.*?)\s*$/.exec(line.slice(diagnostic.range.end.character));
  if (!stamp) return undefined;
  const startCharacter = diagnostic.range.end.character + stamp.index + stamp[0].indexOf(stamp[1]);
  const range = { start: { line: diagnostic.range.end.line, character: startCharacter }, end: { line: diagnostic.range.end.line, character: startCharacter + stamp[1].length } };
  return {
    title: `Mark the link to ${parent} reviewed`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: true,
    edit: { changes: { [uri]: [{ range, newText: fingerprint }] } },
  };
}

/** Quick fixes for trace diagnostics: bump an outdated revision, correct a mistyped ID, clear a suspect link. */
export const traceCodeActions: CodeActionProvider = (ctx, params) => {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== 'tandem' || typeof diagnostic.code !== 'string' || !rangesTouch(diagnostic.range, params.range)) continue;
    const path = uriToPath(params.textDocument.uri);
    const linkedId = path ? ctx.graph.idAt(path, diagnostic.range.start)?.id : undefined;
    if (diagnostic.code === 'suspect') {
      const relatedId = (diagnostic.data as { relatedId?: string } | undefined)?.relatedId;
      const clear = clearSuspectLink(ctx, params.textDocument.uri, diagnostic, relatedId);
      if (clear) actions.push(clear);
      continue;
    }
    const replacements = replacementsFor(ctx, diagnostic.code, diagnostic.data as { id?: string } | undefined, linkedId);
    for (const replacement of replacements) {
      actions.push({
        title: replacement.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: replacements.length === 1,
        edit: { changes: { [params.textDocument.uri]: [{ range: diagnostic.range, newText: replacement.text }] } },
      });
    }
  }
  return actions;
};

/** `tandem.showTrace ID`: the trace as a message, for editors without a trace view; returns the trace. */
export const showTraceCommand: CommandHandler = (ctx, args) => {
  const id = typeof args[0] === 'string' ? args[0] : undefined;
  if (!id) throw new Error('tandem.showTrace needs a requirement ID');
  const result = ctx.graph.trace(id);
  if (!result) {
    ctx.client.showMessage('warning', `No requirement ${id} is defined in the workspace.`);
    return null;
  }
  // A test is named by its title where one is known, code by its symbol.
  const list = (links: { location: { uri: string; range: { start: { line: number } } }; symbol?: string; testName?: string }[]) =>
    links.map((link) => `${link.testName ? `"${link.testName}" ` : link.symbol ? `${link.symbol} ` : ''}(${where(ctx, link.location)})`).join(', ') || 'none';
  const r = result.requirement;
  ctx.client.showMessage(
    'info',
    `${r.id} ${r.title} — ${r.status}. Implemented by: ${list(result.implementations)}. Tested by: ${list(result.tests)}.` +
      (result.defects.length ? ` Defects: ${result.defects.map((defect) => defect.message).join('; ')}` : ''),
  );
  return result;
};

// ---- Rename and the coverage chain as a call hierarchy --------------------------------------------

/** Where a rename starts: the ID under the cursor, when a file defines it. */
export function prepareRename(ctx: ServerContext, params: TextDocumentPositionParams): { range: Range; placeholder: string } | null {
  const path = uriToPath(params.textDocument.uri);
  const found = path ? ctx.graph.idAt(path, params.position) : null;
  if (!found) return null;
  if (ctx.graph.definitions(found.id).length === 0) throw new Error(`No requirement defines ${found.id}; only a defined ID can be renamed.`);
  return { range: toRange(found.span), placeholder: found.id };
}

/**
 * Renames the ID under the cursor everywhere, as one edit. Every place is checked against the text
 * the editor holds: when one no longer reads the old ID, nothing is renamed. A Doorstop item's file
 * is renamed too, so that rename needs a client that applies file renames (`renameFiles`).
 */
export function rename(ctx: ServerContext, params: RenameParams, renameFiles: boolean): WorkspaceEdit | null {
  const path = uriToPath(params.textDocument.uri);
  const found = path ? ctx.graph.idAt(path, params.position) : null;
  if (!path || !found) return null;
  const idPattern = ctx.settings(path).trace.idPattern;
  let plan: RenamePlan;
  try {
    plan = planRename(ctx.graph, found.id, params.newName, (text) => isWholePlainId(text, idPattern), (file) => fs.existsSync(file));
  } catch (error) {
    if (error instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
    throw error;
  }
  if (plan.renameFiles.length > 0 && !renameFiles) {
    throw new ResponseError(ErrorCodes.InvalidRequest, `${found.id} is a Doorstop item, whose UID is its file's name, and this editor cannot rename files in an edit.`);
  }
  const texts = new Map<string, string | undefined>();
  const byUri = new Map<string, TextEdit[]>();
  for (const edit of plan.edits) {
    if (!texts.has(edit.path)) texts.set(edit.path, ctx.readText(edit.path));
    const text = texts.get(edit.path);
    const written = text === undefined ? undefined : text.slice(offsetAt(text, edit.span.start), offsetAt(text, edit.span.end));
    if (written !== edit.expected) {
      throw new ResponseError(LSPErrorCodes.ContentModified, `${edit.path} changed since it was indexed (${edit.expected} is no longer at line ${edit.span.start.line + 1}); nothing was renamed.`);
    }
    const uri = pathToUri(edit.path);
    if (!byUri.has(uri)) byUri.set(uri, []);
    byUri.get(uri)!.push({ range: toRange(edit.span), newText: edit.newText });
  }
  if (plan.renameFiles.length === 0) return { changes: Object.fromEntries(byUri) };
  return {
    documentChanges: [
      ...[...byUri].map(([uri, edits]) => ({ textDocument: { uri, version: ctx.documentVersion(uriToPath(uri)!) ?? null }, edits })),
      ...plan.renameFiles.map((file) => ({ kind: 'rename' as const, oldUri: pathToUri(file.from), newUri: pathToUri(file.to), options: { overwrite: false, ignoreIfExists: false } })),
    ],
  };
}

const hierarchyKinds: Record<HierarchyNode['kind'], SymbolKind> = { requirement: SymbolKind.Key, implementation: SymbolKind.Function, test: SymbolKind.Method };

function callItem(node: HierarchyNode): CallHierarchyItem {
  return { name: node.name, detail: node.detail, kind: hierarchyKinds[node.kind], uri: node.location.uri, range: node.location.range, selectionRange: node.location.range, data: { id: node.id, leaf: node.leaf === true } };
}

/** The node an editor hands back (its `data`), checked: it comes from the wire. */
function nodeOf(item: CallHierarchyItem): HierarchyNode | null {
  const data = item?.data as { id?: unknown; leaf?: unknown } | undefined;
  if (!data || typeof data.id !== 'string') return null;
  return { name: item.name, detail: item.detail ?? '', kind: data.leaf === true ? 'implementation' : 'requirement', location: { uri: item.uri, range: item.range }, id: data.id, ...(data.leaf === true ? { leaf: true as const } : {}) };
}

/** The requirement under the cursor (an ID, or the requirement the symbol or test there serves). */
export function prepareCallHierarchy(ctx: ServerContext, params: TextDocumentPositionParams): CallHierarchyItem[] | null {
  const path = uriToPath(params.textDocument.uri);
  if (!path) return null;
  const named = ctx.graph.idAt(path, params.position);
  const ids = named ? [named.id] : ctx.graph.traceAt(path, params.position).requirements.map((r) => r.id);
  const items = ids.map((id) => requirementNode(ctx.graph, id)).filter((node): node is HierarchyNode => node !== null).map(callItem);
  return items.length > 0 ? items : null;
}

/** The items the requirement covers, upstream: requirement → feature, test → requirement. */
export function incomingCalls(ctx: ServerContext, params: CallHierarchyIncomingCallsParams): CallHierarchyIncomingCall[] {
  const node = nodeOf(params.item);
  if (!node) return [];
  return incoming(ctx.graph, node).map((parent) => ({ from: callItem(parent), fromRanges: [parent.location.range] }));
}

/** What realises the requirement, downstream: feature → requirement → design → implementation → test. */
export function outgoingCalls(ctx: ServerContext, params: CallHierarchyOutgoingCallsParams): CallHierarchyOutgoingCall[] {
  const node = nodeOf(params.item);
  if (!node) return [];
  return outgoing(ctx.graph, node).map((child) => ({ to: callItem(child), fromRanges: [params.item.selectionRange] }));
}
