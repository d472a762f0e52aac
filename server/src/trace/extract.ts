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
import type { DoorstopDocument, FileFacts, FileRole, Problem } from './model';
import { extractTags } from './tags';
import { LineIndex, looksBinary } from './text';

export type { DoorstopDocument };
export { isDoorstopItemPath, parseDoorstopConfig };

export interface ExtractOptions {
  /** The regular expression (source) of a plain requirement ID; `[A-Z][A-Z0-9]*-\d+` by default. */
  idPattern: string;
  /** Decided by the workspace layer from the settings' globs. */
  role: FileRole;
  /** Set when the file is an item of a Doorstop document. */
  doorstop?: DoorstopDocument;
}

/**
 * Change logs list issue keys (`- PROJ-12: Fix login`) that look like requirement definitions;
 * they are read for OpenFastTrace items only.
 */
const changeLogName = /(?:^|[\\/])(?:CHANGELOG|CHANGES|HISTORY|NEWS|RELEASE[-_ ]?NOTES|RELEASES)(?:[-_]\d[\w.]*)?\.(?:md|markdown)$/i;

/** Data and markup files in which OpenFastTrace looks for its tags. */
const oftTagFile = /\.(?:json|ya?ml|xml|fxml|x?html?|toml|cfg|conf|ini|tf|tfvars|proto|bat|puml|plantuml)$/i;

export function extractFacts(path: string, text: string, options: ExtractOptions): FileFacts {
  const facts: FileFacts = { path, role: options.role, requirements: [], tags: [], problems: [] };
  try {
    if (looksBinary(text)) return facts;
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
      facts.problems.push(...item.problems);
      return facts;
    }
    if (options.role === 'requirements') {
      const markdown = extractMarkdown(path, text, lines, idRegex, !changeLogName.test(path));
      facts.requirements = markdown.requirements;
      facts.problems.push(...markdown.problems);
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
    const tags = extractTags({ path, text, role: options.role, idRegex, idSource, lines });
    facts.tags = tags.tags;
    facts.problems.push(...tags.problems);
  } catch (error) {
    facts.problems.push(problemAtStart(path, 'extract-failed', `Tandem could not read this file completely: ${(error as Error).message}`));
  }
  return facts;
}

function problemAtStart(path: string, code: string, message: string): Problem {
  return { path, span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code, message };
}
