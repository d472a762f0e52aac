/**
 * Glob patterns of the settings (`exclude`, `trace.requirements`, `trace.tests`), matched against
 * paths relative to a workspace folder with `/` separators.
 *
 * Supported: `**` (any number of folders), `*` (within one name), `?`, `{a,b}` alternatives and
 * `[abc]` classes (`[!abc]` negated, `[a-z]` ranges). A pattern without `/` matches a name at any
 * depth (`*.md` is `**\/*.md`), as users of .gitignore expect.
 *
 * Globs come from the workspace, so they are untrusted: an invalid one (`[`, `{a,b`, `[z-a].md`)
 * is reported by `globProblem` and never matches, and matching is bounded. Alternatives are
 * expanded (at most `maxAlternatives`); a glob with at most two wildcards in each name compiles
 * to a regular expression whose backtracking stays within one name (quadratic in its length at
 * worst); any other runs on a small automaton, linear in the path times the glob.
 */

const maxAlternatives = 64;
const maxGlobLength = 1000;

type Token =
  | { kind: 'literal'; char: string }
  | { kind: 'one' } // `?`: one character of a name
  | { kind: 'class'; ranges: [number, number][]; negate: boolean }
  | { kind: 'star' } // `*`: characters of one name
  | { kind: 'folders' } // `**/`: zero or more whole folders
  | { kind: 'rest' }; // a trailing `**`: everything below

interface Compiled {
  /** One entry per alternative: a regular expression when that is safe, else tokens for the automaton. */
  alternatives: { regex?: RegExp; tokens: Token[] }[];
}

export class GlobError extends Error {}

function normalize(glob: string): string {
  let pattern = glob.trim().replace(/\\/g, '/');
  if (pattern.startsWith('./')) pattern = pattern.slice(2);
  if (!pattern.includes('/')) pattern = `**/${pattern}`;
  else if (pattern.startsWith('/')) pattern = pattern.slice(1);
  return pattern;
}

/** Expands `{a,b}` alternatives (nested too); a `}` without its `{` is a literal. */
function expandBraces(pattern: string): string[] {
  // Find the first top-level `{` and its matching `}`, skipping classes.
  let open = -1;
  let depth = 0;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new GlobError(`"[" has no closing "]"`);
      i = close;
    } else if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === ',' && depth === 1) commas.push(i);
    else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const parts: string[] = [];
        let from = open + 1;
        for (const comma of [...commas, i]) {
          parts.push(pattern.slice(from, comma));
          from = comma + 1;
        }
        const before = pattern.slice(0, open);
        const after = expandBraces(pattern.slice(i + 1));
        const out: string[] = [];
        for (const part of parts) {
          for (const inner of expandBraces(part)) {
            for (const rest of after) {
              out.push(before + inner + rest);
              if (out.length > maxAlternatives) throw new GlobError(`more than ${maxAlternatives} alternatives`);
            }
          }
        }
        return out;
      }
    }
  }
  if (depth > 0) throw new GlobError(`"{" has no closing "}"`);
  return [pattern];
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atStart && atEnd) {
          if (i + 2 === pattern.length) tokens.push({ kind: 'rest' });
          else tokens.push({ kind: 'folders' });
          i += 2;
          continue;
        }
        i++;
      }
      // Runs of stars within a name are one star.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new GlobError(`"[" has no closing "]"`);
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body.length === 0) throw new GlobError(`"[]" is an empty class`);
      const ranges: [number, number][] = [];
      for (let j = 0; j < body.length; j++) {
        const from = body.charCodeAt(j);
        if (body[j + 1] === '-' && j + 2 < body.length) {
          const to = body.charCodeAt(j + 2);
          if (to < from) throw new GlobError(`the range "${body.slice(j, j + 3)}" is out of order`);
          ranges.push([from, to]);
          j += 2;
        } else ranges.push([from, from]);
      }
      tokens.push({ kind: 'class', ranges, negate });
      i = close;
    } else tokens.push({ kind: 'literal', char: c });
  }
  return tokens;
}

function classSource(token: Extract<Token, { kind: 'class' }>): string {
  const escape = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  return `[${token.negate ? '^/' : ''}${token.ranges.map(([from, to]) => (from === to ? escape(from) : `${escape(from)}-${escape(to)}`)).join('')}]`;
}

/** At most two stars in every name: the regular expression backtracks within one name only, at most quadratically. */
function regexIsSafe(tokens: Token[]): boolean {
  let stars = 0;
  for (const token of tokens) {
    if (token.kind === 'star') stars++;
    else if (token.kind === 'folders' || (token.kind === 'literal' && token.char === '/')) stars = 0;
    if (stars > 2) return false;
  }
  return true;
}

function regexSource(tokens: Token[]): string {
  let source = '';
  for (const token of tokens) {
    switch (token.kind) {
      case 'literal':
        source += /[.*+?^${}()|[\]\\/]/.test(token.char) ? `\\${token.char}` : token.char;
        break;
      case 'one':
        source += '[^/]';
        break;
      case 'class':
        source += classSource(token);
        break;
      case 'star':
        source += '[^/]*';
        break;
      case 'folders':
        source += '(?:[^/]*/)*';
        break;
      case 'rest':
        source += '.*';
        break;
    }
  }
  return source;
}

function matchesToken(token: Token, code: number): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char.charCodeAt(0) === code;
    case 'one':
    case 'star':
      return code !== 47;
    case 'class': {
      if (token.negate && code === 47) return false;
      const inside = token.ranges.some(([from, to]) => code >= from && code <= to);
      return inside !== token.negate;
    }
    default:
      return true;
  }
}

/**
 * The automaton: state i is "before token i"; a `folders` token has a second state, inside a
 * folder's name. Every character moves each live state once: linear in path × tokens.
 */
function automatonMatches(tokens: Token[], path: string): boolean {
  const n = tokens.length;
  // States 0..n (before token i, n = done) and n+1+i (inside a folder name of token i).
  let live = new Uint8Array(2 * n + 2);
  let next = new Uint8Array(2 * n + 2);
  const close = (states: Uint8Array) => {
    // Epsilon moves: a star, folders and rest may match nothing.
    for (let i = 0; i < n; i++) {
      const kind = tokens[i].kind;
      if (states[i] && (kind === 'star' || kind === 'folders' || kind === 'rest')) states[i + 1] = 1;
    }
  };
  live[0] = 1;
  close(live);
  for (let at = 0; at < path.length; at++) {
    const code = path.charCodeAt(at);
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      const token = tokens[i];
      if (live[i]) {
        if (token.kind === 'star' || token.kind === 'rest') {
          if (matchesToken(token, code)) next[i] = 1;
        } else if (token.kind === 'folders') {
          if (code === 47) next[i] = 1;
          else next[n + 1 + i] = 1;
        } else if (matchesToken(token, code)) next[i + 1] = 1;
      }
      if (token.kind === 'folders' && live[n + 1 + i]) {
        if (code === 47) next[i] = 1;
        else next[n + 1 + i] = 1;
      }
    }
    close(next);
    for (let i = 0; i < next.length; i++) if (next[i]) any = true;
    if (!any) return false;
    [live, next] = [next, live];
  }
  return live[n] === 1;
}

const cache = new Map<string, Compiled | GlobError>();

function compile(glob: string): Compiled | GlobError {
  let compiled = cache.get(glob);
  if (compiled) return compiled;
  try {
    if (glob.length > maxGlobLength) throw new GlobError(`longer than ${maxGlobLength} characters`);
    compiled = {
      alternatives: expandBraces(normalize(glob)).map((alternative) => {
        const tokens = tokenize(alternative);
        return regexIsSafe(tokens) ? { tokens, regex: new RegExp(`^${regexSource(tokens)}$`) } : { tokens };
      }),
    };
  } catch (error) {
    compiled = error instanceof GlobError ? error : new GlobError((error as Error).message);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(glob, compiled);
  return compiled;
}

/** What is wrong with a glob, or undefined when it is valid. */
export function globProblem(glob: string): string | undefined {
  const compiled = compile(glob);
  return compiled instanceof GlobError ? `the glob ${JSON.stringify(glob)} is invalid: ${compiled.message}` : undefined;
}

function matchesOne(relativePath: string, compiled: Compiled | GlobError): boolean {
  if (compiled instanceof GlobError) return false;
  return compiled.alternatives.some((alternative) => (alternative.regex ? alternative.regex.test(relativePath) : automatonMatches(alternative.tokens, relativePath)));
}

/**
 * One expression for the safe alternatives of a whole list of globs, cached per list: settings
 * replace their lists, never change them in place, and its length guards against that anyway.
 */
const combined = new WeakMap<readonly string[], { length: number; regex?: RegExp; automata: Token[][] }>();

/** True when the relative path matches any of the globs. An invalid glob matches nothing. */
export function matchesAny(relativePath: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return false;
  if (globs.length === 1) return matchesOne(relativePath, compile(globs[0]));
  // A list is matched with one expression: a full index asks this for every file.
  let entry = combined.get(globs);
  if (!entry || entry.length !== globs.length) {
    const sources: string[] = [];
    const automata: Token[][] = [];
    for (const glob of globs) {
      const compiled = compile(glob);
      if (compiled instanceof GlobError) continue;
      for (const alternative of compiled.alternatives) {
        if (alternative.regex) sources.push(`(?:${alternative.regex.source})`);
        else automata.push(alternative.tokens);
      }
    }
    entry = { length: globs.length, regex: sources.length > 0 ? new RegExp(sources.join('|')) : undefined, automata };
    combined.set(globs, entry);
  }
  if (entry.regex?.test(relativePath)) return true;
  return entry.automata.some((tokens) => automatonMatches(tokens, relativePath));
}

/** The regular expression a glob compiles to, for messages and tests (undefined when it runs on the automaton or is invalid). */
export function globToRegExp(glob: string): RegExp | undefined {
  const compiled = compile(glob);
  return compiled instanceof GlobError || compiled.alternatives.length !== 1 ? undefined : compiled.alternatives[0].regex;
}

/** For tests: the automaton's verdict on a valid glob, whatever route `matchesAny` would take. */
export function automatonVerdict(glob: string, relativePath: string): boolean {
  const compiled = compile(glob);
  if (compiled instanceof GlobError) throw compiled;
  return compiled.alternatives.some((alternative) => automatonMatches(alternative.tokens, relativePath));
}
