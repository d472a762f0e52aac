/**
 * Offsets to positions. Extraction works on string offsets (UTF-16 code units, as JavaScript
 * strings are indexed) and turns them into zero-based line / character positions only for what
 * it keeps, so a file without tags costs no line table at all.
 */
import type { Position, Span } from './model';

export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  /** The offsets at which each line starts; built on first use. */
  lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      const text = this.text;
      let at = text.indexOf('\n');
      while (at !== -1) {
        starts.push(at + 1);
        at = text.indexOf('\n', at + 1);
      }
      this.starts = starts;
    }
    return this.starts;
  }

  /** The zero-based line that holds `offset`. */
  lineOf(offset: number): number {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  position(offset: number): Position {
    const line = this.lineOf(offset);
    return { line, character: offset - this.lineStarts()[line] };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
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

/** True when `position` lies within `span` (end inclusive, so a cursor just after a word counts). */
export function spanContains(span: Span, position: Position): boolean {
  if (position.line < span.start.line || position.line > span.end.line) return false;
  if (position.line === span.start.line && position.character < span.start.character) return false;
  if (position.line === span.end.line && position.character > span.end.character) return false;
  return true;
}

/**
 * True for the characters that `\s` matches and `String.prototype.trim` removes: ECMAScript white
 * space and line terminators. The readers test character codes with it instead of running `trim`.
 */
export function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** A span from line/character pairs; used where a whole line is meant. */
export function lineSpan(line: number, startCharacter: number, endCharacter: number): Span {
  return { start: { line, character: startCharacter }, end: { line, character: endCharacter } };
}

/**
 * True when the text looks binary (a NUL among its first 8 KiB): such a file yields no facts.
 */
export function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  return head.includes('\u0000');
}
