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
