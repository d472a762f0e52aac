/**
 * Requirement identifiers: plain IDs found by the configurable pattern (`REQ-12`) and
 * OpenFastTrace specification item IDs (`type~name~revision`).
 */

/** The OpenFastTrace item ID grammar: an artifact type, a name, a revision. */
export const oftIdSource = '([A-Za-z]+)~([A-Za-z][\\w-]*(?:\\.[\\w-]+)*)~(\\d+)';

export interface OftId {
  artifactType: string;
  name: string;
  revision: number;
}

const oftIdExact = new RegExp(`^${oftIdSource}$`);

/** Parses `dsn~login~2`; undefined when the text is not an OpenFastTrace ID. */
export function parseOftId(text: string): OftId | undefined {
  if (!text.includes('~')) return undefined;
  const match = oftIdExact.exec(text);
  if (!match) return undefined;
  return { artifactType: match[1], name: match[2], revision: Number(match[3]) };
}

export function formatOftId(id: OftId): string {
  return `${id.artifactType}~${id.name}~${id.revision}`;
}

/** The revision-less key of an OpenFastTrace ID (`dsn~login`), under which other revisions are found. */
export function oftNameKey(id: string): string | undefined {
  // The graph asks once per item and link: a test and a slice, without the parsed parts.
  if (!id.includes('~') || !oftIdExact.test(id)) return undefined;
  return id.slice(0, id.lastIndexOf('~'));
}

const compiled = new Map<string, RegExp | Error>();

/**
 * A global regular expression for plain IDs, guarded so that it does not match inside a longer
 * word (`XREQ-1`, `REQ-12a`). Invalid sources yield an Error, which callers report once.
 */
export function idRegExp(source: string): RegExp | Error {
  let regex = compiled.get(source);
  if (!regex) {
    try {
      regex = new RegExp(`(?<![\\w~-])(?:${source})(?![\\w~])`, 'g');
      if (regex.test('')) regex = new Error(`The ID pattern /${source}/ matches empty text.`);
    } catch (error) {
      regex = new Error(`The ID pattern /${source}/ is not a valid regular expression: ${(error as Error).message}`);
    }
    compiled.set(source, regex);
  }
  if (!(regex instanceof Error)) regex.lastIndex = 0;
  return regex;
}

/** True when the whole text is one plain ID by the pattern (false for an invalid pattern). */
export function isWholePlainId(text: string, source: string): boolean {
  const regex = idRegExp(source);
  if (regex instanceof Error) return false;
  regex.lastIndex = 0;
  const match = regex.exec(text);
  return match !== null && match.index === 0 && match[0].length === text.length;
}

/** The default plain ID pattern. */
export const defaultIdPattern = '[A-Z][A-Z0-9]*-\\d+';

/** The prefix of a plain ID (`REQ` of `REQ-12`): used to tell a mistyped ID from an unrelated token. */
export function idPrefix(id: string): string {
  // What comes before the first digit, less up to two separators right before it (`A--1` → `A`);
  // the whole ID when it holds no digit. Without a regular expression: the graph asks once per ID.
  for (let at = 0; at < id.length; at++) {
    if (!isDigit(id.charCodeAt(at))) continue;
    let end = at;
    if (end > 0 && isSeparator(id.charCodeAt(end - 1))) end--;
    if (end > 0 && isSeparator(id.charCodeAt(end - 1))) end--;
    return id.slice(0, end);
  }
  return id;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `-`, `_`, `.` or `:`. */
function isSeparator(code: number): boolean {
  return code === 45 || code === 95 || code === 46 || code === 58;
}

/** True when the text of a test's title or a tag is likely an artifact-type name for tests. */
export function isTestArtifactType(type: string): boolean {
  let answer = testTypes.get(type);
  if (answer === undefined) {
    answer = /test/i.test(type);
    // Artifact types are few (impl, utest, dsn, …); the cap only guards against odd input.
    if (testTypes.size < 1000) testTypes.set(type, answer);
  }
  return answer;
}

const testTypes = new Map<string, boolean>();
