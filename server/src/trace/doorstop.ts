/**
 * Doorstop document trees: a document is a folder with a `.doorstop.yml` (its prefix, the digits
 * and separator of its UIDs, its parent document), and each of its items is a YAML file named by
 * the item's UID. An item's `links` name its parents, each with the parent's fingerprint
 * ("stamp") taken when the link was last reviewed; when the parent's fingerprint differs now, the
 * link is suspect.
 *
 * The fingerprint is computed as Doorstop computes it: a SHA-256 over the item's UID, text and
 * `ref` (then its `references`, then the document's extra reviewed attributes), each value turned
 * into text the way Python's `str()` does, encoded as URL-safe Base64.
 */
import { createHash } from 'node:crypto';
import * as nodePath from 'node:path';
import type * as YamlModule from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { DoorstopDocument, Problem, RequirementDef, RequirementLink, Span } from './model';
import { maxDataNesting, yamlNesting } from './nesting';
import { withLineFeeds, type LineIndex } from './text';

const configName = '.doorstop.yml';

let yamlModule: typeof YamlModule | undefined;

/** The `yaml` package, loaded when the first Doorstop file is read (most workspaces have none). */
function yaml(): typeof YamlModule {
  yamlModule ??= require('yaml') as typeof YamlModule;
  return yamlModule;
}

/** Reads a `.doorstop.yml`; a broken file yields problems and no document. */
export function parseDoorstopConfig(path: string, original: string): { document?: DoorstopDocument; problems: Problem[] } {
  const problems: Problem[] = [];
  // The YAML parser ends lines at `\n` only; a CR-only file reads as LF with the same offsets.
  const text = withLineFeeds(original);
  const whole: Span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  let data: unknown;
  if (yamlNesting(text) > maxDataNesting) {
    problems.push({ path, span: whole, severity: 'error', code: 'yaml-depth', message: tooDeep('Doorstop configuration') });
    return { problems };
  }
  try {
    const document = yaml().parseDocument(text, { prettyErrors: false, logLevel: 'error' });
    for (const error of document.errors) problems.push(yamlProblem(path, text, error));
    data = document.toJS();
  } catch (error) {
    problems.push({ path, span: whole, severity: 'error', code: 'yaml-syntax', message: `This Doorstop configuration is not valid YAML: ${(error as Error).message}` });
    return { problems };
  }
  const settings = isRecord(data) && isRecord(data.settings) ? data.settings : undefined;
  if (!settings || typeof settings.prefix !== 'string' || settings.prefix.length === 0) {
    problems.push({ path, span: whole, severity: 'error', code: 'doorstop-config', message: 'A Doorstop configuration needs `settings.prefix`; its folder is not read as a document.' });
    return { problems };
  }
  const attributes = isRecord(data) && isRecord(data.attributes) ? data.attributes : undefined;
  const reviewed = attributes && Array.isArray(attributes.reviewed) ? [...new Set(attributes.reviewed.map(String))].sort() : [];
  const digits = typeof settings.digits === 'number' && settings.digits > 0 ? settings.digits : 3;
  return {
    document: {
      folder: nodePath.dirname(path),
      prefix: settings.prefix,
      sep: typeof settings.sep === 'string' ? settings.sep : '',
      digits,
      ...(typeof settings.parent === 'string' && settings.parent.length > 0 ? { parent: settings.parent } : {}),
      extendedReviewed: reviewed,
    },
    problems,
  };
}

/** True when the file is an item of the document: a YAML file beside `.doorstop.yml` named by a UID. */
export function isDoorstopItemPath(path: string, document: DoorstopDocument): boolean {
  if (nodePath.dirname(path) !== document.folder) return false;
  const base = nodePath.basename(path);
  if (base === configName || base.startsWith('.')) return false;
  const match = /^(.*)\.(?:ya?ml)$/i.exec(base);
  if (!match) return false;
  return uidPattern(document).test(match[1]);
}

function uidPattern(document: DoorstopDocument): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escape(document.prefix)}${escape(document.sep)}(?:\\d+|[A-Za-z][\\w-]*)$`, 'i');
}

/** The problem of a file nested too deeply to parse safely. */
function tooDeep(what: string): string {
  return `This ${what} nests deeper than ${maxDataNesting} levels; it is not read (the YAML parser would overflow the stack).`;
}

/** Reads one Doorstop item. */
export function extractDoorstopItem(
  path: string,
  text: string,
  lines: LineIndex,
  document: DoorstopDocument,
): { requirements: RequirementDef[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const uid = nodePath.basename(path).replace(/\.ya?ml$/i, '');
  let parsed: Document.Parsed;
  if (yamlNesting(text) > maxDataNesting) {
    problems.push({ path, span: lines.span(0, 0), severity: 'error', code: 'yaml-depth', message: tooDeep('Doorstop item') });
    return { requirements: [], problems };
  }
  try {
    parsed = yaml().parseDocument(text, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  } catch (error) {
    problems.push({ path, span: lines.span(0, 0), severity: 'error', code: 'yaml-syntax', message: `This Doorstop item is not valid YAML: ${(error as Error).message}` });
    return { requirements: [], problems };
  }
  for (const error of parsed.errors) problems.push(yamlProblem(path, text, error));
  const root = parsed.contents;
  if (!yaml().isMap(root)) {
    if (parsed.errors.length === 0) {
      problems.push({ path, span: lines.span(0, 0), severity: 'error', code: 'doorstop-item', message: 'A Doorstop item must be a YAML mapping of its fields (text, links, …).' });
    }
    return { requirements: [], problems };
  }
  const data = (parsed.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  const itemText = loadText(data.text);
  const header = loadText(data.header);
  const ref = typeof data.ref === 'string' ? data.ref.trim() : data.ref === undefined || data.ref === null ? '' : String(data.ref).trim();
  const active = toBool(data.active, true) && toBool(data.normative, true);

  const covers: RequirementLink[] = [];
  const linksNode = root.get('links', true) as YamlNode | undefined;
  if (yaml().isSeq(linksNode)) {
    for (const entry of linksNode.items) {
      if (yaml().isScalar(entry) && entry.value !== null && entry.value !== undefined) {
        covers.push({ target: String(entry.value), span: rangeSpan(lines, entry.range) });
      } else if (yaml().isMap(entry) && entry.items.length > 0) {
        const pair = entry.items[0];
        const key = yaml().isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const value = yaml().isScalar(pair.value) ? pair.value.value : undefined;
        const link: RequirementLink = { target: key, span: rangeSpan(lines, yaml().isScalar(pair.key) ? pair.key.range : entry.range) };
        if (typeof value === 'string' && value.length > 0) link.stamp = value;
        else if (value === true) link.stamp = 'true';
        covers.push(link);
      }
    }
  } else if (linksNode !== undefined && linksNode !== null && !(yaml().isScalar(linksNode) && linksNode.value === null)) {
    problems.push({ path, span: rangeSpan(lines, (linksNode as { range?: [number, number, number] }).range), severity: 'warning', code: 'doorstop-item', message: '`links` must be a list of parent UIDs.' });
  }

  // Doorstop's own check: a normative item of a child document links to a parent unless derived.
  if (document.parent && active && covers.length === 0 && !toBool(data.derived, false)) {
    problems.push({
      path,
      span: firstKeySpan(lines, root),
      severity: 'warning',
      code: 'doorstop-no-parent-link',
      message: `${uid} links to no item of its parent document ${document.parent}; link it, or mark it \`derived: true\`.`,
    });
  }

  const extended: unknown[] = [];
  for (const key of document.extendedReviewed) if (key in data) extended.push(data[key]);
  const fingerprint = doorstopStamp(uid, itemText, ref, data.references, extended);
  const title = header || firstLine(itemText);
  const last = Math.max(0, lines.lineCount() - 1);
  const def: RequirementDef = {
    id: uid,
    format: 'doorstop',
    artifactType: document.prefix,
    title,
    text: itemText,
    acceptanceCriteria: itemText
      .split('\n')
      .filter((l) => /^\s*(?:[-*+]\s+|(?:Given|When|Then|And|But)\b)/.test(l))
      .map((l) => l.trim().replace(/^[-*+]\s+/, '')),
    path,
    span: firstKeySpan(lines, root),
    fullSpan: { start: { line: 0, character: 0 }, end: { line: last, character: lines.lineText(last).length } },
    needs: [],
    covers,
    depends: [],
    tags: [],
    fingerprint,
    active,
  };
  return { requirements: [def], problems };
}

/**
 * Doorstop's fingerprint of an item's key content. `references` is Doorstop's list of external
 * references (dicts of type, path, keyword, sha); `extended` the values of the document's extra
 * reviewed attributes, in the order of their sorted names.
 */
export function doorstopStamp(uid: string, text: string, ref: string, references: unknown, extended: unknown[]): string {
  const hash = createHash('sha256');
  hash.update(uid);
  hash.update(text);
  hash.update(ref);
  if (Array.isArray(references) && references.length > 0) hash.update(pythonStr(normaliseReferences(references)));
  for (const value of extended) hash.update(convertToStr(value, ''));
  return hash.digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Doorstop keeps only these keys of a reference, in this order, with the path stripped. */
function normaliseReferences(references: unknown[]): unknown[] {
  return references.map((entry) => {
    if (!isRecord(entry)) return entry;
    const out: Record<string, unknown> = { type: entry.type, path: typeof entry.path === 'string' ? entry.path.trim() : entry.path };
    if ('keyword' in entry) out.keyword = entry.keyword;
    if ('sha' in entry) out.sha = entry.sha;
    return out;
  });
}

/** Doorstop's text normalisation: leading and trailing blank lines dropped, line ends right-trimmed. */
function loadText(value: unknown): string {
  if (value === undefined || value === null || value === '' || value === false) return '';
  const text = String(value);
  return text
    .replace(/^\n+/, '')
    .replace(/\n+$/, '')
    .split('\n')
    .map((s) => s.replace(/\s+$/, ''))
    .join('\n');
}

/** Python's `str()` of YAML-loaded data, enough for what Doorstop hashes. */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    let body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    if (quote === "'") body = body.replace(/'/g, "\\'");
    return quote + body + quote;
  }
  if (Array.isArray(value)) return '[' + value.map(pythonRepr).join(', ') + ']';
  if (typeof value === 'object') {
    return '{' + Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ') + '}';
  }
  return String(value);
}

function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  const text = String(value);
  return /[.e]/.test(text) ? text.replace(/e\+?/, 'e+').replace('e+-', 'e-') : `${text}.0`;
}

/** Doorstop's type-tagged serialisation of an extra reviewed attribute (`_convert_to_str`). */
function convertToStr(value: unknown, result: string): string {
  if (Array.isArray(value)) {
    let out = result + '\\L';
    for (const v of value) out = convertToStr(v, out);
    return out;
  }
  if (isRecord(value)) {
    let out = result + '\\D';
    for (const key of Object.keys(value).sort()) out = convertToStr(value[key], out);
    return out;
  }
  return result + '\\T' + pythonType(value) + '\\V' + pythonStr(value).replace(/\\/g, '\\\\');
}

function pythonType(value: unknown): string {
  if (value === null || value === undefined) return "<class 'NoneType'>";
  if (typeof value === 'boolean') return "<class 'bool'>";
  if (typeof value === 'number') return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
  return "<class 'str'>";
}

function toBool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return ['yes', 'true', 'enabled', '1'].includes(value.toLowerCase().trim());
  return Boolean(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? '';
  return line.length > 120 ? line.slice(0, 117) + '...' : line.trim();
}

function rangeSpan(lines: LineIndex, range: [number, number, number] | null | undefined): Span {
  if (!range) return lines.span(0, 0);
  return lines.span(range[0], range[1]);
}

/** The span of the item's first key: Doorstop items have no ID in their text, so this stands for it. */
function firstKeySpan(lines: LineIndex, root: YamlNode): Span {
  if (yaml().isMap(root) && root.items.length > 0) {
    const key = root.items[0].key;
    if (yaml().isScalar(key) && key.range) return lines.span(key.range[0], key.range[1]);
  }
  return lines.span(0, 0);
}

function yamlProblem(path: string, text: string, error: { message: string; pos: [number, number] }): Problem {
  const start = Math.min(error.pos[0], text.length);
  const end = Math.min(Math.max(error.pos[1], start), text.length);
  const before = text.slice(0, start);
  const line = before.split('\n').length - 1;
  const character = start - (before.lastIndexOf('\n') + 1);
  const endBefore = text.slice(0, end);
  const endLine = endBefore.split('\n').length - 1;
  const endCharacter = end - (endBefore.lastIndexOf('\n') + 1);
  return {
    path,
    span: { start: { line, character }, end: { line: endLine, character: endCharacter } },
    severity: 'error',
    code: 'yaml-syntax',
    message: error.message.split('\n')[0],
  };
}
