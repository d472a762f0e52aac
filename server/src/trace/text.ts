/**
 * Offsets to positions. Extraction works on string offsets (UTF-16 code units, as JavaScript
 * strings are indexed) and turns them into zero-based line / character positions only for what
 * it keeps, so a file without tags costs no line table at all.
 */
import type { Position, Span } from './model';

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

/**
 * A span kept as four numbers in one object, where a literal span is three objects. The trace of
 * a large workspace holds hundreds of thousands of spans, and the garbage collector's time grows
 * with the number of objects that survive, not with their size.
 *
 * It is a `Span` to every reader: `start` and `end` give fresh plain positions on each read (so no
 * caller can change the span through them), and `toJSON` gives the literal shape, so the wire, the
 * CLI's JSON and any comparison of JSON cannot tell the two apart. Assigning `start` or `end`
 * stores the position's numbers.
 */
export class PackedSpan implements Span {
  constructor(
    public startLine: number,
    public startCharacter: number,
    public endLine: number,
    public endCharacter: number,
  ) {}

  get start(): Position {
    return { line: this.startLine, character: this.startCharacter };
  }

  set start(position: Position) {
    this.startLine = position.line;
    this.startCharacter = position.character;
  }

  get end(): Position {
    return { line: this.endLine, character: this.endCharacter };
  }

  set end(position: Position) {
    this.endLine = position.line;
    this.endCharacter = position.character;
  }

  toJSON(): Span {
    return { start: this.start, end: this.end };
  }
}

/** A span on one line, from `startCharacter` to `endCharacter`. */
export function lineSpan(line: number, startCharacter: number, endCharacter: number): Span {
  return new PackedSpan(line, startCharacter, line, endCharacter);
}

/**
 * True when the text looks binary (a NUL among its first 8 KiB): such a file yields no facts.
 */
export function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  return head.includes('\u0000');
}
