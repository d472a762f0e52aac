/**
 * Whether a user-supplied regular expression (the `trace.idPattern` setting, from a repository's
 * `tandem.json`) can backtrack catastrophically in the scans that embed it. JavaScript has no
 * linear-time engine for patterns with the lookarounds those scans use, so a pattern that could
 * is refused (a diagnostic on the setting, the default used) instead of being run.
 *
 * The check is conservative: it parses the pattern and refuses
 * - backreferences;
 * - a repeated part (`(…)*`, `(…)+`, `(…){2,}`) that can match empty text, whose first character
 *   can also be consumed by a repetition inside it (`(a+)+`), or that holds alternatives
 *   starting alike (`(a|ab)*`);
 * - two repetitions that can take the same characters with nothing required between them
 *   (`\w+\w+`, `\d+\.?\d+`): polynomial backtracking on a long run of such characters;
 * - a pattern that starts with an unbounded repetition of characters outside `[\w~-]` (the
 *   scans start a match after any such character, so each start would rescan the run);
 * - more than a few ambiguous choices in sequence (`(a|a)(a|a)…`), and patterns over 300
 *   characters.
 * Patterns that ID schemes use (`[A-Z][A-Z0-9]*-\d+`, `REQ-\d+(?:\.\d+)*`, `[A-Z]{2,5}-[0-9]{1,6}`)
 * pass.
 */

const maxPatternLength = 300;
const maxAmbiguities = 6;

/** Characters as a bitmap of the 128 ASCII codes plus one flag for everything above. */
class CharSet {
  constructor(
    readonly bits = new Uint32Array(4),
    public high = false,
  ) {}
  static of(...codes: number[]): CharSet {
    const set = new CharSet();
    for (const code of codes) set.add(code, code);
    return set;
  }
  add(from: number, to: number): this {
    for (let c = from; c <= Math.min(to, 127); c++) this.bits[c >> 5] |= 1 << (c & 31);
    if (to > 127) this.high = true;
    return this;
  }
  union(other: CharSet): CharSet {
    const out = new CharSet(this.bits.slice(), this.high || other.high);
    for (let i = 0; i < 4; i++) out.bits[i] |= other.bits[i];
    return out;
  }
  negate(): CharSet {
    return new CharSet(Uint32Array.from(this.bits, (bits) => ~bits >>> 0), true);
  }
  overlaps(other: CharSet): boolean {
    if (this.high && other.high) return true;
    for (let i = 0; i < 4; i++) if ((this.bits[i] & other.bits[i]) !== 0) return true;
    return false;
  }
  within(other: CharSet): boolean {
    if (this.high && !other.high) return false;
    for (let i = 0; i < 4; i++) if ((this.bits[i] & ~other.bits[i]) !== 0) return false;
    return true;
  }
  isEmpty(): boolean {
    return !this.high && this.bits.every((word) => word === 0);
  }
}

const digit = new CharSet().add(48, 57);
const word = new CharSet().add(48, 57).add(65, 90).add(97, 122).add(95, 95);
const space = CharSet.of(9, 10, 11, 12, 13, 32).add(128, 0xffff);
const anyChar = new CharSet().add(0, 0xffff);
/** Where the scans may start a match: after anything but these. */
const startGuard = word.union(CharSet.of(126, 45));

type Node =
  | { kind: 'chars'; set: CharSet }
  | { kind: 'empty' } // anchors, boundaries, lookarounds: match no character
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; alternatives: Node[] }
  | { kind: 'repeat'; body: Node; min: number; max: number };

class PatternError extends Error {}

/** Parses a JavaScript regular expression (without the `u` flag) into the shapes the check needs. */
function parse(source: string): Node {
  let at = 0;
  const peek = () => source[at];
  const escapeSet = (c: string): CharSet | 'backref' | undefined => {
    switch (c) {
      case 'd':
        return digit;
      case 'D':
        return digit.negate();
      case 'w':
        return word;
      case 'W':
        return word.negate();
      case 's':
        return space;
      case 'S':
        return space.negate();
      default:
        if (/[1-9]/.test(c) || c === 'k') return 'backref';
        return undefined;
    }
  };
  const escapedCode = (): number => {
    const c = source[at++];
    if (c === 'n') return 10;
    if (c === 't') return 9;
    if (c === 'r') return 13;
    if (c === 'f') return 12;
    if (c === 'v') return 11;
    if (c === '0') return 0;
    if (c === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(at, at + 2))) return parseInt(source.slice(at, (at += 2)), 16);
    if (c === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(at, at + 4))) return parseInt(source.slice(at, (at += 4)), 16);
    if (c === 'c' && /[A-Za-z]/.test(source[at] ?? '')) return source.charCodeAt(at++) % 32;
    return c.charCodeAt(0);
  };
  const parseClass = (): CharSet => {
    let set = new CharSet();
    const negate = peek() === '^';
    if (negate) at++;
    let first = true;
    while (at < source.length && (peek() !== ']' || (first && false))) {
      first = false;
      let from: number;
      if (peek() === '\\') {
        at++;
        const special = escapeSet(source[at]);
        if (special instanceof CharSet) {
          at++;
          set = set.union(special);
          continue;
        }
        if (source[at] === 'b') {
          at++;
          from = 8;
        } else from = escapedCode();
      } else from = source.charCodeAt(at++);
      if (peek() === '-' && source[at + 1] !== ']' && at + 1 < source.length) {
        at++;
        let to: number;
        if (peek() === '\\') {
          at++;
          to = escapedCode();
        } else to = source.charCodeAt(at++);
        set.add(from, Math.max(from, to));
      } else set.add(from, from);
    }
    if (peek() !== ']') throw new PatternError('a character class has no closing "]"');
    at++;
    return negate ? set.negate() : set;
  };
  const parseAtom = (): Node | undefined => {
    const c = peek();
    if (c === undefined || c === '|' || c === ')') return undefined;
    at++;
    switch (c) {
      case '^':
      case '$':
        return { kind: 'empty' };
      case '.':
        return { kind: 'chars', set: anyChar };
      case '[':
        return { kind: 'chars', set: parseClass() };
      case '(': {
        let lookaround = false;
        if (source.startsWith('?:', at)) at += 2;
        else if (source.startsWith('?=', at) || source.startsWith('?!', at)) {
          at += 2;
          lookaround = true;
        } else if (source.startsWith('?<=', at) || source.startsWith('?<!', at)) {
          at += 3;
          lookaround = true;
        } else if (source.startsWith('?<', at)) {
          const close = source.indexOf('>', at);
          if (close < 0) throw new PatternError('a group name has no closing ">"');
          at = close + 1;
        }
        const body = parseAlternatives();
        if (peek() !== ')') throw new PatternError('a group has no closing ")"');
        at++;
        // A lookaround matches no characters here, but what it holds is run too: it is checked as well.
        return lookaround ? { kind: 'seq', items: [{ kind: 'repeat', body, min: 0, max: 0 }] } : body;
      }
      case '\\': {
        const next = source[at];
        if (next === undefined) throw new PatternError('the pattern ends with "\\"');
        if (next === 'b' || next === 'B') {
          at++;
          return { kind: 'empty' };
        }
        const special = escapeSet(next);
        if (special === 'backref') throw new PatternError('backreferences are not allowed in an ID pattern');
        if (special) {
          at++;
          return { kind: 'chars', set: special };
        }
        return { kind: 'chars', set: CharSet.of(escapedCode()) };
      }
      default:
        return { kind: 'chars', set: CharSet.of(c.charCodeAt(0)) };
    }
  };
  const parseQuantifier = (node: Node): Node => {
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
        if (!match) return node;
        min = Number(match[1]);
        max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
        at += match[0].length - 1;
      } else return node;
      at++;
      if (peek() === '?') at++;
      node = { kind: 'repeat', body: node, min, max };
    }
  };
  const parseSequence = (): Node => {
    const items: Node[] = [];
    for (;;) {
      const atom = parseAtom();
      if (!atom) break;
      items.push(parseQuantifier(atom));
    }
    return { kind: 'seq', items };
  };
  function parseAlternatives(): Node {
    const alternatives = [parseSequence()];
    while (peek() === '|') {
      at++;
      alternatives.push(parseSequence());
    }
    return alternatives.length === 1 ? alternatives[0] : { kind: 'alt', alternatives };
  }
  const tree = parseAlternatives();
  if (at < source.length) throw new PatternError(`unexpected "${source[at]}"`);
  return tree;
}

function nullable(node: Node): boolean {
  switch (node.kind) {
    case 'chars':
      return false;
    case 'empty':
      return true;
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.alternatives.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
  }
}

/** The characters a match of the node can start with. */
function first(node: Node): CharSet {
  switch (node.kind) {
    case 'chars':
      return node.set;
    case 'empty':
      return new CharSet();
    case 'seq': {
      let set = new CharSet();
      for (const item of node.items) {
        set = set.union(first(item));
        if (!nullable(item)) break;
      }
      return set;
    }
    case 'alt':
      return node.alternatives.reduce((set, alternative) => set.union(first(alternative)), new CharSet());
    case 'repeat':
      return node.max === 0 ? new CharSet() : first(node.body);
  }
}

/** The characters that repetitions of varying count inside the node can consume. */
function repeatedChars(node: Node, unboundedOnly = false): CharSet {
  switch (node.kind) {
    case 'chars':
    case 'empty':
      return new CharSet();
    case 'seq':
      return node.items.reduce((set, item) => set.union(repeatedChars(item, unboundedOnly)), new CharSet());
    case 'alt':
      return node.alternatives.reduce((set, alternative) => set.union(repeatedChars(alternative, unboundedOnly)), new CharSet());
    case 'repeat': {
      const inner = repeatedChars(node.body, unboundedOnly);
      const varies = unboundedOnly ? node.max === Infinity : node.max > node.min;
      return varies ? inner.union(allChars(node.body)) : inner;
    }
  }
}

function allChars(node: Node): CharSet {
  switch (node.kind) {
    case 'chars':
      return node.set;
    case 'empty':
      return new CharSet();
    case 'seq':
      return node.items.reduce((set, item) => set.union(allChars(item)), new CharSet());
    case 'alt':
      return node.alternatives.reduce((set, alternative) => set.union(allChars(alternative)), new CharSet());
    case 'repeat':
      return node.max === 0 ? new CharSet() : allChars(node.body);
  }
}

/** Alternatives whose first characters overlap, directly in this node (not inside repetitions). */
function ambiguousChoices(node: Node): number {
  switch (node.kind) {
    case 'chars':
    case 'empty':
      return 0;
    case 'seq':
      return node.items.reduce((sum, item) => sum + ambiguousChoices(item), 0);
    case 'alt': {
      let count = node.alternatives.reduce((sum, alternative) => sum + ambiguousChoices(alternative), 0);
      const firsts = node.alternatives.map(first);
      if (firsts.some((set, i) => firsts.some((other, j) => j > i && set.overlaps(other))) || node.alternatives.filter(nullable).length > 1) count++;
      return count;
    }
    case 'repeat':
      return node.max <= 1 ? ambiguousChoices(node.body) : 0;
  }
}

/** Finds the first reason the node can backtrack catastrophically; counts milder ambiguities. */
function check(node: Node, counts: { ambiguities: number }): string | undefined {
  switch (node.kind) {
    case 'chars':
    case 'empty':
      return undefined;
    case 'alt':
      for (const alternative of node.alternatives) {
        const problem = check(alternative, counts);
        if (problem) return problem;
      }
      return undefined;
    case 'repeat': {
      const problem = check(node.body, counts);
      if (problem) return problem;
      if (node.max <= 1) return undefined;
      if (nullable(node.body)) return 'a repeated part can match empty text';
      const inner = repeatedChars(node.body);
      if (!inner.isEmpty() && first(node.body).overlaps(inner)) return 'a repeated part holds a repetition that can also start the next round (as in "(a+)+")';
      if (ambiguousChoices(node.body) > 0) return 'a repeated part holds alternatives that start alike (as in "(a|ab)*")';
      return undefined;
    }
    case 'seq': {
      for (const item of node.items) {
        const problem = check(item, counts);
        if (problem) return problem;
      }
      // A varying repetition followed by another that can start on characters the first can
      // take, with nothing between them that the first cannot take: backtracking splits the run
      // between them in every way (quadratic per pair, more for more).
      for (let i = 0; i < node.items.length; i++) {
        const left = repeatedChars(node.items[i]);
        if (left.isEmpty()) continue;
        const leftUnbounded = !repeatedChars(node.items[i], true).isEmpty();
        for (let j = i + 1; j < node.items.length; j++) {
          const item = node.items[j];
          if (!repeatedChars(item).isEmpty() && first(item).overlaps(left)) {
            if (leftUnbounded && !repeatedChars(item, true).isEmpty()) return 'two repetitions can take the same characters one after the other (as in "\\w+\\w+")';
            counts.ambiguities++;
          }
          if (!nullable(item) && !first(item).overlaps(left)) break;
        }
      }
      return undefined;
    }
  }
}

/** Undefined when the ID pattern is safe to run; otherwise why it is refused. */
export function idPatternProblem(source: string): string | undefined {
  if (source.length > maxPatternLength) return `trace.idPattern is longer than ${maxPatternLength} characters`;
  let tree: Node;
  try {
    new RegExp(source);
  } catch (error) {
    return `trace.idPattern is not a valid regular expression: ${(error as Error).message}`;
  }
  try {
    tree = parse(source);
  } catch (error) {
    return `trace.idPattern /${source}/ is refused: ${(error as Error).message}`;
  }
  const counts = { ambiguities: 0 };
  const problem = check(tree, counts);
  if (problem) return `trace.idPattern /${source}/ could take exponential or polynomial time on some text (${problem}); write it without nested or adjacent repetitions of the same characters`;
  if (counts.ambiguities + ambiguousChoices(tree) > maxAmbiguities) return `trace.idPattern /${source}/ has too many ambiguous choices in a row (${counts.ambiguities + ambiguousChoices(tree)}, at most ${maxAmbiguities})`;
  // The scans start a match after any character outside [\w~-]: a leading unbounded run of such characters would be rescanned from every start.
  const leading = leadingUnbounded(tree);
  if (!leading.within(startGuard)) return `trace.idPattern /${source}/ starts with an unbounded repetition of characters such as spaces or punctuation; start it with a letter, digit or fixed text`;
  return undefined;
}

/** The characters unbounded repetitions at the start of a match can take. */
function leadingUnbounded(node: Node): CharSet {
  switch (node.kind) {
    case 'chars':
    case 'empty':
      return new CharSet();
    case 'seq': {
      let set = new CharSet();
      for (const item of node.items) {
        set = set.union(leadingUnbounded(item));
        if (!nullable(item)) break;
      }
      return set;
    }
    case 'alt':
      return node.alternatives.reduce((set, alternative) => set.union(leadingUnbounded(alternative)), new CharSet());
    case 'repeat':
      return node.max === Infinity ? allChars(node.body) : leadingUnbounded(node.body);
  }
}
