/**
 * Lines of a text: the line index (offsets to positions and back), the bisection over line
 * starts, and where a line ends. Positions are zero-based line / UTF-16 character pairs.
 */
import { PackedSpan, type Position, type Span } from './span';

/** The last line in `[low, high]` whose start is at or before `offset` (the one at `low` must be). */
export function lastStartAtOrBefore(starts: readonly number[], offset: number, low: number, high: number): number {
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The offset of the `\n` that ends the line holding `from`, or the text's length. */
export function lineEndAt(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end;
}

export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  /**
   * The offsets at which each line starts; built on first use. Lines end as LSP ends them: at
   * `\n`, `\r\n` or a lone `\r` — not at U+2028 or U+2029, which LSP does not count.
   */
  lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      const text = this.text;
      let at = text.indexOf('\n');
      while (at !== -1) {
        starts.push(at + 1);
        at = text.indexOf('\n', at + 1);
      }
      if (hasLoneCarriageReturn(text)) {
        starts.length = 1;
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
        }
      }
      this.starts = starts;
    }
    return this.starts;
  }

  /** The zero-based line that holds `offset`. */
  lineOf(offset: number): number {
    const starts = this.lineStarts();
    return lastStartAtOrBefore(starts, offset, 0, starts.length - 1);
  }

  position(offset: number): Position {
    const line = this.lineOf(offset);
    return { line, character: offset - this.lineStarts()[line] };
  }

  span(start: number, end: number): Span {
    const from = this.position(start);
    const to = this.position(end);
    return new PackedSpan(from.line, from.character, to.line, to.character);
  }

  /** The offset of a position; positions past a line's end are clamped to it. */
  offset(position: Position): number {
    const starts = this.lineStarts();
    if (position.line < 0) return 0;
    if (position.line >= starts.length) return this.text.length;
    const lineEnd = position.line + 1 < starts.length ? starts[position.line + 1] - 1 : this.text.length;
    return Math.min(starts[position.line] + Math.max(0, position.character), lineEnd);
  }

  /** The text of a line without its line break (and without a trailing carriage return). */
  lineText(line: number): string {
    const starts = this.lineStarts();
    if (line < 0 || line >= starts.length) return '';
    const end = line + 1 < starts.length ? starts[line + 1] - 1 : this.text.length;
    const raw = this.text.slice(starts[line], end);
    return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  }

  lineCount(): number {
    return this.lineStarts().length;
  }
}

/** True when the text has a carriage return that is not followed by a line feed (an old Mac line end). */
export function hasLoneCarriageReturn(text: string): boolean {
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) {
    if (text.charCodeAt(at + 1) !== 10) return true;
  }
  return false;
}

/**
 * The text with every lone `\r` turned into `\n`: the same length, so every offset is unchanged,
 * and lines then end where LSP ends them (`\n`, `\r\n`, `\r`) for readers that look for `\n`.
 */
export function withLineFeeds(text: string): string {
  return hasLoneCarriageReturn(text) ? text.replace(/\r(?!\n)/g, '\n') : text;
}
