/**
 * Offsets to positions. Extraction works on string offsets (UTF-16 code units, as JavaScript
 * strings are indexed) and turns them into zero-based line / character positions only for what
 * it keeps, so a file without tags costs no line table at all.
 */
import type { Position, Span } from './model';
import { PackedSpan } from '../text/span';

export { LineIndex, hasLoneCarriageReturn, withLineFeeds } from '../text/lines';
export { isSpace } from '../text/chars';
export { looksBinary } from '../text/read';
export { PackedSpan };

/** True when `position` lies within `span` (end inclusive, so a cursor just after a word counts). */
export function spanContains(span: Span, position: Position): boolean {
  if (position.line < span.start.line || position.line > span.end.line) return false;
  if (position.line === span.start.line && position.character < span.start.character) return false;
  if (position.line === span.end.line && position.character > span.end.character) return false;
  return true;
}

/** A span on one line, from `startCharacter` to `endCharacter`. */
export function lineSpan(line: number, startCharacter: number, endCharacter: number): Span {
  return new PackedSpan(line, startCharacter, line, endCharacter);
}
