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
