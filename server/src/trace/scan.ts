/**
 * A comment- and string-aware scan of source code in one linear pass. It finds where comments
 * are (tags count only there) and, in test files, the calls that name a test (`it('…', …)`) with
 * their title and extent, so a tag or an ID can be bound to the test that holds it.
 *
 * The scan never throws and never backtracks: an unterminated string or comment simply runs to the
 * end of the file, as a compiler would read it.
 */
import type { LanguageSyntax, StringStyle } from './languages';
import { isIdentifierCode, isSpace } from '../text/chars';
import { lineEndAt } from '../text/lines';

/** A call that declares a test, with its title (the first argument, a string literal). */
export interface TestCall {
  title: string;
  /** The offsets of the title's text, without quotes. */
  titleStart: number;
  titleEnd: number;
  /** From the call's opening parenthesis (or the title, for calls without one) to its end. */
  start: number;
  end: number;
  /** The index of the test call that encloses this one, or -1. */
  parent: number;
}

export interface CodeScan {
  /** Comment regions as flat `[start, end, start, end, …]` offsets; docstrings included. */
  comments: number[];
  tests: TestCall[];
}

const enum Ch {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Bang = 33,
  DoubleQuote = 34,
  Hash = 35,
  Dollar = 36,
  SingleQuote = 39,
  OpenParen = 40,
  CloseParen = 41,
  Asterisk = 42,
  Slash = 47,
  Semicolon = 59,
  At = 64,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  Backtick = 96,
  OpenBrace = 123,
  Pipe = 124,
  CloseBrace = 125,
  Equals = 61,
}


/** Characters after which a `/` starts a regular expression literal rather than a division. */
const regexPreceders = new Set('(,=:[!&|?{};+-*%<>~^'.split('').map((c) => c.charCodeAt(0)));

/** What the scan needs of a language's comment tokens, derived once per syntax. */
interface CommentRules {
  lineTokens: string[];
  lineFirst: number[];
  blockOpens: string[];
  blockCloses: string[];
  blockFirst: number[];
  /** Nested block comments: finds the next opening or closing token of each block pair. */
  blockTokens: RegExp[];
}

const commentRulesCache = new WeakMap<LanguageSyntax, CommentRules>();

function commentRules(syntax: LanguageSyntax): CommentRules {
  let rules = commentRulesCache.get(syntax);
  if (!rules) {
    const escape = (token: string): string => token.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    rules = {
      lineTokens: syntax.lineComments.slice(),
      lineFirst: syntax.lineComments.map((token) => token.charCodeAt(0)),
      blockOpens: syntax.blockComments.map(([open]) => open),
      blockCloses: syntax.blockComments.map(([, close]) => close),
      blockFirst: syntax.blockComments.map(([open]) => open.charCodeAt(0)),
      blockTokens: syntax.blockComments.map(([open, close]) => new RegExp(`${escape(open)}|${escape(close)}`, 'g')),
    };
    commentRulesCache.set(syntax, rules);
  }
  return rules;
}

/**
 * Scans `text` as code of the given language. `wantTests` asks for test calls (test files only,
 * since the bookkeeping costs a little).
 */
export function scanCode(text: string, syntax: LanguageSyntax, wantTests: boolean): CodeScan {
  const state = new ScanState(text, syntax, wantTests);
  const comments = state.comments;
  const parens = state.parens;
  const length = text.length;
  const rules = state.rules;
  const lineFirst = rules.lineFirst;
  const blockFirst = rules.blockFirst;
  const jump = jumpRegExp(syntax, wantTests);
  // Without test calls to note, JavaScript strings are skipped by the same search as the code.
  const skip = syntax.strings === 'js' && !wantTests ? jsCodeAndStrings : undefined;
  let i = 0;
  outer: while (i < length) {
    // Only a few characters can start a comment, a string or a parenthesis: jump to the next one.
    if (skip) {
      // A search takes 64 strings at most (so that it keeps little to backtrack to): go on while
      // it stops at a quote.
      do {
        skip.lastIndex = i;
        skip.test(text);
        i = skip.lastIndex;
      } while (i < length && (text.charCodeAt(i) === Ch.DoubleQuote || text.charCodeAt(i) === Ch.SingleQuote));
      if (i >= length) break;
    } else {
      jump.lastIndex = i;
      if (!jump.test(text)) break;
      i = jump.lastIndex - 1;
    }
    const c = text.charCodeAt(i);
    // Parentheses (test files), then strings: no comment starts with either.
    if (c === Ch.OpenParen) {
      parens.push(i, -1);
      i++;
      continue;
    }
    if (c === Ch.CloseParen) {
      if (parens.length > 0) {
        const test = parens.pop()!;
        parens.pop();
        if (test !== -1) state.closeTest(test, i);
      }
      i++;
      continue;
    }
    if (c === Ch.DoubleQuote || c === Ch.SingleQuote || c === Ch.Backtick) {
      i = state.string(i, c);
      continue;
    }
    // Comments.
    for (let k = 0; k < lineFirst.length; k++) {
      if (c === lineFirst[k] && text.startsWith(rules.lineTokens[k], i)) {
        if (syntax.hashAtWordStart && i > 0) {
          const p = text.charCodeAt(i - 1);
          if (p !== Ch.Space && p !== Ch.Tab && p !== Ch.LineFeed && p !== Ch.Semicolon) break;
        }
        const end = state.lineComment(i);
        comments.push(i, end);
        i = end;
        continue outer;
      }
    }
    for (let k = 0; k < blockFirst.length; k++) {
      if (c === blockFirst[k] && text.startsWith(rules.blockOpens[k], i)) {
        const end = state.blockComment(k, i);
        if (end === -1) break;
        comments.push(i, end);
        i = end;
        continue outer;
      }
    }
    i = state.other(i, c);
  }
  return { comments, tests: state.tests };
}

/**
 * What a scan keeps besides its position: comments, test calls and open parentheses, and the
 * rarer tokens, read by methods so that the main loop stays small.
 */
class ScanState {
  readonly comments: number[] = [];
  readonly tests: TestCall[] = [];
  /** Open parentheses as pairs: the offset, and the test call it opened (or -1). */
  readonly parens: number[] = [];
  readonly rules: CommentRules;
  /** The innermost test call whose parentheses are open, or -1. */
  private openTest = -1;
  private readonly length: number;
  private readonly style: StringStyle;
  private readonly titleCall: RegExp | undefined;

  constructor(
    private readonly text: string,
    private readonly syntax: LanguageSyntax,
    wantTests: boolean,
  ) {
    this.length = text.length;
    this.style = syntax.strings;
    this.rules = commentRules(syntax);
    this.titleCall = wantTests ? syntax.testTitleCall : undefined;
  }

  /** A test call's closing parenthesis at `i`. */
  closeTest(test: number, i: number): void {
    this.tests[test].end = i + 1;
    this.openTest = this.tests[test].parent;
  }

  /** The end of the line comment at `i` (a Lua long comment runs to its closing bracket). */
  lineComment(i: number): number {
    if (this.style === 'lua' && this.text.startsWith('[', i + 2)) {
      const close = luaLongBracketEnd(this.text, i + 2);
      if (close !== -1) return close;
    }
    return lineEndAt(this.text, i);
  }

  /** The end of the block comment (of block pair `k`) at `i`, or -1 when it is none. */
  blockComment(k: number, i: number): number {
    const text = this.text;
    const open = this.rules.blockOpens[k];
    if (open === '=begin' && !atLineStartOnlyWhitespace(text, i)) return -1;
    if (this.syntax.nestedBlocks) return this.nestedBlockEnd(k, i + open.length);
    const close = this.rules.blockCloses[k];
    const found = text.indexOf(close, i + open.length);
    return found === -1 ? this.length : found + close.length;
  }

  /** The end of a nested block comment (of block pair `k`) whose content starts at `from`. */
  private nestedBlockEnd(k: number, from: number): number {
    const text = this.text;
    const open = this.rules.blockOpens[k];
    const tokens = this.rules.blockTokens[k];
    let depth = 1;
    let j = from;
    while (j < this.length && depth > 0) {
      tokens.lastIndex = j;
      const match = tokens.exec(text);
      if (!match) return this.length;
      if (text.startsWith(open, match.index)) {
        depth++;
        j = match.index + open.length;
      } else {
        depth--;
        j = match.index + this.rules.blockCloses[k].length;
      }
    }
    return j;
  }

  /** Reads the string (or the quote that starts none) at `i`; returns where the scan goes on. */
  string(i: number, c: number): number {
    const text = this.text;
    const style = this.style;
    const length = this.length;
    const start = i;
    let contentStart = i + 1;
    let end: number;
    let contentEnd: number;
    if (this.syntax.tripleQuotes && (c === Ch.DoubleQuote || style === 'python') && text.startsWith(c === Ch.DoubleQuote ? '"""' : "'''", i)) {
      const j = tripleQuoteEnd(text, i + 3, c);
      contentStart = i + 3;
      contentEnd = Math.min(j, length);
      end = Math.min(j + 3, length);
      if (style === 'python' && isDocstringStart(text, start)) {
        this.comments.push(start, end);
        return end;
      }
    } else if (c === Ch.Backtick) {
      if (style === 'js') end = skipTemplate(text, i);
      else if (style === 'go' || style === 'shell' || style === 'ruby') end = skipQuoted(text, i, c, style !== 'go', false, false);
      else return i + 1;
      contentEnd = end - 1;
    } else if (c === Ch.SingleQuote && (style === 'lisp' || (style === 'rust' && !isRustChar(text, i)))) {
      return i + 1;
    } else if (c === Ch.SingleQuote && style === 'shell') {
      end = skipQuoted(text, i, c, false, false, false);
      contentEnd = end - 1;
    } else if (style === 'sql') {
      end = skipQuoted(text, i, c, false, true, false);
      contentEnd = end - 1;
    } else {
      const verbatim = this.syntax.verbatim === 'csharp' && i > 0 && text.charCodeAt(i - 1) === Ch.At && c === Ch.DoubleQuote;
      end = verbatim ? skipQuoted(text, i, c, false, true, false) : skipQuoted(text, i, c, true, false, style !== 'ruby' && style !== 'lua' && style !== 'shell');
      contentEnd = Math.max(contentStart, end - 1);
    }
    if (this.titleCall) this.noteTitle(start, contentStart, contentEnd);
    return end;
  }

  /** Records a string literal that is a test's title: called with the quote and content offsets. */
  private noteTitle(open: number, contentStart: number, contentEnd: number): void {
    const text = this.text;
    const from = Math.max(0, open - 48);
    const hint = this.syntax.testTitleHint;
    if (hint && !hint(text, from, open)) return;
    const before = text.slice(from, open);
    if (!this.titleCall!.test(before)) return;
    const parens = this.parens;
    const top = parens.length - 2;
    const viaParen = top >= 0 && parens[top + 1] === -1 && onlySpaceBetween(text, parens[top] + 1, open);
    if (!viaParen && !this.syntax.bareTestCalls && !endsWithParen(before)) return;
    const index = this.tests.length;
    this.tests.push({
      title: text.slice(contentStart, contentEnd),
      titleStart: contentStart,
      titleEnd: contentEnd,
      start: viaParen ? parens[top] : open,
      end: viaParen ? this.length : lineEndAt(text, contentEnd),
      parent: this.openTest,
    });
    if (viaParen) {
      parens[top + 1] = index;
      this.openTest = index;
    }
  }

  /** Reads a raw string, a regular expression literal or a character; returns where the scan goes on. */
  other(i: number, c: number): number {
    const text = this.text;
    const style = this.style;
    if (style === 'rust' && (c === 114 || c === 98) && isRustRawStart(text, i)) return rustRawEnd(text, i);
    if (this.syntax.verbatim === 'cpp' && c === 82 && text.charCodeAt(i + 1) === Ch.DoubleQuote && (i === 0 || !isIdentifierCode(text.charCodeAt(i - 1)))) {
      const open = text.indexOf('(', i + 2);
      if (open !== -1 && open - i < 20) {
        const delimiter = ')' + text.slice(i + 2, open) + '"';
        const close = text.indexOf(delimiter, open);
        return close === -1 ? this.length : close + delimiter.length;
      }
    }
    if (style === 'lua' && c === Ch.OpenBracket) {
      const close = luaLongBracketEnd(text, i);
      if (close !== -1) return close;
    }
    if (style === 'lisp' && (c === Ch.Hash || c === 63) && text.charCodeAt(i + 1) === Ch.Backslash) return i + 3;
    if (style === 'js' && c === Ch.Slash) {
      // A `/` after an operator, an opening bracket or a keyword starts a regular expression literal.
      const previous = previousSignificant(text, i, this.comments);
      if (previous === -1 || regexPreceders.has(text.charCodeAt(previous)) || endsWithKeyword(text, previous)) return skipRegexLiteral(text, i);
    }
    return i + 1;
  }
}

/**
 * JavaScript code up to the next `/` or backtick, with the strings in it (64 at most): a quoted
 * string runs to its closing quote, or stops before a line break, as `skipQuoted` reads it.
 */
const jsCodeAndStrings = /[^"'/`]*(?:(?:"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"?|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'?)[^"'/`]*){0,64}/y;

/** Searches for the characters that end or interrupt a quoted string, per quote and rules. */
const quoteStopCache: RegExp[] = [];

function quoteStops(quote: number, escapes: boolean, stopAtNewline: boolean): RegExp {
  const key = quote * 4 + (escapes ? 2 : 0) + (stopAtNewline ? 1 : 0);
  let regex = quoteStopCache[key];
  if (!regex) {
    const q = String.fromCharCode(quote).replace(/[\]\\^-]/g, '\\$&');
    regex = new RegExp(`[${q}${escapes ? '\\\\' : ''}${stopAtNewline ? '\\n' : ''}]`, 'g');
    quoteStopCache[key] = regex;
  }
  return regex;
}

/** Skips a quoted string from its opening quote; returns the offset after the closing quote. */
function skipQuoted(text: string, at: number, quote: number, escapes: boolean, doubledEscape: boolean, stopAtNewline: boolean): number {
  const stops = quoteStops(quote, escapes, stopAtNewline);
  const length = text.length;
  let j = at + 1;
  while (j < length) {
    stops.lastIndex = j;
    if (!stops.test(text)) return length;
    j = stops.lastIndex - 1;
    const c = text.charCodeAt(j);
    if (c === Ch.Backslash) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (doubledEscape && text.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    // A line feed, where strings stop.
    return j;
  }
  return length;
}

const templateStops = /[`\\$]/g;
const templateCodeStops = /[{}'"`]/g;

/** Skips a JavaScript template literal, including code nested in `${…}`. */
function skipTemplate(text: string, at: number): number {
  const length = text.length;
  let j = at + 1;
  while (j < length) {
    templateStops.lastIndex = j;
    if (!templateStops.test(text)) return length;
    j = templateStops.lastIndex - 1;
    const c = text.charCodeAt(j);
    if (c === Ch.Backslash) {
      j += 2;
      continue;
    }
    if (c === Ch.Backtick) return j + 1;
    if (text.charCodeAt(j + 1) === Ch.OpenBrace) {
      let depth = 1;
      j += 2;
      while (j < length && depth > 0) {
        templateCodeStops.lastIndex = j;
        if (!templateCodeStops.test(text)) {
          j = length;
          break;
        }
        j = templateCodeStops.lastIndex - 1;
        const d = text.charCodeAt(j);
        if (d === Ch.OpenBrace) depth++;
        else if (d === Ch.CloseBrace) depth--;
        else if (d === Ch.SingleQuote || d === Ch.DoubleQuote) {
          j = skipQuoted(text, j, d, true, false, true);
          continue;
        } else {
          j = skipTemplate(text, j);
          continue;
        }
        j++;
      }
      continue;
    }
    j++;
  }
  return length;
}

const tripleStops = { 34: /["\\]/g, 39: /['\\]/g } as Record<number, RegExp>;

/** The offset of the closing triple quote of a string whose content starts at `from` (may pass the end). */
function tripleQuoteEnd(text: string, from: number, quote: number): number {
  const stops = tripleStops[quote];
  const triple = quote === Ch.DoubleQuote ? '"""' : "'''";
  const length = text.length;
  let j = from;
  while (j < length) {
    stops.lastIndex = j;
    if (!stops.test(text)) return length;
    j = stops.lastIndex - 1;
    if (text.charCodeAt(j) === Ch.Backslash) {
      j += 2;
      continue;
    }
    if (text.startsWith(triple, j)) return j;
    j++;
  }
  return j;
}

const regexLiteralStops = /[\n\\[\]/]/g;

function skipRegexLiteral(text: string, at: number): number {
  const length = text.length;
  let j = at + 1;
  let inClass = false;
  while (j < length) {
    regexLiteralStops.lastIndex = j;
    if (!regexLiteralStops.test(text)) return length;
    j = regexLiteralStops.lastIndex - 1;
    const c = text.charCodeAt(j);
    if (c === Ch.LineFeed) return j;
    if (c === Ch.Backslash) {
      j += 2;
      continue;
    }
    if (c === Ch.OpenBracket) inClass = true;
    else if (c === Ch.CloseBracket) inClass = false;
    else if (!inClass) return j + 1;
    j++;
  }
  return length;
}


function atLineStartOnlyWhitespace(text: string, at: number): boolean {
  for (let j = at - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (c === Ch.LineFeed) return true;
    if (c !== Ch.Space && c !== Ch.Tab && c !== Ch.CarriageReturn) return false;
  }
  return true;
}

/** True when `text` between `from` and `to` is white space only (as `trim` sees it). */
function onlySpaceBetween(text: string, from: number, to: number): boolean {
  for (let j = to - 1; j >= from; j--) if (!isSpace(text.charCodeAt(j))) return false;
  return true;
}

/** `text.trimEnd().endsWith('(')`. */
function endsWithParen(text: string): boolean {
  let j = text.length - 1;
  while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
  return j >= 0 && text.charCodeAt(j) === Ch.OpenParen;
}


const jumpCache = new Map<string, RegExp>();

/** A regular expression that finds the next character that may start a token the scan cares about. */
function jumpRegExp(syntax: LanguageSyntax, wantTests: boolean): RegExp {
  const key = `${syntax.family}:${wantTests}`;
  let regex = jumpCache.get(key);
  if (!regex) {
    const starts = new Set<string>(['"', "'"]);
    for (const token of syntax.lineComments) starts.add(token[0]);
    for (const [open] of syntax.blockComments) starts.add(open[0]);
    if (syntax.strings === 'js' || syntax.strings === 'go' || syntax.strings === 'shell' || syntax.strings === 'ruby') starts.add('`');
    if (syntax.strings === 'js') starts.add('/');
    if (syntax.strings === 'rust') {
      starts.add('r');
      starts.add('b');
    }
    if (syntax.verbatim === 'cpp') starts.add('R');
    if (syntax.strings === 'lua') starts.add('[');
    if (syntax.strings === 'lisp') {
      starts.add('#');
      starts.add('?');
    }
    // An empty pair `()` opens and closes no test call: JavaScript code skips it (no other token
    // of JavaScript ends with `(`, so a `)` right after one closes it).
    const emptyPairs = wantTests && syntax.strings === 'js';
    if (wantTests && !emptyPairs) {
      starts.add('(');
      starts.add(')');
    }
    const escaped = [...starts].map((c) => c.replace(/[\]\\^-]/g, '\\$&')).join('');
    regex = new RegExp(emptyPairs ? `[${escaped}]|\\((?!\\))|(?<!\\()\\)` : `[${escaped}]`, 'g');
    jumpCache.set(key, regex);
  }
  return regex;
}

/** The offset of the last character before `at` that is neither whitespace nor in the last comment. */
function previousSignificant(text: string, at: number, comments: number[]): number {
  let j = at - 1;
  for (;;) {
    while (j >= 0) {
      const c = text.charCodeAt(j);
      if (c !== Ch.Space && c !== Ch.Tab && c !== Ch.LineFeed && c !== Ch.CarriageReturn) break;
      j--;
    }
    const n = comments.length;
    if (j >= 0 && n > 0 && j < comments[n - 1] && j >= comments[n - 2]) {
      j = comments[n - 2] - 1;
      continue;
    }
    return j;
  }
}

/** A triple-quoted Python string that starts a statement (only whitespace before it on its line). */
function isDocstringStart(text: string, at: number): boolean {
  for (let j = at - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (c === Ch.LineFeed) return true;
    if (c !== Ch.Space && c !== Ch.Tab && c !== Ch.CarriageReturn) {
      // String prefixes such as r""" or u""" still start a docstring.
      if ((c === 114 || c === 82 || c === 117 || c === 85) && (j === 0 || /\s/.test(text[j - 1]))) continue;
      return false;
    }
  }
  return true;
}

/** Rust: `'x'`, `'\n'`, `'\u{1F600}'` are char literals; `'a` in `&'a str` is a lifetime. */
function isRustChar(text: string, at: number): boolean {
  if (text.charCodeAt(at + 1) === Ch.Backslash) return true;
  const close = text.indexOf("'", at + 1);
  return close !== -1 && close <= at + 3 && !text.slice(at + 1, close).includes('\n');
}

function isRustRawStart(text: string, at: number): boolean {
  if (at > 0 && isIdentifierCode(text.charCodeAt(at - 1))) return false;
  let j = at;
  if (text.charCodeAt(j) === 98) j++;
  if (text.charCodeAt(j) !== 114) return false;
  j++;
  while (text.charCodeAt(j) === Ch.Hash) j++;
  return text.charCodeAt(j) === Ch.DoubleQuote;
}

function rustRawEnd(text: string, at: number): number {
  let j = at;
  if (text.charCodeAt(j) === 98) j++;
  j++;
  let hashes = 0;
  while (text.charCodeAt(j) === Ch.Hash) {
    hashes++;
    j++;
  }
  const close = '"' + '#'.repeat(hashes);
  const end = text.indexOf(close, j + 1);
  return end === -1 ? text.length : end + close.length;
}

/** Lua long brackets `[[…]]`, `[==[…]==]`: the offset after the close, or -1 when `at` opens none. */
function luaLongBracketEnd(text: string, at: number): number {
  let j = at + 1;
  let level = 0;
  while (text.charCodeAt(j) === Ch.Equals) {
    level++;
    j++;
  }
  if (text.charCodeAt(j) !== Ch.OpenBracket) return -1;
  const close = ']' + '='.repeat(level) + ']';
  const end = text.indexOf(close, j + 1);
  return end === -1 ? text.length : end + close.length;
}

function endsWithKeyword(text: string, at: number): boolean {
  if (at < 0) return false;
  const from = Math.max(0, at - 10);
  return /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|void|yield|await)$/.test(text.slice(from, at + 1));
}
