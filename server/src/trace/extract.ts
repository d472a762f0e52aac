/**
 * What one file contributes to the trace, from its text alone: the requirements it defines, the
 * tags it holds, and the problems found while reading it.
 *
 * Contract: pure, linear in the file's size, and never throws — a broken file yields the facts
 * that could be read plus problems. No TypeScript parse happens here (it would cost ~250 ms to
 * load and far more over a whole workspace); tags are bound by cheap per-language rules and
 * refined lazily by `symbols.ts`.
 */
import { extractDoorstopItem, isDoorstopItemPath, parseDoorstopConfig } from './doorstop';
import { defaultIdPattern, idRegExp } from './ids';
import { extractMarkdown } from './markdown';
import type { DoorstopDocument, FileFacts, FileRole, Problem, RequirementDef, TraceTag } from './model';
import { extractReqif, isReqifPath } from './reqif';
import { extractTags, type ShortTagMeaning } from './tags';
import { LineIndex, looksBinary, withLineFeeds } from './text';

export type { DoorstopDocument };
export { isDoorstopItemPath, parseDoorstopConfig };

export interface ExtractOptions {
  /** The regular expression (source) of a plain requirement ID; `[A-Z][A-Z0-9]*-\d+` by default. */
  idPattern: string;
  /** Decided by the workspace layer from the settings' globs. */
  role: FileRole;
  /** Set when the file is an item of a Doorstop document. */
  doorstop?: DoorstopDocument;
  /**
   * Leave the symbols and scopes of tags outside test files to `bindTags`, on first use: a full
   * index of a large workspace is faster by a tenth, and few files are ever asked about.
   */
  deferBindings?: boolean;
  /** ReqIF: the attribute whose value is a requirement's ID (setting `trace.reqif.idAttribute`). */
  reqifIdAttribute?: string;
  /**
   * The file's path relative to its workspace folder: it decides whether a Markdown file is a
   * requirements document (`isRequirementsDocument`). The path itself when absent.
   */
  relativePath?: string;
  /** OpenFastTrace short tags `[[name:revision]]` are read in this file, with this meaning. */
  shortTags?: ShortTagMeaning;
}

/**
 * Change logs list issue keys (`- PROJ-12: Fix login`) that look like requirement definitions;
 * they are read for OpenFastTrace items only.
 */
const changeLogName = /(?:^|[\\/])(?:CHANGELOG|CHANGES|HISTORY|NEWS|RELEASE[-_ ]?NOTES|RELEASES)(?:[-_]\d[\w.]*)?\.(?:md|markdown)$/i;

/** Folders whose Markdown files are requirement documents: `requirements/`, `reqs/`, `doc/`, `docs/`, `spec/`, `specs/`, `specification/`. */
const requirementFolder = /(?:^|[\\/])(?:requirements?|reqs?|docs?|specs?|specifications?)[\\/]/i;
/** Markdown files named as requirement documents: `requirements.md`, `system-requirements.md`, `spec.md`, `srs.md`. */
const requirementFileName = /(?:requirement|(?:^|[\\/_-])(?:specs?|specification|srs)[^\\/]*\.(?:md|markdown)$)/i;
/** Front matter that says so: `tandem: requirements` between `---` lines at the top. */
const requirementsFrontMatter = /^---[ \t]*\r?\n(?:(?!---)[^\n]*\n){0,64}?tandem:[ \t]*requirements[ \t]*\r?\n/;

/**
 * Whether every definition of a Markdown file counts, list items and table rows included: a file
 * in a requirements folder or named as one, or whose front matter says `tandem: requirements`.
 * In any other Markdown file (a README, a guide) only headings define requirements, unless it
 * defines one by a heading, which makes it a requirements document too: a README's list of
 * issue keys or ticket numbers defines nothing.
 */
export function isRequirementsDocument(relativePath: string, text: string): boolean {
  if (requirementFolder.test(relativePath) || requirementFileName.test(relativePath)) return true;
  return text.startsWith('---') && requirementsFrontMatter.test(text.slice(0, 8192));
}

/** A Markdown heading line (`## ID`, up to three spaces before it), or a line above a setext underline. */
const atxHeading = /^ {0,3}#/;
const setextUnderline = /^ {0,3}(?:=+|-+)[ \t]*$/;

/** The plain definitions of a document that is not a requirements document: none unless one is a heading's. */
function headingDefinitions(requirements: RequirementDef[], lines: LineIndex): RequirementDef[] {
  const byHeading = (def: RequirementDef): boolean => {
    const line = def.span.start.line;
    return atxHeading.test(lines.lineText(line)) || setextUnderline.test(lines.lineText(line + 1));
  };
  if (requirements.some((def) => def.format !== 'oft' && byHeading(def))) return requirements;
  return requirements.filter((def) => def.format === 'oft');
}

/** Data and markup files in which OpenFastTrace looks for its tags. */
const oftTagFile = /\.(?:json|ya?ml|xml|fxml|x?html?|toml|cfg|conf|ini|tf|tfvars|proto|bat|puml|plantuml)$/i;

export function extractFacts(path: string, original: string, options: ExtractOptions): FileFacts {
  const facts: FileFacts = { path, role: options.role, requirements: [], tags: [], problems: [] };
  try {
    if (looksBinary(original)) return facts;
    // Every reader looks for `\n`; a CR-only file reads as LF with the same offsets and positions.
    const text = withLineFeeds(original);
    const lines = new LineIndex(text);
    let idSource = options.idPattern || defaultIdPattern;
    let idRegex = idRegExp(idSource);
    if (idRegex instanceof Error) {
      facts.problems.push(problemAtStart(path, 'id-pattern', idRegex.message));
      idSource = defaultIdPattern;
      idRegex = idRegExp(idSource) as RegExp;
    }
    if (options.doorstop && options.role === 'requirements') {
      const item = extractDoorstopItem(path, text, lines, options.doorstop);
      facts.requirements = item.requirements;
      for (const problem of item.problems) facts.problems.push(problem);
      return facts;
    }
    if (options.role === 'requirements' && isReqifPath(path)) {
      const reqif = extractReqif(path, text, { idAttribute: options.reqifIdAttribute });
      facts.requirements = reqif.requirements;
      facts.problems.push(...reqif.problems);
      return facts;
    }
    if (options.role === 'requirements') {
      const markdown = extractMarkdown(path, text, lines, idRegex, !changeLogName.test(path));
      facts.requirements = isRequirementsDocument(options.relativePath ?? path, text) ? markdown.requirements : headingDefinitions(markdown.requirements, lines);
      for (const problem of markdown.problems) facts.problems.push(problem);
      return facts;
    }
    if (options.role === 'other') {
      // OpenFastTrace also reads its tags from data and markup files; so does Tandem, for the same verdict.
      if (oftTagFile.test(path)) {
        const tags = extractTags({ path, text, role: options.role, idRegex, idSource, lines, oftOnly: true });
        facts.tags = tags.tags;
      }
      return facts;
    }
    const deferBindings = options.deferBindings === true && options.role !== 'test';
    const tags = extractTags({ path, text, role: options.role, idRegex, idSource, lines, deferBindings, shortTags: options.shortTags });
    facts.tags = tags.tags;
    if (deferBindings && facts.tags.length > 0) facts.bindingsDeferred = true;
    for (const problem of tags.problems) facts.problems.push(problem);
  } catch (error) {
    facts.problems.push(problemAtStart(path, 'extract-failed', `Tandem could not read this file completely: ${(error as Error).message}`));
  }
  return facts;
}

/** What binding a tag gives it: the symbol that holds it, its extent, the test it is in. */
export type TagBinding = Pick<TraceTag, 'symbol' | 'scope' | 'testName'>;

/**
 * The bindings of the tags of a file read with `deferBindings`, from its text: the file is read
 * again with bindings, and each tag takes the binding of the tag read at the same place. A tag
 * that the text no longer holds there (the file changed since) is left out.
 */
export function bindTags(path: string, text: string, options: ExtractOptions, tags: readonly TraceTag[]): Map<TraceTag, TagBinding> {
  const out = new Map<TraceTag, TagBinding>();
  if (tags.length === 0) return out;
  const bound = new Map<string, TraceTag>();
  for (const tag of extractFacts(path, text, { ...options, deferBindings: false }).tags) bound.set(placeOf(tag), tag);
  for (const tag of tags) {
    const match = bound.get(placeOf(tag));
    if (match) out.set(tag, match);
  }
  return out;
}

function placeOf(tag: TraceTag): string {
  return `${tag.span.start.line}:${tag.span.start.character}:${tag.kind}:${tag.target}`;
}

function problemAtStart(path: string, code: string, message: string): Problem {
  return { path, span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code, message };
}
