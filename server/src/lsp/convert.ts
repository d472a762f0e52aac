/**
 * Conversions from the core's plain data to LSP types.
 */
import { DiagnosticSeverity, type Diagnostic, type Location, type Range } from 'vscode-languageserver';
import type { FileSpan, Problem, Span } from '../trace/model';
import { pathToUri } from './uri';

export function toRange(span: Span): Range {
  return { start: { line: span.start.line, character: span.start.character }, end: { line: span.end.line, character: span.end.character } };
}

export function toLocation(place: FileSpan): Location {
  return { uri: pathToUri(place.path), range: toRange(place.span) };
}

const severityOf: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function problemToDiagnostic(problem: Problem): Diagnostic {
  return {
    range: toRange(problem.span),
    severity: severityOf[problem.severity] ?? DiagnosticSeverity.Warning,
    source: 'tandem',
    code: problem.code,
    message: problem.message,
    data: problem.data,
  };
}

/** True when two ranges overlap or touch (a cursor at a range's end still counts). */
export function rangesTouch(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** The offset of an LSP position in a text (clamped to the text). */
export function offsetAt(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + position.character, text.length);
}

/** The LSP position of an offset in a text (clamped to the text). */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: Math.max(0, Math.min(offset, text.length) - lineStart) };
}

/**
 * A text's lines as LSP counts them (`\n`, `\r\n` and `\r` end a line): where each line starts
 * and how long it is without its line break.
 */
export interface LineTable {
  starts: number[];
  lengths: number[];
}

export function lineTable(text: string): LineTable {
  const starts = [0];
  const lengths: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    lengths.push(i - starts[starts.length - 1]);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    starts.push(i + 1);
  }
  lengths.push(text.length - starts[starts.length - 1]);
  return { starts, lengths };
}

type Position = { line: number; character: number };

/** The nearest position inside the text: a line past the last is the end of the text, a character past its line's end is that end. */
export function clampPosition(table: LineTable, position: Position): Position {
  const last = table.lengths.length - 1;
  const line = Number.isFinite(position.line) ? Math.trunc(position.line) : last;
  if (line > last) return { line: last, character: table.lengths[last] };
  if (line < 0) return { line: 0, character: 0 };
  const length = table.lengths[line];
  const character = Number.isFinite(position.character) ? Math.trunc(position.character) : length;
  return { line, character: Math.max(0, Math.min(character, length)) };
}

function isPosition(value: unknown): value is Position {
  return typeof value === 'object' && value !== null && typeof (value as Position).line === 'number' && typeof (value as Position).character === 'number';
}

/** The URIs a result names: a location's, a diagnostic report's, a text document edit's, a link's target. */
function uriOf(value: Record<string, unknown>): string | undefined {
  if (typeof value.uri === 'string') return value.uri;
  if (typeof value.targetUri === 'string') return value.targetUri;
  const document = value.textDocument as { uri?: unknown } | undefined;
  return typeof document?.uri === 'string' ? document.uri : undefined;
}

/**
 * The edge every position leaves the server through: moves every position in `value` (a result,
 * a diagnostic report, an edit, in place) inside the document it describes. Which document is the
 * nearest enclosing `uri` (`Location`, `TextDocumentEdit`, a `changes` map key), else `uri`.
 * `tableOf` gives a document's current lines (undefined when unknown: its positions are left alone).
 * Results may be shared or frozen: a value with every position inside is returned as it is, and
 * one with positions to move is copied first. `moved` says how many positions moved.
 */
export function clampPositions<T>(value: T, uri: string | undefined, tableOf: (uri: string) => LineTable | undefined): { value: T; moved: number } {
  const tables = new Map<string, LineTable | undefined>();
  const cached = (at: string): LineTable | undefined => {
    if (!tables.has(at)) tables.set(at, tableOf(at));
    return tables.get(at);
  };
  const outside = walkPositions(value, uri, cached, false);
  if (outside === 0) return { value, moved: 0 };
  const copy = structuredClone(value);
  return { value: copy, moved: walkPositions(copy, uri, cached, true) };
}

function walkPositions(value: unknown, uri: string | undefined, tableOf: (uri: string) => LineTable | undefined, fix: boolean): number {
  let moved = 0;
  // An explicit stack: results can be large and deep, the walk must not recurse.
  const stack: { node: unknown; uri: string | undefined; depth: number }[] = [{ node: value, uri, depth: 0 }];
  while (stack.length > 0) {
    const { node, uri: at, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null || depth > 64) continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push({ node: item, uri: at, depth: depth + 1 });
      continue;
    }
    const record = node as Record<string, unknown>;
    const here = uriOf(record) ?? at;
    for (const [key, child] of Object.entries(record)) {
      if (isPosition(child)) {
        const table = here === undefined ? undefined : tableOf(here);
        if (!table) continue;
        const inside = clampPosition(table, child);
        if (inside.line !== child.line || inside.character !== child.character) {
          moved++;
          if (!fix) continue;
          child.line = inside.line;
          child.character = inside.character;
        }
      } else if (key === 'changes' && typeof child === 'object' && child !== null && !Array.isArray(child)) {
        // WorkspaceEdit.changes: keyed by URI.
        for (const [changed, edits] of Object.entries(child)) stack.push({ node: edits, uri: changed, depth: depth + 1 });
      } else stack.push({ node: child, uri: here, depth: depth + 1 });
    }
  }
  return moved;
}
