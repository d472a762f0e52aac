/**
 * JSON from outside the server — `tandem.json`, `package.json`, test results, source maps, a test
 * process's output — parsed as untrusted input: a leading UTF-8 byte order mark is accepted,
 * nesting deeper than a bound is refused before parsing (nothing downstream recurses without
 * limit), and `__proto__` keys are dropped, so no value read can reach an object's prototype
 * however it is copied later.
 */

/** Deeper than any real settings file, manifest or report; far below what would strain a stack. */
export const maxJsonDepth = 64;

export class JsonError extends SyntaxError {
  constructor(
    message: string,
    /** Character offset of the problem in the text. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** The offset where nesting first goes deeper than `maxDepth`, or -1. Strings are skipped. */
export function excessiveNesting(text: string, maxDepth = maxJsonDepth): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return -1;
}

/** Drops `__proto__` keys (JSON.parse makes them own properties; a later copy by assignment would set a prototype). */
function withoutProto(this: unknown, key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/** Parses untrusted JSON; throws `JsonError` (with an offset) for invalid or too deeply nested text. */
export function parseJson(text: string, maxDepth = maxJsonDepth): any {
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const deep = excessiveNesting(body, maxDepth);
  if (deep >= 0) throw new JsonError(`nested deeper than ${maxDepth} levels at position ${deep}`, deep);
  try {
    return body.includes('"__proto__"') ? JSON.parse(body, withoutProto) : JSON.parse(body);
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    throw new JsonError(message, at ? Number(at[1]) : 0);
  }
}
