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
import { scanCode, type CodeScan, type TestCall } from './scan';
import { LineCursor, lineEndAt, textLineLength } from './tags-lines';
import { CommentTag, OftTag, PlainOftItem, PlainSymbol, TitleTag } from './tags-objects';
import { isWordCode } from '../text/chars';
import { isSpace, lineSpan, PackedSpan, type LineIndex } from './text';

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

const idAtCache = new Map<string, RegExp | null>();

/**
 * A sticky regex for one ID of a tag's list without its separators and without capture groups,
 * so that reading an ID allocates nothing; null when the ID pattern refers to its own groups
 * (back references), whose numbers depend on the groups of `idListEntry`.
 */
function idAt(idSource: string): RegExp | null {
  let regex = idAtCache.get(idSource);
  if (regex === undefined) {
    const oftNoGroups = oftIdSource.replace(/\((?!\?)/g, '(?:');
    regex = /\\[1-9]|\\k</.test(idSource) ? null : new RegExp(`(?:(?:${oftNoGroups})|(?:${idSource}))(?![\\w~])`, 'y');
    idAtCache.set(idSource, regex);
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
  /**
   * Leave out the bindings of tags outside test files (their symbol and scope, which only a
   * question about the file needs). A test file's tags are always bound: the test that holds a
   * tag decides how it counts.
   */
  deferBindings?: boolean;
  /** Read OpenFastTrace short tags `[[name:revision]]` too, with this meaning. */
  shortTags?: ShortTagMeaning;
}

/** What a short tag `[[name:revision]]` stands for: OpenFastTrace's path configuration of a folder. */
export interface ShortTagMeaning {
  tagArtifactType: string;
  coveredArtifactType: string;
  namePrefix?: string;
}

/** An OpenFastTrace short tag: `[[name:revision]]`, as OpenFastTrace's tag importer reads it (no white space). */
const shortTag = /\[\[([A-Za-z][\w-]*(?:\.[\w-]+)*):(\w+)\]\]/g;

/** The tags of one code or test file, and the problems of malformed tags. */
export function extractTags(options: TagScanOptions): { tags: TraceTag[]; problems: Problem[] } {
  const { path, text, role, idRegex } = options;
  const tags: TraceTag[] = [];
  const problems: Problem[] = [];
  const isTest = role === 'test';
  const hinted = tagHint.test(text);
  const short = options.shortTags !== undefined && text.includes('[[');
  idRegex.lastIndex = 0;
  if (!hinted && !short && !(isTest && (idRegex.test(text) || oftIdInText.test(text)))) return { tags, problems };
  oftIdInText.lastIndex = 0;
  idRegex.lastIndex = 0;
  const syntax = options.oftOnly ? undefined : languageOf(path);
  const scan: CodeScan = syntax ? scanCode(text, syntax, isTest) : { comments: [0, text.length], tests: [] };
  const reader = new TagReader(options, syntax, scan);

  if (hinted) {
    if (!options.oftOnly) reader.readCommentTags(tags, problems);
    reader.readOftTags(tags);
  }
  if (short) reader.readShortTags(tags, problems, options.shortTags!);
  if (isTest && scan.tests.length > 0) {
    const sorted = !reader.unsorted;
    const titles: TraceTag[] = [];
    reader.readTitleTags(titles);
    return { tags: mergeByStart(tags, sorted, titles, !reader.unsorted), problems };
  }
  if (reader.unsorted) tags.sort(byStart);
  return { tags, problems };
}

function byStart(a: TraceTag, b: TraceTag): number {
  return a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character;
}

/** A test's full title: the titles of the calls that enclose it and its own, joined by a space. */
export function fullTitle(tests: TestCall[], index: number): string {
  const parts: string[] = [];
  for (let at = index; at !== -1; at = tests[at].parent) parts.unshift(tests[at].title);
  return parts.join(' ');
}

type Binding = Pick<TraceTag, 'symbol' | 'testName' | 'scope'>;

/** The binding of a tag whose binding is deferred. */
const unbound: Binding = Object.freeze({});

/** Test functions by name: `test_…`, `Test…`, `testSomething`. */
function isTestName(name: string): boolean {
  return /^(?:test|Test)|(?:^|\.)test[A-Z_]/.test(name.split('.').pop()!);
}

/** Families whose methods sit inside the braces of a type declaration. */
const bracedTypes = new Set(['js', 'java', 'csharp', 'c', 'swift', 'rust']);
const typeDeclaration =
  /^\s*(?:(?:export|default|declare|abstract|public|private|protected|internal|static|final|sealed|partial|open|data|pub(?:\([^)]*\))?|unsafe)\s+)*(?:class|interface|struct|enum|object|record|trait|namespace|impl(?:<[^>]*>)?(?:\s+[\w:<>]+\s+for)?)\s+([A-Za-z_$][\w$]*)/;
/**
 * The type declarations of a whole file, found with one search: each starts a line (`^` of a
 * multiline search, consuming the line break before it, which is faster to search for).
 */
const anyTypeDeclaration = new RegExp(typeDeclaration.source.replace('^\\s*', '(?:^|[\\n\\r\\u2028\\u2029])[ \\t]*'), 'g');

/** The line terminators after which a multiline `^` matches. */
function isLineBreak(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

/** What may sit between a comment and the test call it names: a callee (`it`, `test.each`). */
const calleeGap = /\s*[\w$.]*\s*/y;

/**
 * The blank lines and the comment, annotation and attribute lines (`//`, `#`, `--`, `;`, `*`,
 * `/*`, `@`, `#[`, `[Attr`, `%` after white space) that may sit between a doc comment and its
 * declaration, eight at most, each with its line break.
 */
const asideLine = String.raw`[^\S\n]*(?:(?:\/\/|#|--|;|\*|\/\*|@|\[[A-Za-z]|%)[^\n]*)?`;
const asideLines = new RegExp(`(?:${asideLine}\n){0,8}`, 'y');
/** The same, for the last line of the text (which has no line break). */
const asideLast = new RegExp(`${asideLine}$`, 'y');

/** How many comment regions beyond the tag's own one block may reach, each way. */
const maxBlockRegions = 32;

/** The brackets that `extent` balances. */
const braces = /[{};]/g;
const bracesOnly = /[{}]/g;
const parens = /[()]/g;

/**
 * Reads the tags of one file and binds them to tests and declarations with cheap, line-based
 * rules. Positions come from a cursor over the line table that follows the tags, and the
 * binding of a comment is computed once, for its first tag.
 */
class TagReader {
  /** True once a tag was added before one it follows in the text. */
  unsorted = false;
  private readonly text: string;
  private readonly cursor: LineCursor;
  /** The binding of each comment region that holds a tag, by the region's index in `scan.comments`. */
  private readonly bindings: Binding[] = [];
  private lastStart = -1;
  private titles: string[] | undefined;
  private nextTest = 0;
  private typeLines: { line: number; name: string; end: number }[] | undefined;
  /** Where the line of the declaration `declarationOn` last found starts. */
  private foundLineStart = 0;
  /** The length of the last line of the extent `extentEnd` last measured. */
  private extentLength = 0;
  /** Whether tags are bound as they are read (see `TagScanOptions.deferBindings`). */
  private readonly binds: boolean;

  constructor(
    private readonly options: TagScanOptions,
    private readonly syntax: LanguageSyntax | undefined,
    private readonly scan: CodeScan,
  ) {
    this.text = options.text;
    this.cursor = new LineCursor(options.text, options.lines.lineStarts());
    this.binds = !options.deferBindings || options.role === 'test';
  }

  private push(tags: TraceTag[], tag: TraceTag, start: number): void {
    if (start < this.lastStart) this.unsorted = true;
    this.lastStart = start;
    tags.push(tag);
  }

  readCommentTags(tags: TraceTag[], problems: Problem[]): void {
    const { path, role } = this.options;
    const text = this.text;
    const regions = this.scan.comments;
    const regionCount = regions.length;
    let region = 0;
    commentTag.lastIndex = 0;
    while (commentTag.test(text)) {
      const tagEnd = commentTag.lastIndex;
      // `@implements`, `@verifies` or `@req`, told apart by their last letters.
      const word = text.charCodeAt(tagEnd - 1) === 113 ? 'req' : text.charCodeAt(tagEnd - 2) === 116 ? 'implements' : 'verifies';
      const index = tagEnd - word.length - 1;
      // Tags are met in text order, and so are the comment regions.
      while (region < regionCount && regions[region + 1] <= index) region += 2;
      if (region >= regionCount || regions[region] > index) continue;
      const kind = word === 'req' ? (role === 'test' ? 'verifies' : 'implements') : word;
      if (this.readIds(tags, kind, index, tagEnd, region) === 0) {
        problems.push({
          path,
          span: this.cursor.span(index, tagEnd),
          severity: 'warning',
          code: 'tag-without-id',
          message: `\`@${word}\` names no requirement ID; write \`@${word} <ID>\`.`,
        });
      }
    }
  }

  /**
   * Reads the IDs listed after the comment tag at `index` (which ends at `at`), in the comment
   * region at `region`, into `tags`; returns how many. Called per tag, so that the engine
   * optimises it early in a run over many files.
   */
  private readIds(tags: TraceTag[], kind: TraceTag['kind'], index: number, at: number, region: number): number {
    const { path, role, idSource } = this.options;
    const text = this.text;
    const regionEnd = this.scan.comments[region + 1];
    const single = idAt(idSource);
    const artifactType = kind === 'implements' ? 'impl' : 'utest';
    let binding: Binding | undefined;
    let count = 0;
    for (;;) {
      let start = -1;
      let end = -1;
      if (single) {
        // The entry regex takes the longest separator (`[ \t]*,?[ \t]*`) before which an ID
        // follows: the same search, from the longest separator down, without its allocations.
        let longest = at;
        while (text.charCodeAt(longest) === 32 || text.charCodeAt(longest) === 9) longest++;
        if (text.charCodeAt(longest) === 44) longest++;
        while (text.charCodeAt(longest) === 32 || text.charCodeAt(longest) === 9) longest++;
        for (let from = longest; from >= at; from--) {
          single.lastIndex = from;
          if (single.test(text)) {
            start = from;
            end = single.lastIndex;
            break;
          }
        }
        if (end === -1) break;
      } else {
        const entry = idListEntry(idSource);
        entry.lastIndex = at;
        const id = entry.exec(text);
        if (!id) break;
        // The entry regex is sticky: the match starts at `at`.
        end = at + id[0].length;
        start = at + id[1].length;
      }
      if (end > regionEnd) break;
      if (count > 0 && start === at) break;
      const tag: TraceTag = new CommentTag(kind, text.slice(start, end), path, this.cursor.span(start, end), role, artifactType);
      binding ??= this.binds ? this.bindingOf(index, region) : unbound;
      if (binding.symbol) tag.symbol = binding.symbol;
      if (binding.testName) tag.testName = binding.testName;
      if (binding.scope) tag.scope = binding.scope;
      if (start < this.lastStart) this.unsorted = true;
      this.lastStart = start;
      tags.push(tag);
      count++;
      at = end;
    }
    return count;
  }

  readOftTags(tags: TraceTag[]): void {
    const { path, role } = this.options;
    const text = this.text;
    // Every OpenFastTrace tag holds an arrow.
    if (!text.includes('->')) return;
    const regions = this.scan.comments;
    const regionCount = regions.length;
    let region = 0;
    oftTag.lastIndex = 0;
    let lastLine = -1;
    let perLine = 0;
    for (let match = oftTag.exec(text); match; match = oftTag.exec(text)) {
      while (region < regionCount && regions[region + 1] <= match.index) region += 2;
      if (region >= regionCount || regions[region] > match.index) continue;
      const coveringType = match[1];
      const customName = match[2];
      const revision = match[3] !== undefined ? Number(match[3]) : 0;
      const covered = match[4];
      const needs = match[8] ? match[8].split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
      const line = this.cursor.seek(match.index);
      perLine = line === lastLine ? perLine + 1 : 0;
      lastLine = line;
      const coveredId = parseOftId(covered)!;
      const name =
        customName ?? (needs.length > 0 ? coveredId.name : `${coveredId.name}-${crc32(`${path}${line + 1}${perLine}${covered}`)}`);
      const targetStart = match.index + match[0].indexOf(covered, match[0].indexOf('->'));
      const span = this.cursor.span(targetStart, targetStart + covered.length);
      const tag: TraceTag = new OftTag(covered, path, span, role, coveringType, new PlainOftItem(name, revision, needs));
      this.push(tags, this.binds ? this.bind(tag, match.index, region) : tag, targetStart);
    }
  }

  /**
   * Reads OpenFastTrace short tags in comments: `[[name:2]]` covers `covered~prefix+name~2`, and
   * defines an item of the tag type named as OpenFastTrace names it (the covered name and a
   * CRC-32 of the place). A revision that is not a number is a problem, as OpenFastTrace rejects it.
   */
  readShortTags(tags: TraceTag[], problems: Problem[], meaning: ShortTagMeaning): void {
    const { path, role } = this.options;
    const text = this.text;
    const regions = this.scan.comments;
    let region = 0;
    let lastLine = -1;
    let perLine = 0;
    shortTag.lastIndex = 0;
    for (let match = shortTag.exec(text); match; match = shortTag.exec(text)) {
      while (region < regions.length && regions[region + 1] <= match.index) region += 2;
      if (region >= regions.length || regions[region] > match.index) continue;
      const start = match.index + 2;
      const span = this.cursor.span(start, start + match[1].length + 1 + match[2].length);
      if (!/^\d+$/.test(match[2])) {
        problems.push({ path, span, severity: 'warning', code: 'short-tag-revision', message: `The revision of [[${match[1]}:${match[2]}]] is not a number.` });
        continue;
      }
      const line = this.cursor.seek(match.index);
      perLine = line === lastLine ? perLine + 1 : 0;
      lastLine = line;
      const name = `${meaning.namePrefix ?? ''}${match[1]}`;
      const covered = `${meaning.coveredArtifactType}~${name}~${Number(match[2])}`;
      const item = new PlainOftItem(`${name}-${crc32(`${path}${line + 1}${perLine}${covered}`)}`, 0, []);
      const tag: TraceTag = new OftTag(covered, path, span, role, meaning.tagArtifactType, item);
      this.push(tags, this.binds ? this.bind(tag, match.index, region) : tag, start);
    }
  }

  /** Reads the IDs in test titles into `tags`, which must be empty; they are added in text order. */
  readTitleTags(tags: TraceTag[]): void {
    this.lastStart = -1;
    this.unsorted = false;
    const count = this.scan.tests.length;
    for (let index = 0; index < count; index++) this.readTitle(tags, index);
  }

  /** Reads the IDs in the title of the test at `index` (called per test, so optimised early). */
  private readTitle(tags: TraceTag[], index: number): void {
    const { path, role, idRegex } = this.options;
    const test = this.scan.tests[index];
    const title = test.title;
    let testName: string | undefined;
    // OpenFastTrace IDs hold a tilde.
    const passes = title.includes('~') ? 2 : 1;
    for (let pass = 0; pass < passes; pass++) {
      const regex = pass === 0 ? idRegex : oftIdInText;
      regex.lastIndex = 0;
      for (let match = regex.exec(title); match; match = regex.exec(title)) {
        if (match[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        const start = test.titleStart + match.index;
        if (pass === 0 && parseOftId(match[0])) continue;
        testName ??= this.fullTitle(index);
        this.push(tags, new TitleTag(match[0], path, this.cursor.span(start, start + match[0].length), role, testName), start);
      }
    }
  }

  /** The full title of the test at `index`: its parent's full title, a space, and its own title. */
  private fullTitle(index: number): string {
    const tests = this.scan.tests;
    const titles = (this.titles ??= []);
    // A parent comes before its children, so titles are filled in order, each from its parent's.
    for (let at = titles.length; at <= index; at++) {
      const test = tests[at];
      titles.push(test.parent === -1 ? test.title : `${titles[test.parent]} ${test.title}`);
    }
    return titles[index];
  }

  /**
   * The binding of the comment region at `region` (an index in `scan.comments`), computed once per
   * comment block (for its first tag). Comments on consecutive lines, each alone on its line, are
   * one block: every tag in it binds to what follows the block's last line.
   */
  private bindingOf(offset: number, region: number): Binding {
    let binding = this.bindings[region];
    if (binding === undefined) {
      const comments = this.scan.comments;
      let first = region;
      while (first - region < maxBlockRegions * 2 && first >= 2 && this.adjacentRegions(first - 2)) first -= 2;
      let last = region;
      while (last - region < maxBlockRegions * 2 && last + 2 < comments.length && this.adjacentRegions(last)) last += 2;
      binding = this.compute(offset, comments[first], comments[last + 1]);
      for (let at = first; at <= last; at += 2) this.bindings[at] = binding;
    }
    return binding;
  }

  /** Whether the comment region at `region` and the next one are consecutive lines of one block. */
  private adjacentRegions(region: number): boolean {
    const comments = this.scan.comments;
    const end = comments[region + 1];
    const next = comments[region + 2];
    if (!this.startsLine(comments[region]) || !this.startsLine(next) || this.isDocstringAt(comments[region]) || this.isDocstringAt(next)) return false;
    let lineBreaks = 0;
    for (let at = end; at < next; at++) {
      const c = this.text.charCodeAt(at);
      if (c === 10) lineBreaks++;
      else if (!isSpace(c)) return false;
    }
    return lineBreaks === 1;
  }

  /** Whether only white space precedes `offset` on its line. */
  private startsLine(offset: number): boolean {
    for (let at = offset - 1; at >= 0; at--) {
      const c = this.text.charCodeAt(at);
      if (c === 10) return true;
      if (!isSpace(c)) return false;
    }
    return true;
  }

  /** Whether the comment region starting at `offset` is a Python docstring (bound to what precedes it). */
  private isDocstringAt(offset: number): boolean {
    const first = this.text.charCodeAt(offset);
    return this.syntax?.family === 'python' && (first === 34 || first === 39 || first === 114 || first === 82 || first === 117 || first === 85);
  }

  /** Sets the binding of the comment region at `region` on the tag. */
  private bind(tag: TraceTag, offset: number, region: number): TraceTag {
    const binding = this.bindingOf(offset, region);
    if (binding.symbol) tag.symbol = binding.symbol;
    if (binding.testName) tag.testName = binding.testName;
    if (binding.scope) tag.scope = binding.scope;
    return tag;
  }

  private compute(offset: number, regionStart: number, regionEnd: number): Binding {
    const role = this.options.role;
    const result: Binding = {};
    const syntax = this.syntax;
    if (!syntax) return result;
    const first = this.text.charCodeAt(regionStart);
    // A docstring: a quote, or a string prefix (r, R, u, U) before one.
    const isDocstring =
      syntax.family === 'python' && (first === 34 || first === 39 || first === 114 || first === 82 || first === 117 || first === 85);
    const declaration = isDocstring ? this.previousDeclaration(regionStart) : this.nextDeclaration(regionStart, regionEnd);
    if (declaration) {
      const lineStart = this.foundLineStart;
      result.symbol = declaration;
      result.scope = this.extent(declaration.span.start.line, lineStart, isDocstring ? lineStart : regionStart);
    }
    if (role === 'test') this.bindTest(offset, regionStart, regionEnd, result, declaration);
    if (!declaration && !result.testName) {
      // A tag written inside a function body belongs to that function.
      const enclosing = this.enclosingDeclaration(regionStart);
      if (enclosing) {
        const lineStart = this.foundLineStart;
        result.symbol = enclosing;
        result.scope = this.extent(enclosing.span.start.line, lineStart, lineStart);
        if (role === 'test' && isTestName(enclosing.name)) result.testName = enclosing.name.replace(/\./g, ' ');
      }
    }
    return result;
  }

  /** Binds to the test call right below the comment, else to the innermost test call around it. */
  private bindTest(offset: number, regionStart: number, regionEnd: number, result: Binding, declaration: TraceTag['symbol'] | undefined): void {
    const text = this.text;
    const tests = this.scan.tests;
    // Test calls are in text order: find the first that starts at or after the comment's end.
    let index = this.nextTest;
    while (index > 0 && tests[index - 1].start >= regionEnd) index--;
    while (index < tests.length && tests[index].start < regionEnd) index++;
    this.nextTest = index;
    if (index < tests.length) {
      // Only a callee (`it`, `test.each`) may sit between the comment and the call's parenthesis
      // (or its title), which the search cannot pass.
      calleeGap.lastIndex = regionEnd;
      calleeGap.test(text);
      if (calleeGap.lastIndex === tests[index].start) {
        result.testName = this.fullTitle(index);
        result.scope = this.cursor.span(regionStart, tests[index].end);
        return;
      }
    }
    let enclosing = -1;
    for (let at = 0; at < tests.length; at++) {
      const test = tests[at];
      if (test.start <= offset && offset < test.end) enclosing = at;
    }
    if (enclosing !== -1) {
      result.testName = this.fullTitle(enclosing);
      result.scope = this.cursor.span(tests[enclosing].start, tests[enclosing].end);
    } else if (declaration && isTestName(declaration.name)) {
      result.testName = declaration.name.replace(/\./g, ' ');
    }
  }

  /** The extent of the declaration on `line` (which starts at `lineStart`), from `from` to its end. */
  private extent(line: number, lineStart: number, from: number): Span {
    const start = this.cursor.position(from);
    const last = this.extentEnd(this.cursor, line, lineStart);
    return new PackedSpan(start.line, start.character, last, this.extentLength);
  }

  /**
   * The last line of the declaration on `line`: by indentation for Python, Ruby and Lua, by
   * balanced brackets elsewhere (a cheap estimate that ignores brackets inside strings). Sets
   * `extentLength` to that line's length.
   */
  private extentEnd(cursor: LineCursor, line: number, lineStart: number): number {
    const text = this.text;
    const family = this.syntax!.family;
    const lineEnd = cursor.lineEnd(line);
    const lineLength = textLineLength(text, lineStart, lineEnd);
    if (family === 'python' || family === 'ruby' || family === 'lua') {
      let indent = 0;
      while (indent < lineLength && isSpace(text.charCodeAt(lineStart + indent))) indent++;
      let last = line;
      let lastLength = lineLength;
      let at = line;
      for (let end = lineEnd; end < text.length; ) {
        const start = end + 1;
        end = lineEndAt(text, start);
        at++;
        const length = textLineLength(text, start, end);
        let first = start;
        while (first < start + length && isSpace(text.charCodeAt(first))) first++;
        if (first === start + length) continue;
        if (first - start <= indent) {
          if (family !== 'python' && startsWithEnd(text, first, start + length)) {
            last = at;
            lastLength = length;
          }
          break;
        }
        last = at;
        lastLength = length;
      }
      this.extentLength = lastLength;
      return last;
    }
    // Jump between brackets with a native search; a declaration that opens none within a few
    // lines (or ends with `;`) is a one-liner. Once open, only brackets count.
    const lisp = family === 'lisp';
    let brackets = lisp ? parens : braces;
    const open = lisp ? 40 : 123;
    const close = lisp ? 41 : 125;
    brackets.lastIndex = lineStart;
    /** The start of the fifth line from `line`; -1 until needed. */
    let giveUp = -1;
    let depth = 0;
    let opened = false;
    let end = -1;
    while (brackets.test(text)) {
      const index = brackets.lastIndex - 1;
      const c = text.charCodeAt(index);
      if (c === open) {
        depth++;
        if (!opened) {
          opened = true;
          if (!lisp) {
            bracesOnly.lastIndex = brackets.lastIndex;
            brackets = bracesOnly;
          }
        }
      } else if (c === close) {
        depth--;
        if (opened && depth <= 0) {
          end = index;
          break;
        }
      } else if (!opened) {
        end = index;
        break;
      }
      if (!opened) {
        if (giveUp === -1) giveUp = lineStartAfter(text, lineStart, 4);
        if (index >= giveUp) break;
      }
    }
    braces.lastIndex = 0;
    bracesOnly.lastIndex = 0;
    parens.lastIndex = 0;
    if (end === -1 && !opened) {
      this.extentLength = lineLength;
      return line;
    }
    const last = cursor.seek(end === -1 ? text.length : end);
    this.extentLength = cursor.lineLength();
    return last;
  }

  /** The declaration on the comment's own line (after it) or on the next code line. */
  private nextDeclaration(regionStart: number, regionEnd: number): TraceTag['symbol'] | undefined {
    const text = this.text;
    const cursor = this.cursor;
    const startLine = cursor.seek(regionStart);
    for (let at = cursor.start; at < regionStart; at++) {
      const c = text.charCodeAt(at);
      // A trailing comment binds to the declaration on its own line.
      if (c !== 32 && c !== 9 && !isSpace(c)) return this.declarationOn(startLine, cursor.start, cursor.end);
    }
    const line = cursor.seek(Math.max(regionStart, regionEnd - 1));
    if (cursor.end >= text.length) return undefined;
    // Skip blank and comment lines, eight at most.
    asideLines.lastIndex = cursor.end + 1;
    asideLines.test(text);
    const start = asideLines.lastIndex;
    const next = cursor.seek(start);
    if (next - line > 8) return undefined;
    if (cursor.end >= text.length) {
      // The last line has no line break for the search to take: is it blank or a comment too?
      asideLast.lastIndex = start;
      if (asideLast.test(text)) return undefined;
    }
    // A bare `{`, `export {`, `export default {` or `default {` ends the search in JavaScript; the
    // declaration regex matches none of them, so trying it gives the same answer.
    return this.declarationOn(next, start, cursor.end);
  }

  /**
   * The declaration whose body holds the line of `offset` (a tag written inside a function): the
   * enclosing lines of smaller indentation, walked upward, the first declaration among them whose
   * extent reaches the tag.
   */
  private enclosingDeclaration(offset: number): TraceTag['symbol'] | undefined {
    const text = this.text;
    const line = this.cursor.seek(offset);
    let start = this.cursor.start;
    let threshold = indentAt(text, start);
    for (let at = line - 1; at >= 0 && at >= line - 2000 && threshold > 0; at--) {
      const end = start - 1;
      start = start < 2 ? 0 : text.lastIndexOf('\n', start - 2) + 1;
      const indent = indentAt(text, start);
      if (indent < 0 || indent >= threshold) continue;
      threshold = indent;
      const declaration = this.declarationOn(at, start, end);
      if (declaration && this.extentEnd(this.cursor, at, start) >= line) {
        this.foundLineStart = start;
        return declaration;
      }
    }
    return undefined;
  }

  /** The declaration on the first non-blank of the three lines above a docstring. */
  private previousDeclaration(offset: number): TraceTag['symbol'] | undefined {
    const text = this.text;
    const line = this.cursor.seek(offset);
    let start = this.cursor.start;
    for (let at = line - 1; at >= 0 && at >= line - 3; at--) {
      const end = start - 1;
      start = start < 2 ? 0 : text.lastIndexOf('\n', start - 2) + 1;
      let first = start;
      while (first < end && isSpace(text.charCodeAt(first))) first++;
      if (first === end) continue;
      return this.declarationOn(at, start, end);
    }
    return undefined;
  }

  /** The declaration on `line`, `[start, end)` without its line break. */
  private declarationOn(line: number, start: number, end: number): TraceTag['symbol'] | undefined {
    const syntax = this.syntax!;
    // Declarations fit in the start of a line; a long (minified) line is cut so no regex runs long.
    const length = textLineLength(this.text, start, end);
    const content = this.text.slice(start, start + (length > 400 ? 400 : length));
    if (syntax.declarationHint && !syntax.declarationHint(content)) return undefined;
    const match = syntax.declaration.exec(content);
    if (!match) return undefined;
    let groupIndex = 1;
    while (groupIndex < match.length && match[groupIndex] === undefined) groupIndex++;
    const name = match[groupIndex];
    if (!name || isKeyword(name)) return undefined;
    const character = content.indexOf(name, match.index);
    let qualified = name;
    if (syntax.family === 'python') qualified = this.qualifyByIndentation(start, content, name);
    else if (bracedTypes.has(syntax.family) && this.typeLinesOf().length > 0 && !typeDeclaration.test(content)) qualified = this.qualifyByBraces(line, name);
    this.foundLineStart = start;
    return new PlainSymbol(qualified, lineSpan(line, character, character + name.length));
  }

  /**
   * Methods of brace languages are named with their type (`OrderService.submit`): the nearest
   * type declaration above whose braces enclose the method.
   */
  private qualifyByBraces(line: number, name: string): string {
    const typeLines = this.typeLinesOf();
    for (let index = typeLines.length - 1; index >= 0; index--) {
      const type = typeLines[index];
      if (type.line < line && type.end >= line && type.end > type.line) return `${type.name}.${name}`;
    }
    return name;
  }

  /** The type declarations of the file (brace languages), found once with one search over the whole text. */
  private typeLinesOf(): { line: number; name: string; end: number }[] {
    if (!this.typeLines) {
      const text = this.text;
      const typeLines: { line: number; name: string; end: number }[] = [];
      const cursor = new LineCursor(text, this.cursor.starts);
      const anyType = anyTypeDeclaration;
      anyType.lastIndex = 0;
      for (let match = anyType.exec(text); match; match = anyType.exec(text)) {
        // The match starts at a line start, or at the line break before it.
        const index = isLineBreak(text.charCodeAt(match.index)) ? match.index + 1 : match.index;
        const at = cursor.seek(index);
        const resume = anyType.lastIndex;
        typeLines.push({ line: at, name: match[1], end: this.extentEnd(cursor, at, cursor.start) });
        anyType.lastIndex = match[0].length === 0 ? resume + 1 : resume;
      }
      anyType.lastIndex = 0;
      this.typeLines = typeLines;
    }
    return this.typeLines;
  }

  /** Python methods are named with their class: `OrderService.submit`. */
  private qualifyByIndentation(lineStart: number, content: string, name: string): string {
    const text = this.text;
    let indent = content.length - content.trimStart().length;
    let qualified = name;
    for (let start = lineStart; start > 0 && indent > 0; ) {
      const end = start - 1;
      start = start < 2 ? 0 : text.lastIndexOf('\n', start - 2) + 1;
      const length = textLineLength(text, start, end);
      let first = start;
      while (first < start + length && isSpace(text.charCodeAt(first))) first++;
      if (first === start + length) continue;
      const otherIndent = first - start;
      if (otherIndent >= indent) continue;
      const match = /^class\s+([A-Za-z_]\w*)/.exec(text.slice(first, start + length));
      if (match) qualified = `${match[1]}.${qualified}`;
      indent = otherIndent;
    }
    return qualified;
  }
}

/**
 * The tags of comments (`first`) and of titles (`second`) in text order, as a stable sort of the
 * two lists one after the other orders them: merged when each is in order already.
 */
function mergeByStart(first: TraceTag[], firstSorted: boolean, second: TraceTag[], secondSorted: boolean): TraceTag[] {
  if (!firstSorted || !secondSorted) return first.concat(second).sort(byStart);
  if (second.length === 0) return first;
  if (first.length === 0) return second;
  const merged: TraceTag[] = new Array<TraceTag>(first.length + second.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < first.length && j < second.length) merged[k++] = byStart(first[i], second[j]) <= 0 ? first[i++] : second[j++];
  while (i < first.length) merged[k++] = first[i++];
  while (j < second.length) merged[k++] = second[j++];
  return merged;
}

/** The offset where the `count`th line after the one starting at `lineStart` starts; Infinity past the end. */
function lineStartAfter(text: string, lineStart: number, count: number): number {
  let at = lineStart - 1;
  for (let index = 0; index < count; index++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return Infinity;
  }
  return at + 1;
}

/** The indentation (spaces and tabs) of the line starting at `start`, or -1 for a blank line. */
function indentAt(text: string, start: number): number {
  let at = start;
  let c = text.charCodeAt(at);
  while (c === 32 || c === 9) c = text.charCodeAt(++at);
  return at >= text.length || c === 10 || c === 13 ? -1 : at - start;
}

/** `/^end\b/` on the text `[first, last)`. */
function startsWithEnd(text: string, first: number, last: number): boolean {
  return first + 3 <= last && text.startsWith('end', first) && (first + 3 === last || !isWordCode(text.charCodeAt(first + 3)));
}
