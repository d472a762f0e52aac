/**
 * Glob patterns of the settings (`exclude`, `trace.requirements`, `trace.tests`), matched against
 * paths relative to a workspace folder with `/` separators.
 *
 * Supported: `**` (any number of folders), `*` (within one name), `?`, `{a,b}` alternatives and
 * `[abc]` classes. A pattern without `/` matches a name at any depth (`*.md` is `**\/*.md`), as
 * users of .gitignore expect.
 */

const cache = new Map<string, RegExp>();

/** Compiles one glob to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let pattern = glob.trim().replace(/\\/g, '/');
  if (pattern.startsWith('./')) pattern = pattern.slice(2);
  if (!pattern.includes('/')) pattern = `**/${pattern}`;
  else if (pattern.startsWith('/')) pattern = pattern.slice(1);
  let source = '';
  let inClass = false;
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (inClass) {
      source += c === '\\' ? '\\\\' : c;
      if (c === ']') inClass = false;
      continue;
    }
    switch (c) {
      case '*':
        if (pattern[i + 1] === '*') {
          const atStart = i === 0 || pattern[i - 1] === '/';
          const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
          if (atStart && atEnd) {
            // `**/` matches zero or more whole folders; a trailing `**` matches everything below.
            if (i + 2 === pattern.length) source += '.*';
            else source += '(?:[^/]*/)*';
            i += 2;
            continue;
          }
          source += '[^/]*';
          i++;
          continue;
        }
        source += '[^/]*';
        break;
      case '?':
        source += '[^/]';
        break;
      case '[':
        inClass = true;
        source += pattern[i + 1] === '!' ? (i++, '[^') : '[';
        break;
      case '{':
        braceDepth++;
        source += '(?:';
        break;
      case '}':
        if (braceDepth > 0) {
          braceDepth--;
          source += ')';
        } else source += '\\}';
        break;
      case ',':
        source += braceDepth > 0 ? '|' : ',';
        break;
      default:
        source += /[.+^$()|\\]/.test(c) ? `\\${c}` : c;
    }
  }
  const regex = new RegExp(`^${source}$`);
  cache.set(glob, regex);
  return regex;
}

/**
 * One expression for a whole list of globs, cached per list: settings replace their lists, never
 * change them in place, and its length guards against that anyway.
 */
const combined = new WeakMap<readonly string[], { length: number; regex: RegExp }>();

/** True when the relative path matches any of the globs. */
export function matchesAny(relativePath: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return false;
  if (globs.length === 1) return globToRegExp(globs[0]).test(relativePath);
  // A list is matched with one expression: a full index asks this for every file.
  let entry = combined.get(globs);
  if (!entry || entry.length !== globs.length) {
    entry = { length: globs.length, regex: new RegExp(globs.map((glob) => `(?:${globToRegExp(glob).source})`).join('|')) };
    combined.set(globs, entry);
  }
  return entry.regex.test(relativePath);
}
