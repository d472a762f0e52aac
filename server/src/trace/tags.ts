/**
 * Tags in code and tests: `@implements ID`, `@verifies ID`, `@req ID` (read by the file's role),
 * OpenFastTrace coverage tags `[impl->dsn~name~1]` / `[impl~name~1->dsn~name~1>>utest]`, and
 * requirement IDs in the titles of tests. A tag counts only inside a comment (docstrings included);
 * the same text in a string literal is data, not a tag. Files of languages Tandem does not know
 * are read as if they were all comment, as OpenFastTrace reads them.
 *
 * Each tag is bound cheaply at index time: to the test that holds it (test files) and to the
 * declaration on the next code line. `symbols.ts` refines TypeScript / JavaScript bindings with
 * the real parser, lazily.
 */
import { crc32 } from './crc32';
import { oftIdSource, parseOftId } from './ids';
import { isKeyword, languageOf, type LanguageSyntax } from './languages';
import type { FileRole, Problem, Span, TraceTag } from './model';
import { inRegions, regionAt, scanCode, type CodeScan, type TestCall } from './scan';
import type { LineIndex } from './text';

/** A cheap test for anything that could be a tag; files without it are not scanned. */
const tagHint = /@(?:implements|verifies|req)\b|->/;

const commentTag = /@(implements|verifies|req)\b/g;

const oftTag = new RegExp(
  `\\[\\s*([A-Za-z]+)(?:~([A-Za-z][\\w-]*(?:\\.[\\w-]+)*)?~(\\d+))?\\s*->\\s*(${oftIdSource})\\s*(?:>>\\s*([A-Za-z]+(?:\\s*,\\s*[A-Za-z]+)*)\\s*)?\\]`,
  'g',
);

const oftIdInText = new RegExp(`(?<![\\w~])${oftIdSource}(?![\\w~])`, 'g');

const idListCache = new Map<string, RegExp>();

/** A sticky regex reading one more ID of a tag's list: separators, then an OFT or a plain ID. */
function idListEntry(idSource: string): RegExp {
  let regex = idListCache.get(idSource);
  if (!regex) {
    const oftNoGroups = oftIdSource.replace(/\((?!\?)/g, '(?:');
    regex = new RegExp(`([ \\t]*,?[ \\t]*)(?:(${oftNoGroups})|(${idSource}))(?![\\w~])`, 'y');
    idListCache.set(idSource, regex);
  }
  return regex;
}

export interface TagScanOptions {
  path: string;
  text: string;
  role: FileRole;
  /** The plain-ID pattern, already compiled (global). */
  idRegex: RegExp;
  idSource: string;
  lines: LineIndex;
  /** Read only OpenFastTrace tags, anywhere in the text (data and markup files). */
  oftOnly?: boolean;
}

/** The tags of one code or test file, and the problems of malformed tags. */
export function extractTags(options: TagScanOptions): { tags: TraceTag[]; problems: Problem[] } {
  const { path, text, role, idRegex } = options;
  const tags: TraceTag[] = [];
  const problems: Problem[] = [];
  const isTest = role === 'test';
  const hinted = tagHint.test(text);
  idRegex.lastIndex = 0;
  if (!hinted && !(isTest && (idRegex.test(text) || oftIdInText.test(text)))) return { tags, problems };
  oftIdInText.lastIndex = 0;
  idRegex.lastIndex = 0;
  const syntax = options.oftOnly ? undefined : languageOf(path);
  const scan: CodeScan = syntax ? scanCode(text, syntax, isTest) : { comments: [0, text.length], tests: [] };
  const binder = new Binder(options, syntax, scan);

  if (hinted) {
    if (!options.oftOnly) readCommentTags(options, scan, binder, tags, problems);
    readOftTags(options, scan, binder, tags);
  }
  if (isTest) readTitleTags(options, scan, tags);
  tags.sort((a, b) => a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character);
  return { tags, problems };
}

function readCommentTags(options: TagScanOptions, scan: CodeScan, binder: Binder, tags: TraceTag[], problems: Problem[]): void {
  const { path, text, role, lines } = options;
  const entry = idListEntry(options.idSource);
  commentTag.lastIndex = 0;
  for (let match = commentTag.exec(text); match; match = commentTag.exec(text)) {
    if (!inRegions(scan.comments, match.index)) continue;
    const word = match[1] as 'implements' | 'verifies' | 'req';
    const kind = word === 'req' ? (role === 'test' ? 'verifies' : 'implements') : word;
    const region = regionAt(scan.comments, match.index)!;
    let at = match.index + match[0].length;
    let count = 0;
    for (;;) {
      entry.lastIndex = at;
      const id = entry.exec(text);
      if (!id || id.index + id[0].length > region[1]) break;
      if (count > 0 && id[1].length === 0) break;
      const start = id.index + id[1].length;
      const end = id.index + id[0].length;
      tags.push(
        binder.bind(
          {
            kind,
            target: text.slice(start, end),
            path,
            span: lines.span(start, end),
            role,
            artifactType: kind === 'implements' ? 'impl' : 'utest',
          },
          match.index,
          region,
        ),
      );
      count++;
      at = end;
    }
    if (count === 0) {
      problems.push({
        path,
        span: lines.span(match.index, match.index + match[0].length),
        severity: 'warning',
        code: 'tag-without-id',
        message: `\`@${word}\` names no requirement ID; write \`@${word} <ID>\`.`,
      });
    }
  }
}

function readOftTags(options: TagScanOptions, scan: CodeScan, binder: Binder, tags: TraceTag[]): void {
  const { path, text, role, lines } = options;
  oftTag.lastIndex = 0;
  let lastLine = -1;
  let perLine = 0;
  for (let match = oftTag.exec(text); match; match = oftTag.exec(text)) {
    if (!inRegions(scan.comments, match.index)) continue;
    const region = regionAt(scan.comments, match.index)!;
    const coveringType = match[1];
    const customName = match[2];
    const revision = match[3] !== undefined ? Number(match[3]) : 0;
    const covered = match[4];
    const needs = match[8] ? match[8].split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
    const line = lines.lineOf(match.index);
    perLine = line === lastLine ? perLine + 1 : 0;
    lastLine = line;
    const coveredId = parseOftId(covered)!;
    const name =
      customName ?? (needs.length > 0 ? coveredId.name : `${coveredId.name}-${crc32(`${path}${line + 1}${perLine}${covered}`)}`);
    const targetStart = match.index + match[0].indexOf(covered, match[0].indexOf('->'));
    const tag: TraceTag = {
      kind: 'oft',
      target: covered,
      path,
      span: lines.span(targetStart, targetStart + covered.length),
      role,
      artifactType: coveringType,
      oftItem: { name, revision, needs },
    };
    tags.push(binder.bind(tag, match.index, region));
  }
}

function readTitleTags(options: TagScanOptions, scan: CodeScan, tags: TraceTag[]): void {
  const { path, role, lines, idRegex } = options;
  for (let index = 0; index < scan.tests.length; index++) {
    const test = scan.tests[index];
    const title = test.title;
    const testName = fullTitle(scan.tests, index);
    for (const regex of [idRegex, oftIdInText]) {
      regex.lastIndex = 0;
      for (let match = regex.exec(title); match; match = regex.exec(title)) {
        if (match[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        const start = test.titleStart + match.index;
        if (regex === idRegex && parseOftId(match[0])) continue;
        tags.push({
          kind: 'title',
          target: match[0],
          path,
          span: lines.span(start, start + match[0].length),
          role,
          artifactType: 'utest',
          testName,
        });
      }
    }
  }
}

/** A test's full title: the titles of the calls that enclose it and its own, joined by a space. */
export function fullTitle(tests: TestCall[], index: number): string {
  const parts: string[] = [];
  for (let at = index; at !== -1; at = tests[at].parent) parts.unshift(tests[at].title);
  return parts.join(' ');
}

type Binding = Pick<TraceTag, 'symbol' | 'testName' | 'scope'>;

/** Test functions by name: `test_…`, `Test…`, `testSomething`. */
function isTestName(name: string): boolean {
  return /^(?:test|Test)|(?:^|\.)test[A-Z_]/.test(name.split('.').pop()!);
}

/** Families whose methods sit inside the braces of a type declaration. */
const bracedTypes = new Set(['js', 'java', 'csharp', 'c', 'swift', 'rust']);
const typeDeclaration =
  /^\s*(?:(?:export|default|declare|abstract|public|private|protected|internal|static|final|sealed|partial|open|data|pub(?:\([^)]*\))?|unsafe)\s+)*(?:class|interface|struct|enum|object|record|trait|namespace|impl(?:<[^>]*>)?(?:\s+[\w:<>]+\s+for)?)\s+([A-Za-z_$][\w$]*)/;

/** Binds tags to tests and declarations with cheap, line-based rules. */
class Binder {
  private readonly cache = new Map<number, Binding>();
  private typeLines: { line: number; name: string; end: number }[] | undefined;

  constructor(
    private readonly options: TagScanOptions,
    private readonly syntax: LanguageSyntax | undefined,
    private readonly scan: CodeScan,
  ) {}

  /** Sets the binding of the comment at `region` on the tag (computed once per comment). */
  bind(tag: TraceTag, offset: number, region: [number, number]): TraceTag {
    let binding = this.cache.get(region[0]);
    if (!binding) {
      binding = this.compute(offset, region);
      this.cache.set(region[0], binding);
    }
    if (binding.symbol) tag.symbol = binding.symbol;
    if (binding.testName) tag.testName = binding.testName;
    if (binding.scope) tag.scope = binding.scope;
    return tag;
  }

  private compute(offset: number, region: [number, number]): Binding {
    const { lines, text, role } = this.options;
    const result: Binding = {};
    if (!this.syntax) return result;
    const isDocstring = this.syntax.family === 'python' && (text[region[0]] === '"' || text[region[0]] === "'" || /[rRuU]/.test(text[region[0]]));
    const declaration = isDocstring ? this.previousDeclaration(lines.lineOf(region[0])) : this.nextDeclaration(region);
    if (declaration) {
      result.symbol = declaration;
      result.scope = this.extent(declaration.span.start.line, isDocstring ? lines.lineStarts()[declaration.span.start.line] : region[0]);
    }
    if (role === 'test') this.bindTest(offset, region, result, declaration);
    if (!declaration && !result.testName) {
      // A tag written inside a function body belongs to that function.
      const enclosing = this.enclosingDeclaration(lines.lineOf(region[0]));
      if (enclosing) {
        result.symbol = enclosing;
        result.scope = this.extent(enclosing.span.start.line, lines.lineStarts()[enclosing.span.start.line]);
        if (role === 'test' && isTestName(enclosing.name)) result.testName = enclosing.name.replace(/\./g, ' ');
      }
    }
    return result;
  }

  /** Binds to the test call right below the comment, else to the innermost test call around it. */
  private bindTest(offset: number, region: [number, number], result: Binding, declaration: TraceTag['symbol'] | undefined): void {
    const { lines, text } = this.options;
    const tests = this.scan.tests;
    for (let index = 0; index < tests.length; index++) {
      if (tests[index].start < region[1]) continue;
      if (/^\s*[\w$.]*\s*$/.test(text.slice(region[1], tests[index].start))) {
        result.testName = fullTitle(tests, index);
        result.scope = lines.span(region[0], tests[index].end);
        return;
      }
      break;
    }
    let enclosing = -1;
    for (let index = 0; index < tests.length; index++) {
      const test = tests[index];
      if (test.start <= offset && offset < test.end) enclosing = index;
    }
    if (enclosing !== -1) {
      result.testName = fullTitle(tests, enclosing);
      result.scope = lines.span(tests[enclosing].start, tests[enclosing].end);
    } else if (declaration && isTestName(declaration.name)) {
      result.testName = declaration.name.replace(/\./g, ' ');
    }
  }

  /**
   * The extent of the declaration on `line`, from `from` (the tag's comment) to its end: by
   * indentation for Python, Ruby and Lua, by balanced brackets elsewhere (a cheap estimate that
   * ignores brackets inside strings).
   */
  private extent(line: number, from: number): Span {
    const { lines } = this.options;
    const family = this.syntax!.family;
    const count = lines.lineCount();
    const declaration = lines.lineText(line);
    const indent = declaration.length - declaration.trimStart().length;
    let last = line;
    if (family === 'python' || family === 'ruby' || family === 'lua') {
      for (let at = line + 1; at < count; at++) {
        const content = lines.lineText(at);
        const trimmed = content.trimStart();
        if (trimmed.length === 0) continue;
        const otherIndent = content.length - trimmed.length;
        if (otherIndent <= indent) {
          if (family !== 'python' && /^end\b/.test(trimmed)) last = at;
          break;
        }
        last = at;
      }
    } else {
      // Jump between brackets with a native search; a declaration that opens none within a few
      // lines (or ends with `;`) is a one-liner.
      const text = this.options.text;
      const brackets = family === 'lisp' ? /[()]/g : /[{};]/g;
      const open = family === 'lisp' ? 40 : 123;
      const close = family === 'lisp' ? 41 : 125;
      const starts = lines.lineStarts();
      brackets.lastIndex = starts[line];
      const giveUp = line + 3 < count ? starts[line + 4] : text.length;
      let depth = 0;
      let opened = false;
      let end = -1;
      for (let match = brackets.exec(text); match; match = brackets.exec(text)) {
        const c = text.charCodeAt(match.index);
        if (c === open) {
          depth++;
          opened = true;
        } else if (c === close) {
          depth--;
          if (opened && depth <= 0) {
            end = match.index;
            break;
          }
        } else if (!opened) {
          end = match.index;
          break;
        }
        if (!opened && match.index >= giveUp) break;
      }
      last = end === -1 ? (opened ? count - 1 : line) : lines.lineOf(end);
    }
    const start = lines.position(from);
    return { start, end: { line: last, character: lines.lineText(last).length } };
  }

  /** The declaration on the comment's own line (after it) or on the next code line. */
  private nextDeclaration(region: [number, number]): TraceTag['symbol'] | undefined {
    const { lines } = this.options;
    const startLine = lines.lineOf(region[0]);
    const endLine = lines.lineOf(Math.max(region[0], region[1] - 1));
    const lineBefore = lines.lineText(startLine).slice(0, lines.position(region[0]).character);
    if (lineBefore.trim().length > 0) {
      // A trailing comment binds to the declaration on its own line.
      return this.declarationOn(startLine);
    }
    const last = Math.min(lines.lineCount() - 1, endLine + 8);
    for (let line = endLine + 1; line <= last; line++) {
      const content = lines.lineText(line).trim();
      if (content.length === 0 || /^(?:\/\/|#(?!\[)|--|;|\*|\/\*|@|#\[|\[[A-Za-z]|%)/.test(content)) {
        // Blank lines, comments, annotations and attributes sit between a doc comment and its declaration.
        if (content.startsWith('@') && this.syntax?.family === 'python') continue;
        continue;
      }
      if (this.syntax?.family === 'js' && /^(?:export\s+)?(?:default\s+)?\{?$/.test(content)) return undefined;
      return this.declarationOn(line);
    }
    return undefined;
  }

  /**
   * The declaration whose body holds `line` (a tag written inside a function): the enclosing
   * lines of smaller indentation, walked upward, the first declaration among them whose extent
   * reaches the tag.
   */
  private enclosingDeclaration(line: number): TraceTag['symbol'] | undefined {
    const { lines, text } = this.options;
    const starts = lines.lineStarts();
    const indentOf = (at: number): number => {
      let i = starts[at];
      const end = at + 1 < starts.length ? starts[at + 1] : text.length;
      while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      return i === end || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13 ? -1 : i - starts[at];
    };
    let threshold = indentOf(line);
    for (let at = line - 1; at >= 0 && at >= line - 2000 && threshold > 0; at--) {
      const indent = indentOf(at);
      if (indent < 0 || indent >= threshold) continue;
      threshold = indent;
      const declaration = this.declarationOn(at);
      if (declaration && this.extent(at, starts[at]).end.line >= line) return declaration;
    }
    return undefined;
  }

  private previousDeclaration(line: number): TraceTag['symbol'] | undefined {
    for (let at = line - 1; at >= 0 && at >= line - 3; at--) {
      const content = this.options.lines.lineText(at).trim();
      if (content.length === 0) continue;
      return this.declarationOn(at);
    }
    return undefined;
  }

  private declarationOn(line: number): TraceTag['symbol'] | undefined {
    const syntax = this.syntax!;
    // Declarations fit in the start of a line; a long (minified) line is cut so no regex runs long.
    const full = this.options.lines.lineText(line);
    const content = full.length > 400 ? full.slice(0, 400) : full;
    const match = syntax.declaration.exec(content);
    if (!match) return undefined;
    let groupIndex = 1;
    while (groupIndex < match.length && match[groupIndex] === undefined) groupIndex++;
    const name = match[groupIndex];
    if (!name || isKeyword(name)) return undefined;
    const character = content.indexOf(name, match.index);
    let qualified = name;
    if (syntax.family === 'python') qualified = this.qualifyByIndentation(line, content, name);
    else if (bracedTypes.has(syntax.family) && !typeDeclaration.test(content)) qualified = this.qualifyByBraces(line, name);
    return { name: qualified, span: { start: { line, character }, end: { line, character: character + name.length } } };
  }

  /**
   * Methods of brace languages are named with their type (`OrderService.submit`): the nearest
   * type declaration above whose braces enclose the method.
   */
  private qualifyByBraces(line: number, name: string): string {
    const { lines, text } = this.options;
    if (!this.typeLines) {
      // The type declarations of the file, found once with one search over the whole text.
      this.typeLines = [];
      const anyType = new RegExp(typeDeclaration.source.replace('^\\s*', '^[ \\t]*'), 'gm');
      for (let match = anyType.exec(text); match; match = anyType.exec(text)) {
        const at = lines.lineOf(match.index);
        this.typeLines.push({ line: at, name: match[1], end: this.extent(at, lines.lineStarts()[at]).end.line });
        if (match[0].length === 0) anyType.lastIndex++;
      }
    }
    for (let index = this.typeLines.length - 1; index >= 0; index--) {
      const type = this.typeLines[index];
      if (type.line < line && type.end >= line && type.end > type.line) return `${type.name}.${name}`;
    }
    return name;
  }

  /** Python methods are named with their class: `OrderService.submit`. */
  private qualifyByIndentation(line: number, content: string, name: string): string {
    let indent = content.length - content.trimStart().length;
    let qualified = name;
    for (let at = line - 1; at >= 0 && indent > 0; at--) {
      const other = this.options.lines.lineText(at);
      const trimmed = other.trimStart();
      if (trimmed.length === 0) continue;
      const otherIndent = other.length - trimmed.length;
      if (otherIndent >= indent) continue;
      const match = /^class\s+([A-Za-z_]\w*)/.exec(trimmed);
      if (match) qualified = `${match[1]}.${qualified}`;
      indent = otherIndent;
    }
    return qualified;
  }
}
