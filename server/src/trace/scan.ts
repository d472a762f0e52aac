/**
 * A comment- and string-aware scan of source code in one linear pass. It finds where comments
 * are (tags count only there) and, in test files, the calls that name a test (`it('…', …)`) with
 * their title and extent, so a tag or an ID can be bound to the test that holds it.
 *
 * The scan never throws and never backtracks: an unterminated string or comment simply runs to the
 * end of the file, as a compiler would read it.
 */
import type { LanguageSyntax } from './languages';

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

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
}

/** Characters after which a `/` starts a regular expression literal rather than a division. */
const regexPreceders = new Set('(,=:[!&|?{};+-*%<>~^'.split('').map((c) => c.charCodeAt(0)));

/**
 * Scans `text` as code of the given language. `wantTests` asks for test calls (test files only,
 * since the bookkeeping costs a little).
 */
export function scanCode(text: string, syntax: LanguageSyntax, wantTests: boolean): CodeScan {
  const comments: number[] = [];
  const tests: TestCall[] = [];
  const length = text.length;
  const style = syntax.strings;
  const lineStarts = syntax.lineComments;
  const blocks = syntax.blockComments;
  /** Open parentheses: the offset, and the test call it opened (or -1). */
  const parens: { offset: number; test: number }[] = [];
  let openTest = -1;
  let lastSignificant = -1;
  let lastSignificantOffset = -1;
  let i = 0;

  const startsWith = (token: string, at: number): boolean => text.startsWith(token, at);

  /** Skips a quoted string from its opening quote; returns the offset after the closing quote. */
  const skipQuoted = (at: number, quote: number, escapes: boolean, doubledEscape: boolean, stopAtNewline: boolean): number => {
    let j = at + 1;
    while (j < length) {
      const c = text.charCodeAt(j);
      if (escapes && c === Ch.Backslash) {
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
      if (stopAtNewline && c === Ch.LineFeed) return j;
      j++;
    }
    return length;
  };

  /** Skips a JavaScript template literal, including code nested in `${…}`. */
  const skipTemplate = (at: number): number => {
    let j = at + 1;
    while (j < length) {
      const c = text.charCodeAt(j);
      if (c === Ch.Backslash) {
        j += 2;
        continue;
      }
      if (c === Ch.Backtick) return j + 1;
      if (c === Ch.Dollar && text.charCodeAt(j + 1) === Ch.OpenBrace) {
        let depth = 1;
        j += 2;
        while (j < length && depth > 0) {
          const d = text.charCodeAt(j);
          if (d === Ch.OpenBrace) depth++;
          else if (d === Ch.CloseBrace) depth--;
          else if (d === Ch.SingleQuote || d === Ch.DoubleQuote) {
            j = skipQuoted(j, d, true, false, true);
            continue;
          } else if (d === Ch.Backtick) {
            j = skipTemplate(j);
            continue;
          }
          j++;
        }
        continue;
      }
      j++;
    }
    return length;
  };

  const skipRegexLiteral = (at: number): number => {
    let j = at + 1;
    let inClass = false;
    while (j < length) {
      const c = text.charCodeAt(j);
      if (c === Ch.LineFeed) return j;
      if (c === Ch.Backslash) {
        j += 2;
        continue;
      }
      if (c === Ch.OpenBracket) inClass = true;
      else if (c === Ch.CloseBracket) inClass = false;
      else if (c === Ch.Slash && !inClass) return j + 1;
      j++;
    }
    return length;
  };

  /** Records a string literal that may be a test title: called with the quote offsets. */
  const noteString = (open: number, contentStart: number, contentEnd: number): void => {
    if (!wantTests || !syntax.testTitleCall) return;
    const before = text.slice(Math.max(0, open - 48), open);
    if (!syntax.testTitleCall.test(before)) return;
    const paren = parens.length > 0 ? parens[parens.length - 1] : undefined;
    const viaParen = paren !== undefined && text.slice(paren.offset + 1, open).trim() === '' && paren.test === -1;
    if (!viaParen && !syntax.bareTestCalls && !before.trimEnd().endsWith('(')) return;
    const index = tests.length;
    tests.push({
      title: text.slice(contentStart, contentEnd),
      titleStart: contentStart,
      titleEnd: contentEnd,
      start: viaParen ? paren.offset : open,
      end: viaParen ? length : lineEndOf(contentEnd),
      parent: openTest,
    });
    if (viaParen) {
      paren.test = index;
      openTest = index;
    }
  };

  const lineEndOf = (at: number): number => {
    const end = text.indexOf('\n', at);
    return end === -1 ? length : end;
  };

  const atLineStartOnlyWhitespace = (at: number): boolean => {
    for (let j = at - 1; j >= 0; j--) {
      const c = text.charCodeAt(j);
      if (c === Ch.LineFeed) return true;
      if (c !== Ch.Space && c !== Ch.Tab && c !== Ch.CarriageReturn) return false;
    }
    return true;
  };

  const jump = jumpRegExp(syntax, wantTests);
  outer: while (i < length) {
    // Only a few characters can start a comment, a string or a parenthesis: jump to the next one.
    jump.lastIndex = i;
    if (!jump.test(text)) break;
    i = jump.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (style === 'js' && c === Ch.Slash) {
      const previous = previousSignificant(text, i, comments);
      lastSignificant = previous === -1 ? -1 : text.charCodeAt(previous);
      lastSignificantOffset = previous;
    }
    // Comments.
    for (const token of lineStarts) {
      if (text.charCodeAt(i) === token.charCodeAt(0) && startsWith(token, i)) {
        if (syntax.hashAtWordStart && i > 0) {
          const p = text.charCodeAt(i - 1);
          if (p !== Ch.Space && p !== Ch.Tab && p !== Ch.LineFeed && p !== Ch.Semicolon) break;
        }
        if (style === 'lua' && startsWith('[', i + 2)) {
          const close = luaLongBracketEnd(text, i + 2);
          if (close !== -1) {
            comments.push(i, close);
            i = close;
            continue outer;
          }
        }
        const end = lineEndOf(i);
        comments.push(i, end);
        i = end;
        continue outer;
      }
    }
    for (const [open, close] of blocks) {
      if (c === open.charCodeAt(0) && startsWith(open, i)) {
        if (open === '=begin' && !atLineStartOnlyWhitespace(i)) break;
        let end: number;
        if (syntax.nestedBlocks) {
          let depth = 1;
          let j = i + open.length;
          while (j < length && depth > 0) {
            if (startsWith(open, j)) {
              depth++;
              j += open.length;
            } else if (startsWith(close, j)) {
              depth--;
              j += close.length;
            } else j++;
          }
          end = j;
        } else {
          const found = text.indexOf(close, i + open.length);
          end = found === -1 ? length : found + close.length;
        }
        comments.push(i, end);
        i = end;
        continue outer;
      }
    }
    // Strings.
    if (c === Ch.DoubleQuote || c === Ch.SingleQuote || c === Ch.Backtick) {
      const start = i;
      let contentStart = i + 1;
      let end: number;
      let contentEnd: number;
      if (syntax.tripleQuotes && startsWith(c === Ch.DoubleQuote ? '"""' : "'''", i) && (c === Ch.DoubleQuote || style === 'python')) {
        const triple = text.slice(i, i + 3);
        let j = i + 3;
        while (j < length) {
          const d = text.charCodeAt(j);
          if (d === Ch.Backslash) {
            j += 2;
            continue;
          }
          if (d === c && startsWith(triple, j)) break;
          j++;
        }
        contentStart = i + 3;
        contentEnd = Math.min(j, length);
        end = Math.min(j + 3, length);
        if (style === 'python' && isDocstringStart(text, start)) {
          comments.push(start, end);
          i = end;
          lastSignificant = c;
          lastSignificantOffset = end - 1;
          continue;
        }
      } else if (c === Ch.Backtick) {
        if (style === 'js') end = skipTemplate(i);
        else if (style === 'go' || style === 'shell' || style === 'ruby') end = skipQuoted(i, c, style !== 'go', false, false);
        else {
          i++;
          lastSignificant = c;
          continue;
        }
        contentEnd = end - 1;
      } else if (c === Ch.SingleQuote && (style === 'lisp' || (style === 'rust' && !isRustChar(text, i)))) {
        i++;
        lastSignificant = c;
        lastSignificantOffset = i - 1;
        continue;
      } else if (c === Ch.SingleQuote && style === 'shell') {
        end = skipQuoted(i, c, false, false, false);
        contentEnd = end - 1;
      } else if (style === 'sql') {
        end = skipQuoted(i, c, false, true, false);
        contentEnd = end - 1;
      } else {
        const verbatim = syntax.verbatim === 'csharp' && i > 0 && text.charCodeAt(i - 1) === Ch.At && c === Ch.DoubleQuote;
        end = verbatim ? skipQuoted(i, c, false, true, false) : skipQuoted(i, c, true, false, style !== 'ruby' && style !== 'lua' && style !== 'shell');
        contentEnd = Math.max(contentStart, end - 1);
      }
      noteString(start, contentStart, contentEnd);
      i = end;
      lastSignificant = c;
      lastSignificantOffset = end - 1;
      continue;
    }
    if (style === 'rust' && (c === 114 || c === 98) && isRustRawStart(text, i)) {
      i = rustRawEnd(text, i);
      lastSignificant = Ch.DoubleQuote;
      continue;
    }
    if (syntax.verbatim === 'cpp' && c === 82 && text.charCodeAt(i + 1) === Ch.DoubleQuote && (i === 0 || !isWordChar(text.charCodeAt(i - 1)))) {
      const open = text.indexOf('(', i + 2);
      if (open !== -1 && open - i < 20) {
        const delimiter = ')' + text.slice(i + 2, open) + '"';
        const close = text.indexOf(delimiter, open);
        i = close === -1 ? length : close + delimiter.length;
        lastSignificant = Ch.DoubleQuote;
        continue;
      }
    }
    if (style === 'lua' && c === Ch.OpenBracket) {
      const close = luaLongBracketEnd(text, i);
      if (close !== -1) {
        i = close;
        lastSignificant = Ch.DoubleQuote;
        continue;
      }
    }
    if (style === 'lisp' && (c === Ch.Hash || c === 63) && text.charCodeAt(i + 1) === Ch.Backslash) {
      i += 3;
      continue;
    }
    if (style === 'js' && c === Ch.Slash && (lastSignificant === -1 || regexPreceders.has(lastSignificant) || endsWithKeyword(text, lastSignificantOffset))) {
      i = skipRegexLiteral(i);
      lastSignificant = Ch.Slash;
      lastSignificantOffset = i - 1;
      continue;
    }
    if (c === Ch.OpenParen) {
      parens.push({ offset: i, test: -1 });
    } else if (c === Ch.CloseParen) {
      const open = parens.pop();
      if (open && open.test !== -1) {
        tests[open.test].end = i + 1;
        openTest = tests[open.test].parent;
      }
    }
    lastSignificant = c;
    lastSignificantOffset = i;
    i++;
  }
  return { comments, tests };
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
    if (wantTests) {
      starts.add('(');
      starts.add(')');
    }
    const escaped = [...starts].map((c) => c.replace(/[\]\\^-]/g, '\\$&')).join('');
    regex = new RegExp(`[${escaped}]`, 'g');
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
  if (at > 0 && isWordChar(text.charCodeAt(at - 1))) return false;
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

/** True when `offset` lies inside one of the flat `[start, end)` regions, searched by bisection. */
export function inRegions(regions: number[], offset: number): boolean {
  return regionAt(regions, offset) !== undefined;
}

/** The region `[start, end)` holding `offset`, or undefined. */
export function regionAt(regions: number[], offset: number): [number, number] | undefined {
  let low = 0;
  let high = regions.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const start = regions[mid * 2];
    const end = regions[mid * 2 + 1];
    if (offset < start) high = mid - 1;
    else if (offset >= end) low = mid + 1;
    else return [start, end];
  }
  return undefined;
}
