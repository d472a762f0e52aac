/**
 * Nesting caps for the data files a workspace hands the server (Doorstop YAML, the saved results'
 * JSON, manifests, source maps). Parsers and everything that walks their result recurse once per
 * level: a 2 KB file nested a thousand deep overflows the stack — inside the YAML parser, near
 * the limit, V8 aborts the whole process instead of throwing. So the depth is measured first, by
 * one linear pass that recurses into nothing, and a file deeper than the cap is reported, not
 * parsed.
 *
 * The measure is an upper bound: it may count a level the parser would not (a bracket at the start
 * of a plain scalar), never the reverse. Real files nest a few levels; the caps leave far more room.
 */

/** Levels of nesting a YAML or JSON data file may have. */
export const maxDataNesting = 100;

/**
 * The deepest nesting of a JSON text (arrays and objects; strings skipped), stopping as soon as
 * it passes `limit`.
 */
export function jsonNesting(text: string, limit = maxDataNesting): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

/** Drops `__proto__` keys: JSON.parse makes them own properties, and a later copy by assignment would set a prototype. */
function withoutProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/**
 * `JSON.parse` behind the nesting cap: a deeper text throws a SyntaxError that says so. A leading
 * byte order mark is read as a space (offsets stay), and `__proto__` keys are dropped wherever
 * they are, so nothing read can reach a prototype.
 */
export function parseJson(text: string, limit = maxDataNesting): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  if (jsonNesting(body, limit) > limit) throw new SyntaxError(`it nests deeper than ${limit} levels`);
  return body.includes('"__proto__"') ? JSON.parse(body, withoutProto) : JSON.parse(body);
}

/** A line of block structure still open: its indentation, the levels it reaches, and whether it is a `- ` item. */
interface BlockLine {
  indent: number;
  levels: number;
  dash: boolean;
}

/**
 * An upper bound of the nesting of a YAML text, stopping as soon as it passes `limit`: each line
 * reaches the levels of the line it sits in (the nearest less indented one, or the key that owns
 * a `- ` sequence at its own indentation) plus one per indicator on it (`- `, `? `, `key: `), plus
 * the open flow collections. Quoted scalars, comments and block scalars (`|`, `>`) are skipped; a
 * `[` or `{` counts only where a flow collection can begin.
 */
export function yamlNesting(text: string, limit = maxDataNesting): number {
  let deepest = 0;
  let flow = 0;
  /** Inside a quoted scalar: its quote character, else 0. Double-quoted scalars may span lines. */
  let quote = 0;
  /** The indentation of the line that opened a block scalar, or -1. */
  let blockScalar = -1;
  const open: BlockLine[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = lineStart;
    while (lineEnd < text.length && text.charCodeAt(lineEnd) !== 0x0a && text.charCodeAt(lineEnd) !== 0x0d) lineEnd++;
    let indent = 0;
    while (lineStart + indent < lineEnd && text.charCodeAt(lineStart + indent) === 0x20) indent++;
    const blank = lineStart + indent === lineEnd;
    if (blockScalar >= 0 && (blank || indent > blockScalar)) {
      // The content of a literal or folded scalar: text, not structure.
    } else if (!blank || quote !== 0) {
      blockScalar = -1;
      let compact = 0;
      let parent = open.length > 0 ? open[open.length - 1].levels : 0;
      const structural = flow === 0 && quote === 0;
      const dash = structural && text.charCodeAt(lineStart + indent) === 0x2d && /[ \t]/.test(text[lineStart + indent + 1] ?? ' ');
      if (structural) {
        while (open.length > 0 && open[open.length - 1].indent > indent) open.pop();
        const top = (): BlockLine | undefined => open[open.length - 1];
        if (dash) {
          if (top()?.indent === indent && top()!.dash) open.pop();
        } else {
          while (top()?.indent === indent) open.pop();
        }
        parent = top()?.levels ?? 0;
      }
      /** True where a value may begin: after indentation, an indicator, a comma or an opening bracket. */
      let valueStart = true;
      let lastToken = -1;
      for (let i = lineStart + indent; i < lineEnd; i++) {
        const c = text.charCodeAt(i);
        if (quote !== 0) {
          if (quote === 0x27 /* ' */ && c === 0x27) {
            if (text.charCodeAt(i + 1) === 0x27) i++;
            else quote = 0;
          } else if (quote === 0x22 && c === 0x5c) i++;
          else if (quote === 0x22 && c === 0x22) quote = 0;
          continue;
        }
        const next = i + 1 < lineEnd ? text.charCodeAt(i + 1) : 0x20;
        const spaceNext = next === 0x20 || next === 0x09;
        if (c === 0x23 /* # */ && (i === lineStart + indent || text.charCodeAt(i - 1) === 0x20 || text.charCodeAt(i - 1) === 0x09)) break;
        if (c === 0x20 || c === 0x09) continue;
        lastToken = i;
        if ((c === 0x27 || c === 0x22) && valueStart) {
          quote = c;
          valueStart = false;
        } else if ((c === 0x5b || c === 0x7b) && (valueStart || flow > 0)) {
          flow++;
          valueStart = true;
        } else if ((c === 0x5d || c === 0x7d) && flow > 0) {
          flow--;
          valueStart = false;
        } else if (c === 0x2c /* , */ && flow > 0) {
          valueStart = true;
        } else if ((c === 0x2d /* - */ || c === 0x3f /* ? */) && valueStart && spaceNext) {
          compact++;
          valueStart = true;
        } else if (c === 0x3a /* : */ && (spaceNext || flow > 0)) {
          compact++;
          valueStart = true;
        } else valueStart = false;
        const depth = parent + Math.max(compact, 1) + flow;
        if (depth > deepest && (deepest = depth) > limit) return deepest;
      }
      if (structural) open.push({ indent, levels: parent + Math.max(compact, 1), dash });
      // A line ending in a block scalar header (`|`, `>-`, `|2+`) opens text below it.
      if (quote === 0 && flow === 0 && lastToken >= 0) {
        let at = lastToken;
        while (at > lineStart && /[-+0-9]/.test(text[at])) at--;
        if ((text[at] === '|' || text[at] === '>') && (at === lineStart + indent || /[\s:-]/.test(text[at - 1]))) blockScalar = indent;
      }
    }
    if (lineEnd >= text.length) break;
    lineStart = lineEnd + (text.charCodeAt(lineEnd) === 0x0d && text.charCodeAt(lineEnd + 1) === 0x0a ? 2 : 1);
  }
  return deepest;
}
