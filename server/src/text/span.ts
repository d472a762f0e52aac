/**
 * Positions and spans: zero-based line / UTF-16 character pairs, as the trace and the LSP count.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Span {
  start: Position;
  end: Position;
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
