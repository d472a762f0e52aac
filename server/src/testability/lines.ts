/**
 * Lines as LSP counts them: a line ends at `\r\n`, `\r` or `\n` and nowhere else. TypeScript's own
 * line table also breaks at U+2028 and U+2029 (ECMAScript line terminators), so a position taken
 * from it would point at the wrong line in an editor whenever a string or comment holds one. Every
 * span of a finding, a related place or a fix is converted through this table.
 */
import { lastStartAtOrBefore } from '../text/lines';
import type { Span } from './model';

/** Offsets where each line starts (the first is 0). */
export function lspLineStarts(text: string): number[] {
  const starts = [0];
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 10) starts.push(at + 1);
    else if (code === 13) {
      if (text.charCodeAt(at + 1) === 10) at++;
      starts.push(at + 1);
    }
  }
  return starts;
}

/** The zero-based line and UTF-16 character of an offset, given the line starts. */
export function positionAt(lineStarts: readonly number[], offset: number): { line: number; character: number } {
  const line = lastStartAtOrBefore(lineStarts, offset, 0, lineStarts.length - 1);
  return { line, character: offset - lineStarts[line] };
}

/** What the analysis needs to turn offsets into spans: the text and its LSP line table. */
export interface LineMap {
  text: string;
  getLineAndCharacterOfPosition(offset: number): { line: number; character: number };
}

export function lineMapOf(text: string, lineStarts: readonly number[] = lspLineStarts(text)): LineMap {
  return { text, getLineAndCharacterOfPosition: (offset) => positionAt(lineStarts, offset) };
}

export function spanOf(lines: LineMap, start: number, end: number): Span {
  return { start: lines.getLineAndCharacterOfPosition(start), end: lines.getLineAndCharacterOfPosition(end) };
}

/** The line break the text uses first (`\n` when it has none), for text a fix inserts. */
export function newlineOf(text: string): string {
  const match = /\r\n|\r|\n/.exec(text);
  return match ? match[0] : '\n';
}

/** The offset where the line holding `offset` starts. */
export function lineStartBefore(text: string, offset: number): number {
  for (let at = offset - 1; at >= 0; at--) {
    const code = text.charCodeAt(at);
    if (code === 10 || code === 13) return at + 1;
  }
  return 0;
}

/** The offset of the line break that ends the line holding `offset` (the text's length on the last line). */
export function lineEndAfter(text: string, offset: number): number {
  for (let at = offset; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 10 || code === 13) return at;
  }
  return text.length;
}

/** The offset just past the line break at `lineEnd` (`lineEnd` itself at the end of the text). */
export function afterLineBreak(text: string, lineEnd: number): number {
  if (text.startsWith('\r\n', lineEnd)) return lineEnd + 2;
  return lineEnd < text.length ? lineEnd + 1 : lineEnd;
}
