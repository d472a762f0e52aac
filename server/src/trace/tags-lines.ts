/**
 * Positions for the tag reader. Tags, their declarations and their extents are met in file order,
 * so a cursor over the line table that remembers the line it last stood on answers most positions
 * with a step or two instead of a search.
 *
 * Lines are split at `\n` only and characters are UTF-16 code units, as `LineIndex` counts them.
 */
import type { Position, Span } from './model';
import { PlainPosition } from './tags-objects';
import { lastStartAtOrBefore, lineEndAt } from '../text/lines';
import { PackedSpan } from './text';

export { lineEndAt };

export class LineCursor {
  /** The line the cursor stands on, zero-based. */
  line = 0;
  /** The offset at which that line starts. */
  start = 0;
  /** The offset of the line's `\n`, or the text's length for the last line. */
  end: number;

  /** `starts`: the offsets at which the lines of `text` start (`LineIndex.lineStarts`). */
  constructor(
    private readonly text: string,
    readonly starts: number[],
  ) {
    this.end = starts.length > 1 ? starts[1] - 1 : text.length;
  }

  /** Moves to the line that holds `offset` (0 ≤ offset ≤ length) and returns its number. */
  seek(offset: number): number {
    if (offset >= this.start && offset <= this.end) return this.line;
    const starts = this.starts;
    let line = this.line;
    if (offset > this.end) {
      // Step forward a few lines, then bisect what is left.
      const last = starts.length - 1;
      const near = line + 8 < last ? line + 8 : last;
      while (line < near && starts[line + 1] <= offset) line++;
      if (line === near && line < last && starts[line + 1] <= offset) line = lastStartAtOrBefore(starts, offset, line + 1, last);
    } else {
      const near = line > 8 ? line - 8 : 0;
      while (line > near && starts[line] > offset) line--;
      if (starts[line] > offset) line = lastStartAtOrBefore(starts, offset, 0, line - 1);
    }
    this.line = line;
    this.start = starts[line];
    this.end = line + 1 < starts.length ? starts[line + 1] - 1 : this.text.length;
    return line;
  }

  position(offset: number): Position {
    if (offset < this.start || offset > this.end) this.seek(offset);
    return new PlainPosition(this.line, offset - this.start);
  }

  span(start: number, end: number): Span {
    if (start < this.start || start > this.end) this.seek(start);
    const startLine = this.line;
    const startCharacter = start - this.start;
    if (end < this.start || end > this.end) this.seek(end);
    return new PackedSpan(startLine, startCharacter, this.line, end - this.start);
  }

  /** The length of the cursor's line as `LineIndex.lineText` gives it (without `\r\n` / `\n`). */
  lineLength(): number {
    return textLineLength(this.text, this.start, this.end);
  }

  /** The offset of the `\n` that ends `line`, or the text's length for the last line. */
  lineEnd(line: number): number {
    return line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
  }
}


/** The length of the line `[start, end)` without a carriage return before its end. */
export function textLineLength(text: string, start: number, end: number): number {
  return end > start && text.charCodeAt(end - 1) === 13 ? end - start - 1 : end - start;
}
