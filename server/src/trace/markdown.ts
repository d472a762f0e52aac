/**
 * Requirements written in Markdown, in two dialects that may share a file:
 *
 * - Plain requirements: a heading or a list item whose first word is an ID (`## REQ-3: Title`,
 *   `- **REQ-4** Title`), or a heading that ends with the ID in brackets (`## Title [REQ-5]`). The
 *   lines up to the next heading of the same or a higher level (or, for a list item, the lines
 *   indented under it) are its text; bullets and Given/When/Then lines among them are its
 *   acceptance criteria. An ID anywhere else in prose is a reference, not a definition.
 * - OpenFastTrace specification items: a line that starts with an item ID (`` `req~login~1` ``),
 *   titled by the heading just above it, followed by its description and the sections
 *   `Status:`, `Rationale:`, `Comment:`, `Covers:`, `Depends:`, `Needs:` and `Tags:`, and the
 *   forwarding notation `arch --> dsn, impl : req~login~1`. The reading follows OpenFastTrace's
 *   own Markdown importer: the same lines make the same items.
 */
import { oftIdSource, parseOftId } from './ids';
import type { Problem, RequirementDef, RequirementLink } from './model';
import type { LineIndex } from './text';
import { isAsciiLetter, isDigit, isSpace, isWordCode } from '../text/chars';
import { lineSpan } from './text';

const oftIdLine = new RegExp(`^\`?(${oftIdSource})\`?`);
const oftIdAnywhere = new RegExp(`(?<![\\w~])${oftIdSource}(?![\\w~])`, 'g');
const headingLine = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/s;
const oftOff = /(?:^|\W)oft:off(?:\W|$)/u;
const oftOn = /(?:^|\W)oft:on(?:\W|$)/u;
const bulletLine = /^(\s{0,3})[+*-]\s+(.*)$/s;
const numberedLine = /^(\s{0,3})\d+[.)]\s+(.*)$/s;
const statusLine = /^Status:\s*(approved|proposed|draft|rejected)\s*$/;
const needsInline = /^Needs:(\s*\w+\s*(?:,\s*\w+\s*)*)$/;
const tagsInline = /^Tags:(\s*\w+\s*(?:,\s*\w+\s*)*)$/;
const forwardLine = new RegExp(`([a-zA-Z]+)\\s*-->\\s*([a-zA-Z]+(?:,\\s*[a-zA-Z]+)*)\\s*:\\s*(${oftIdSource})`);
const givenWhenThen = /^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*)?(?:Given|When|Then|And|But)\b/;
const afterId = /(?:\*\*|__|`|\])?\s*(?:[:.)\u2013\u2014-]|\s|$)\s*(?:\*\*|__)?\s*/y;
const closingEmphasis = /\s*(?:\*\*|__)\s*$/;
const criteriaLabel = /^acceptance criteria:?$/i;
const criteriaHeading = /^(?:\*\*|__)?acceptance criteria(?:\*\*|__)?:?(?:\*\*|__)?$/i;
/** The words that open a link line of a plain item (`Covers: REQ-1`), in any case, maybe bold. */
export const plainLinkWords = ['Covers', 'Derives from', 'Parent', 'Parents', 'Refines', 'Depends on'];
export const plainLinkLine = new RegExp(`^\\s*(?:\\*\\*)?(${plainLinkWords.join('|')})(?:\\*\\*)?\\s*:(?:\\*\\*)?\\s*(.*)$`, 'is');

/**
 * The character codes a line that `plainLinkLine` matches can start with, after white space: the
 * first letter of a link word in either case, or the `*` of bold. Derived from the same words, so
 * a word added to the expression is never turned away by the shortcut.
 */
export const plainLinkStarts: ReadonlySet<number> = new Set(
  [...plainLinkWords, '**'].flatMap((word) => [word.charCodeAt(0), word[0].toLowerCase().charCodeAt(0), word[0].toUpperCase().charCodeAt(0)]),
);

type OftSection = 'spec' | 'description' | 'rationale' | 'comment' | 'covers' | 'depends' | 'needs' | 'tags';

interface OpenOftItem {
  def: RequirementDef;
  section: OftSection;
  description: string[];
}

interface OpenPlainItem {
  def: RequirementDef;
  /** The heading level (1–6), or 0 for a list item. */
  level: number;
  /** For a list item: the indentation of its bullet; continuation lines are indented more. */
  indent: number;
  /** The text read so far, lines of a paragraph joined by a space, paragraphs by a blank line. */
  text: string;
  /** A blank line came after the text read so far, so the next line starts a paragraph. */
  gap: boolean;
}

/**
 * One file being read: what the reader needs of it (the text, the ID expressions, what the file
 * cannot hold), what it collects (requirements, problems), and what is still open after the last
 * line. Made once per file by a constructor, so every file's state has the same shape and field
 * types, and the optimised code of the line loop fits the next file as well.
 */
class MarkdownRead {
  /** The one plain item open at a time, reused for the next. */
  readonly item: OpenPlainItem = { def: undefined!, level: 0, indent: 0, text: '', gap: false };
  /** Where a heading's trailing ID is reported. */
  readonly defined: Definition = { id: '', offset: 0, title: '' };
  readonly requirements: RequirementDef[] = [];
  readonly problems: Problem[] = [];
  readonly length: number;
  /** After the last line: the OpenFastTrace and plain items still open. */
  oft: OpenOftItem | undefined = undefined;
  plain: OpenPlainItem | undefined = undefined;
  /** After the last line: the last non-blank line and its length (where an open item ends). */
  lastFilled = 0;
  lastFilledLength = 0;
  /** After the last line: the line of a code fence that is never closed (-1 if none) and its length. */
  unclosedFence = -1;
  fenceLength = 0;

  constructor(
    readonly src: string,
    readonly path: string,
    readonly idRegex: RegExp,
    /** `idRegex`, sticky: matches only where asked. */
    readonly idAt: RegExp,
    readonly plainDefinitions: boolean,
    /** No carriage return inside a line, no Unicode line separator: headings and bullets are read without expressions. */
    readonly plainBreaks: boolean,
    /** The places of `~`, `oft:` and `-->`, when the file holds any. */
    readonly tildes: Occurrences | undefined,
    readonly switches: Occurrences | undefined,
    readonly arrows: Occurrences | undefined,
  ) {
    this.length = src.length;
  }
}

/** What opening a plain item needs of the file. */
type PlainFile = MarkdownRead;

/**
 * The criteria and needs of an open plain item until it has some: most items get a list of one
 * of each, made to size when they do, and the others get empty lists of their own when the item
 * ends. Frozen, so that nothing can add to it.
 */
const noEntries: string[] = Object.freeze([]) as unknown as string[];

/** What `openDefinition` did to the open plain item. */
const unchanged = 0;
const closed = 1;
const opened = 2;

/** An ID that opens a heading or list item: the ID, where it starts in the text, and the title after it. */
interface Definition {
  id: string;
  offset: number;
  title: string;
}

/**
 * The next place a fixed string occurs at or after a line's start. Asking line by line, in order,
 * searches the file once instead of once per line.
 */
class Occurrences {
  private at: number;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {
    this.at = text.indexOf(needle);
  }

  /** True when the needle lies within [start, end); `start` never decreases between calls. */
  within(start: number, end: number): boolean {
    if (this.at !== -1 && this.at < start) this.at = this.text.indexOf(this.needle, start);
    return this.at !== -1 && this.at + this.needle.length <= end;
  }
}

/**
 * Reads the requirements of one Markdown file.
 *
 * Lines are read as offsets into the text, found as the loop goes (`lines` is not needed), and a
 * line's text is cut out only where a regular expression reads it or a requirement keeps it.
 */
export function extractMarkdown(
  path: string,
  text: string,
  _lines: LineIndex,
  idRegex: RegExp,
  plainDefinitions = true,
  fastPaths = true,
): { requirements: RequirementDef[]; problems: Problem[] } {
  // A byte order mark is read as a space, so positions stay those of the file.
  const src = text.length > 0 && text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  // Without carriage returns inside lines or Unicode line separators, `.` matches every character
  // of a line, and headings and bullets are read without regular expressions.
  // (`fastPaths: false` reads every file the regular-expression way: the equivalence tests compare the two.)
  const plainBreaks = fastPaths && hasPlainBreaks(text);
  const idAt = stickyCopy(idRegex);
  // What the file cannot hold is not looked for on each line.
  const tildes = text.includes('~') ? new Occurrences(src, '~') : undefined;
  const switches = text.includes('oft:') ? new Occurrences(src, 'oft:') : undefined;
  const arrows = text.includes('-->') ? new Occurrences(src, '-->') : undefined;
  const file = new MarkdownRead(src, path, idRegex, idAt, plainDefinitions, plainBreaks, tildes, switches, arrows);
  readLines(file);
  const { oft, plain, lastFilled, lastFilledLength } = file;
  if (oft !== undefined) finishOft(oft, lastFilled, lastFilledLength);
  if (plain !== undefined) finishPlain(plain, lastFilled, lastFilledLength);
  if (file.unclosedFence !== -1) file.problems.push(unclosedFence(path, file.unclosedFence, file.fenceLength));
  const { requirements, problems } = file;
  return { requirements, problems };
}

/**
 * Reads the lines of a file into `file`. The function is entered once per file and spends its time
 * in its loop, so V8 optimizes it while the first file is read, from what it has seen by then: the
 * state it reads before the loop and writes after it is one object of one shape for every file.
 */
function readLines(file: MarkdownRead): void {
  const { src, length, path, idRegex, plainDefinitions, plainBreaks, tildes, switches, arrows, requirements, problems } = file;
  // The next colon at or after the current line, once looked for.
  let colon = -2;
  const needsSeen: NeedsLine = { text: '', names: [] };
  const heading: Heading = { level: 0, title: '' };
  let inCode = false;
  let inComment = false;
  let fenceLine = -1;
  let fenceLength = 0;
  let disabled = false;
  let pendingTitle = '';
  let pendingTitleLine = -1;
  /** Where the line after the pending title starts. */
  let pendingTitleNext = 0;
  /** Where the last line that is neither blank nor an underline starts. */
  let lastSignificant = -1;
  /** The last non-blank line and its length: where an item that ends before this line ends. */
  let lastFilled = 0;
  let lastFilledLength = 0;
  let oft: OpenOftItem | undefined;
  let plain: OpenPlainItem | undefined;

  // The line [s, e) ends with a line break at `nl` (-1 for the last line); the next starts at `next`.
  let line = 0;
  let next = 0;
  // The line break after the line at `knownFor`, when it was already found (an underline's).
  let knownFor = -1;
  let knownBreak = -1;
  for (let s = 0; s !== -1; s = next, line++) {
    const nl = s === knownFor ? knownBreak : src.indexOf('\n', s);
    next = nl === -1 ? -1 : nl + 1;
    const stop = nl === -1 ? length : nl;
    if (stop === s) {
      // An empty line only separates paragraphs (and ends some OpenFastTrace sections).
      if (disabled || inCode || inComment) continue;
      if (oft !== undefined) readOftLine(oft, '', line, problems);
      else if (plain !== undefined && plain.text.length > 0) plain.gap = true;
      continue;
    }
    const e = src.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    // The first character that is not white space, as `trimStart` and `\s` see white space.
    const lead = s < e ? src.charCodeAt(s) : -1;
    let f = s;
    if (lead !== -1 && (lead <= 32 || lead >= 160)) while (f < e && isSpace(src.charCodeAt(f))) f++;
    // Whether only blank lines and underlines follow a title is known from the last other line,
    // and where an item ends from the last non-blank line.
    const significantBefore = lastSignificant;
    const filled = lastFilled;
    const filledLength = lastFilledLength;
    if (f < e) {
      if (!((lead === 61 || lead === 45) && isUnderline(src, s, e))) lastSignificant = s;
      lastFilled = line;
      lastFilledLength = e - s;
    }
    // `oft:off` … `oft:on` hides a passage from the reader (OpenFastTrace's own switch).
    if (switches !== undefined && switches.within(s, e)) {
      const content = src.slice(s, e);
      if (!disabled && oftOff.test(content)) {
        disabled = true;
        continue;
      }
      if (disabled && oftOn.test(content)) {
        disabled = false;
        continue;
      }
    }
    if (disabled) continue;
    if (f === e) {
      // A blank line only separates paragraphs (and ends some OpenFastTrace sections).
      if (inCode || inComment) continue;
      if (oft !== undefined) readOftLine(oft, src.slice(s, e), line, problems);
      else if (plain !== undefined && plain.text.length > 0) plain.gap = true;
      continue;
    }
    const first = f === s ? lead : src.charCodeAt(f);
    // An HTML comment `<!-- … -->` over several lines renders nothing, so nothing in it is read.
    if (inComment) {
      const close = src.indexOf('-->', f);
      if (close !== -1 && close < e) inComment = false;
      continue;
    }
    if (first === 60 && !inCode && src.startsWith('<!--', f)) {
      const close = src.indexOf('-->', f + 4);
      if (close === -1 || close >= e) {
        inComment = true;
        continue;
      }
    }
    if (oft === undefined && (first === 96 || first === 126) && isFence(src, s, e)) {
      inCode = !inCode;
      fenceLine = line;
      fenceLength = e - s;
      continue;
    }
    if (inCode) continue;

    let level = 0;
    let titleText: string | undefined;
    let setext = false;
    // An ATX heading, or a line above an underline of = or -.
    const atx = first === 35 && readHeading(heading, src, s, e, f, plainBreaks);
    const nextFirst = atx || next === -1 || next >= length ? -1 : src.charCodeAt(next);
    let underlined = false;
    if (nextFirst === 61 || nextFirst === 45) {
      knownFor = next;
      knownBreak = src.indexOf('\n', next);
      const nextStop = knownBreak === -1 ? length : knownBreak;
      underlined = isUnderline(src, next, nextStop > next && src.charCodeAt(nextStop - 1) === 13 ? nextStop - 1 : nextStop);
    }
    if (atx) {
      level = heading.level;
      titleText = heading.title;
    } else if (underlined) {
      titleText = setextTitle(src.slice(s, e));
      if (titleText !== undefined) {
        setext = true;
        level = nextFirst === 61 ? 1 : 2;
      }
    }
    if (titleText !== undefined) {
      if (oft !== undefined) {
        finishOft(oft, filled, filledLength);
        oft = undefined;
      }
      pendingTitle = titleText;
      pendingTitleLine = line;
      pendingTitleNext = next === -1 ? length : next;
      const change = openDefinition(file, plain, filled, filledLength, titleText, level, 0, s, line);
      if (change !== unchanged) plain = change === opened ? file.item : undefined;
      if (setext) {
        // The underline is read with its title.
        line++;
        next = knownBreak === -1 ? -1 : knownBreak + 1;
        const underlineEnd = knownBreak === -1 ? length : knownBreak;
        lastFilled = line;
        lastFilledLength = (underlineEnd > knownFor && src.charCodeAt(underlineEnd - 1) === 13 ? underlineEnd - 1 : underlineEnd) - knownFor;
      }
      continue;
    }

    // `?(type~name~revision)`? at the very start of the line.
    const oftMatch =
      tildes !== undefined && (lead === 96 || isAsciiLetter(lead)) && tildes.within(s, e) ? oftIdLine.exec(src.slice(s, e)) : null;
    if (oftMatch) {
      const content = src.slice(s, e);
      if (oft !== undefined) finishOft(oft, filled, filledLength);
      oft = undefined;
      if (plain !== undefined) finishPlain(plain, filled, filledLength);
      plain = undefined;
      const title = pendingTitleLine >= 0 && significantBefore < pendingTitleNext ? pendingTitle : '';
      oft = newOftItem(path, line, content, oftMatch[1], title, title ? pendingTitleLine : line);
      requirements.push(oft.def);
      pendingTitle = '';
      pendingTitleLine = -1;
      continue;
    }

    const forward = arrows !== undefined && arrows.within(s, e) ? forwardLine.exec(src.slice(s, e)) : null;
    if (forward) {
      const content = src.slice(s, e);
      if (oft !== undefined) finishOft(oft, filled, filledLength);
      oft = undefined;
      requirements.push(forwardDefinition(path, line, content, forward));
      continue;
    }

    if (oft !== undefined) {
      readOftLine(oft, src.slice(s, e), line, problems);
      continue;
    }
    if (pendingTitleLine >= 0 && significantBefore >= pendingTitleNext) {
      pendingTitle = '';
      pendingTitleLine = -1;
    }

    if (first === 124 && plainDefinitions) {
      // A table row whose first cell is an ID defines it: | REQ-7 | Title | Text… |
      const row = tableRowDefinition(path, line, src.slice(s, e), idRegex);
      if (row) {
        if (plain !== undefined) finishPlain(plain, filled, filledLength);
        plain = undefined;
        requirements.push(row);
        continue;
      }
    }
    // A bullet's text, when it may define an item: `- REQ-4: Title`, `1. REQ-5 Title`.
    const bulletText =
      plainDefinitions && (first === 45 || first === 42 || first === 43 || (first >= 48 && first <= 57)) ? bulletTextOf(src, s, e, f, first, plainBreaks) : undefined;
    // The bullet's indentation is the white space before it.
    if (bulletText !== undefined && openDefinition(file, plain, filled, filledLength, bulletText, 0, f - s, s, line) === opened) {
      plain = file.item;
      continue;
    }
    if (plain !== undefined) {
      if (plain.level === 0 && f - s <= plain.indent) {
        finishPlain(plain, filled, filledLength);
        plain = undefined;
        continue;
      }
      if (colon === -2 || (colon !== -1 && colon < s)) colon = src.indexOf(':', s);
      readPlainLine(plain, src, s, e, f, first, line, idRegex, colon !== -1 && colon < e, bulletText, needsSeen);
    }
  }
  file.oft = oft;
  file.plain = plain;
  file.lastFilled = lastFilled;
  file.lastFilledLength = lastFilledLength;
  file.unclosedFence = inCode ? fenceLine : -1;
  file.fenceLength = fenceLength;
}

interface Heading {
  level: number;
  title: string;
}

/** An ATX heading, `## Title ##`: its level and title. */
function readHeading(out: Heading, src: string, s: number, e: number, f: number, plainBreaks: boolean): boolean {
  if (!plainBreaks) {
    const heading = headingLine.exec(src.slice(s, e));
    if (!heading) return false;
    out.level = heading[1].length;
    out.title = heading[2];
    return true;
  }
  // ^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$
  let h = s;
  while (h < e && src.charCodeAt(h) === 32) h++;
  if (h !== f || h - s > 3) return false;
  let t = h;
  while (t < e && src.charCodeAt(t) === 35) t++;
  if (t - h > 6 || t === e || !isSpace(src.charCodeAt(t))) return false;
  out.level = t - h;
  while (t < e && isSpace(src.charCodeAt(t))) t++;
  let r = e;
  while (r > t && isSpace(src.charCodeAt(r - 1))) r--;
  while (r > t && src.charCodeAt(r - 1) === 35) r--;
  while (r > t && isSpace(src.charCodeAt(r - 1))) r--;
  out.title = src.slice(t, r);
  return true;
}

/** The title of a line above an underline, unless the line is a bullet or an OpenFastTrace ID. */
function setextTitle(content: string): string | undefined {
  return bulletLine.test(content) || oftIdLine.test(content) ? undefined : content.trim();
}

/** The text after a bullet's marker (`- `, `1. `), which runs to the end of the line. */
function bulletTextOf(src: string, s: number, e: number, f: number, first: number, plainBreaks: boolean): string | undefined {
  if (!plainBreaks) {
    const content = src.slice(s, e);
    const bullet = first <= 45 ? bulletLine.exec(content) : numberedLine.exec(content);
    return bullet ? bullet[2] : undefined;
  }
  // ^(\s{0,3})[+*-]\s+(.*)$ and ^(\s{0,3})\d+[.)]\s+(.*)$
  if (f - s > 3) return undefined;
  let m = f + 1;
  if (first > 45) {
    while (m < e && isDigit(src.charCodeAt(m))) m++;
    const c = m < e ? src.charCodeAt(m) : -1;
    if (c !== 46 && c !== 41) return undefined;
    m++;
  }
  if (m >= e || !isSpace(src.charCodeAt(m))) return undefined;
  let q = m + 1;
  while (q < e && isSpace(src.charCodeAt(q))) q++;
  return src.slice(q, e);
}

/** An OpenFastTrace item defined by the line `content`, titled by the heading at `titleLine` if `title` is set. */
function newOftItem(path: string, line: number, content: string, id: string, title: string, titleLine: number): OpenOftItem {
  const parsed = parseOftId(id)!;
  const start = content.indexOf(id);
  const def: RequirementDef = {
    id,
    format: 'oft',
    artifactType: parsed.artifactType,
    name: parsed.name,
    revision: parsed.revision,
    title,
    text: '',
    acceptanceCriteria: [],
    path,
    span: lineSpan(line, start, start + id.length),
    fullSpan: lineSpan(titleLine, 0, content.length),
    needs: [],
    covers: [],
    depends: [],
    tags: [],
  };
  return { def, section: 'spec', description: [] };
}

/** The item that `arch --> dsn, impl : req~login~1` forwards. */
function forwardDefinition(path: string, line: number, content: string, forward: RegExpExecArray): RequirementDef {
  const original = parseOftId(forward[3])!;
  const id = `${forward[1]}~${original.name}~${original.revision}`;
  const start = content.indexOf(forward[1], forward.index);
  const targetStart = content.indexOf(forward[3], forward.index);
  return {
    id,
    format: 'oft',
    artifactType: forward[1],
    name: original.name,
    revision: original.revision,
    title: '',
    text: '',
    acceptanceCriteria: [],
    path,
    span: lineSpan(line, start, start + forward[1].length),
    fullSpan: lineSpan(line, 0, content.length),
    needs: forward[2].split(',').map((s) => s.trim()),
    covers: [{ target: forward[3], span: lineSpan(line, targetStart, targetStart + forward[3].length) }],
    depends: [],
    tags: [],
  };
}

/** The requirement a table row defines, if its first cell is an ID. */
function tableRowDefinition(path: string, line: number, content: string, idRegex: RegExp): RequirementDef | undefined {
  const row = tableDefinition(content, idRegex);
  if (!row) return undefined;
  const def = newDefinition(path, row.id, row.title, line, row.offset, [], []);
  def.text = row.text;
  def.fullSpan = lineSpan(line, 0, content.length);
  return def;
}

function unclosedFence(path: string, line: number, length: number): Problem {
  return {
    path,
    span: lineSpan(line, 0, length),
    severity: 'warning',
    code: 'markdown-unclosed-fence',
    message: 'This code block is never closed, so nothing after it is read as a requirement.',
  };
}


/** True when no line holds a carriage return (but at its end) or a Unicode line or paragraph separator. */
function hasPlainBreaks(text: string): boolean {
  if (text.includes('\u2028') || text.includes('\u2029')) return false;
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) {
    if (at + 1 < text.length && text.charCodeAt(at + 1) !== 10) return false;
  }
  return true;
}

/** ^ {0,3}(```|~~~) */
function isFence(src: string, s: number, e: number): boolean {
  let i = s;
  while (i < e && i - s < 4 && src.charCodeAt(i) === 32) i++;
  if (i - s > 3 || i + 3 > e) return false;
  const c = src.charCodeAt(i);
  return (c === 96 || c === 126) && src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === c;
}

/** ^([=-]{3,})\s*$ */
function isUnderline(src: string, s: number, e: number): boolean {
  let i = s;
  while (i < e) {
    const c = src.charCodeAt(i);
    if (c !== 61 && c !== 45) break;
    i++;
  }
  if (i - s < 3) return false;
  while (i < e && isSpace(src.charCodeAt(i))) i++;
  return i === e;
}

/** The criterion keywords by their first character's code. */
const criterionWords: Record<number, string | undefined> = { 71: 'Given', 87: 'When', 84: 'Then', 65: 'And', 66: 'But' };

/** `Given`, `When`, `Then`, `And` or `But` at `at`, as a whole word ending by `end`. */
function criterionWordAt(src: string, at: number, end: number): boolean {
  if (at >= end) return false;
  const word = criterionWords[src.charCodeAt(at)];
  if (word === undefined || !src.startsWith(word, at)) return false;
  return at + word.length >= end || !isWordCode(src.charCodeAt(at + word.length));
}

const stickyCopies = new WeakMap<RegExp, RegExp>();

/** The ID pattern, matching only where it is asked to (at `lastIndex`). */
function stickyCopy(idRegex: RegExp): RegExp {
  let sticky = stickyCopies.get(idRegex);
  if (!sticky) {
    sticky = new RegExp(idRegex.source, idRegex.flags.replace('g', '') + 'y');
    stickyCopies.set(idRegex, sticky);
  }
  return sticky;
}

/** Where the ID that starts at `at` in `text` ends, or -1 when none starts there. */
function idEndAt(idAt: RegExp, text: string, at: number): number {
  idAt.lastIndex = at;
  return idAt.test(text) ? idAt.lastIndex : -1;
}

/**
 * At a heading (`level` 1–6) or a list item (`level` 0) whose text is `content`, on `line` that
 * starts at `s`: a heading ends the open item of its level or a deeper one, and a text whose first
 * word is an ID (after opening emphasis, code or bracket), or a heading that ends with one in
 * brackets, ends the open item and opens `file.item` for the requirement it defines. The ID
 * pattern's first match must start right after the opening emphasis, if any.
 *
 * This is one function, too large for V8 to inline into the line loop, on purpose: the objects it
 * makes are soon allocated where long-lived ones are, and code that made them inline would be
 * thrown away when V8 decides so; the loop keeps its optimized code.
 */
function openDefinition(
  file: PlainFile,
  open: OpenPlainItem | undefined,
  filled: number,
  filledLength: number,
  content: string,
  level: number,
  indent: number,
  s: number,
  line: number,
): number {
  let change = unchanged;
  if (level > 0 && open !== undefined && (open.level === 0 || level <= open.level)) {
    finishPlain(open, filled, filledLength);
    open = undefined;
    change = closed;
  }
  if (!file.plainDefinitions) return change;
  const idAt = file.idAt;
  const n = content.length;
  // ^(?:\*\*|__|`|\[)?
  const c0 = n > 0 ? content.charCodeAt(0) : -1;
  const lead = (c0 === 42 || c0 === 95) && n > 1 && content.charCodeAt(1) === c0 ? 2 : c0 === 96 || c0 === 91 ? 1 : 0;
  let idEnd = -1;
  let earlier = false;
  for (let at = 0; at < lead && !earlier; at++) earlier = idEndAt(idAt, content, at) !== -1;
  if (!earlier) idEnd = idEndAt(idAt, content, lead);
  let id: string;
  let offset: number;
  let title: string;
  if (idEnd !== -1) {
    // The separator after the ID and the emphasis around it, up to the title.
    afterId.lastIndex = idEnd;
    if (!afterId.test(content)) return change;
    const p = afterId.lastIndex;
    id = content.slice(lead, idEnd);
    if (parseOftId(id)) return change;
    offset = lead;
    // The rest, without closing emphasis and trimmed; it starts with no white space already.
    const last = n > p ? content.charCodeAt(n - 1) : -1;
    title = last === 42 || last === 95 || isSpace(last) ? content.slice(p).replace(closingEmphasis, '').trim() : content.slice(p);
  } else {
    const defined = file.defined;
    if (level === 0 || !trailingDefinition(defined, content, idAt)) return change;
    id = defined.id;
    offset = defined.offset;
    title = defined.title;
  }
  if (open !== undefined) finishPlain(open, filled, filledLength);
  const start = file.src.indexOf(content, s) - s + offset;
  const item = file.item;
  item.def = newDefinition(file.path, id, title, line, start, noEntries, noEntries);
  item.level = level;
  item.indent = indent;
  item.text = '';
  item.gap = false;
  file.requirements[file.requirements.length] = item.def;
  return opened;
}

/** A heading that ends with its ID in brackets: `## Title [REQ-5]`, `## Title (REQ-5)`. */
function trailingDefinition(out: Definition, content: string, idAt: RegExp): boolean {
  const trailing = /[([]\s*([^()[\]\s]+)\s*[)\]]\s*$/.exec(content);
  if (!trailing || idEndAt(idAt, trailing[1], 0) !== trailing[1].length) return false;
  out.id = trailing[1];
  out.offset = content.lastIndexOf(trailing[1]);
  out.title = content.slice(0, trailing.index).trim();
  return true;
}

/** A table row that starts with an ID cell: the ID, its offset, the next cell as title, the rest as text. */
function tableDefinition(content: string, idRegex: RegExp): { id: string; offset: number; title: string; text: string } | undefined {
  const cells = content.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
  if (cells.length < 2) return undefined;
  const cell = cells[0].trim().replace(/^(?:\*\*|__|`)(.*)(?:\*\*|__|`)$/, '$1');
  idRegex.lastIndex = 0;
  const match = idRegex.exec(cell);
  if (!match || match[0] !== cell || parseOftId(cell)) return undefined;
  return {
    id: cell,
    offset: content.indexOf(cell),
    title: cells[1].trim(),
    text: cells
      .slice(2)
      .map((c) => c.trim())
      .filter((c) => c.length > 0)
      .join(' '),
  };
}

/**
 * A Markdown requirement whose ID is at [start, start + id.length) of `line`. Its parts are made
 * one by one: object literals that nest others are copied by the runtime until the function is
 * optimized, flat ones are not. The full span ends where the ID does until the item's end is known.
 */
function newDefinition(path: string, id: string, title: string, line: number, start: number, acceptanceCriteria: string[], needs: string[]): RequirementDef {
  const span = lineSpan(line, start, start + id.length);
  const fullSpan = lineSpan(line, 0, start + id.length);
  const covers: RequirementLink[] = [];
  const depends: RequirementLink[] = [];
  const tags: string[] = [];
  return { id, format: 'markdown', artifactType: 'req', title, text: '', acceptanceCriteria, path, span, fullSpan, needs, covers, depends, tags };
}

/**
 * One non-blank line of a plain item, the line [s, e) of `src` whose first non-blank character is
 * at `f`. `bulletText`, when set, is the text of the line's bullet (which ends where the line ends).
 */
function readPlainLine(
  item: OpenPlainItem,
  src: string,
  s: number,
  e: number,
  f: number,
  first: number,
  line: number,
  idRegex: RegExp,
  hasColon: boolean,
  bulletText: string | undefined,
  needsSeen: NeedsLine,
): void {
  // The line trimmed is [f, t).
  let t = e;
  const last = src.charCodeAt(t - 1);
  if (last <= 32 || last >= 160) while (isSpace(src.charCodeAt(t - 1))) t--;
  // Dispatch on the first character, so a plain text line costs few tests.
  const isBullet = first === 45 || first === 42 || first === 43 || (first >= 48 && first <= 57);
  if (!isBullet && (first === 71 || first === 87 || first === 84 || first === 65 || first === 66) && criterionWordAt(src, f, e)) {
    addCriterion(item.def, src.slice(f, t));
    return;
  }
  if (hasColon) {
    if (first === 78 || first === 42) {
      // A line like the last `Needs:` line read is not read again: such lines tend to repeat.
      if (needsSeen.text.length === t - f && src.startsWith(needsSeen.text, f)) {
        addNeeds(item.def, needsSeen.names);
        return;
      }
      if (readNeeds(item.def, src, f, t, needsSeen)) return;
    }
    // A link word (Covers, Depends on, …), in any case, maybe bold.
    if (plainLinkStarts.has(first)) {
      const content = src.slice(s, e);
      const link = plainLinkLine.exec(content);
      if (link) {
        const offset = content.length - link[2].length;
        idRegex.lastIndex = 0;
        for (let match = idRegex.exec(link[2]); match; match = idRegex.exec(link[2])) {
          const start = offset + match.index;
          item.def.covers.push({ target: match[0], span: lineSpan(line, start, start + match[0].length) });
        }
        return;
      }
    }
  }
  if (isBullet) {
    // The end of a bullet marker at `f` ([-*+] or \d+[.)]), or -1.
    let m = -1;
    if (first <= 45) m = f + 1;
    else {
      let d = f + 1;
      while (d < e && isDigit(src.charCodeAt(d))) d++;
      const c = d < e ? src.charCodeAt(d) : -1;
      if (c === 46 || c === 41) m = d + 1;
    }
    // A marker followed by white space, or a bold Given/When/Then.
    const marked = m !== -1 && m < e && isSpace(src.charCodeAt(m));
    if (marked || (first === 42 && f + 1 < e && src.charCodeAt(f + 1) === 42 && criterionWordAt(src, f + 2, e))) {
      // The trimmed line without the marker and its space, and without a check box: [ ], [x].
      let c = f;
      if (m !== -1 && m < t && isSpace(src.charCodeAt(m))) {
        c = m + 1;
        while (isSpace(src.charCodeAt(c))) c++;
      }
      if (c + 3 < t && src.charCodeAt(c) === 91 && src.charCodeAt(c + 2) === 93 && isSpace(src.charCodeAt(c + 3))) {
        const mark = src.charCodeAt(c + 1);
        if (mark === 32 || mark === 120 || mark === 88) {
          c += 4;
          while (isSpace(src.charCodeAt(c))) c++;
        }
      }
      // The bullet's text runs to the end of the line: it is the criterion when no space or box is cut.
      const criterion = bulletText !== undefined && t === e && e - c === bulletText.length ? bulletText : src.slice(c, t);
      const lead = criterion.charCodeAt(0);
      if (!((lead === 97 || lead === 65) && criteriaLabel.test(criterion))) addCriterion(item.def, criterion);
      return;
    }
  }
  const trimmed = src.slice(f, t);
  if ((first === 65 || first === 97 || first === 42 || first === 95) && criteriaHeading.test(trimmed)) return;
  item.text = item.text.length === 0 ? trimmed : item.gap ? `${item.text}\n\n${trimmed}` : `${item.text} ${trimmed}`;
  item.gap = false;
}

/** The last `Needs:` line read, and the artifact types it names. */
interface NeedsLine {
  text: string;
  names: string[];
}

/**
 * `Needs: impl, utest` on the trimmed line [f, t), maybe bold; adds the artifact types and says
 * whether the line was one. As ^(?:\*\*)?Needs(?:\*\*)?:(?:\*\*)?\s*([A-Za-z]+(?:\s*,\s*[A-Za-z]+)*)\s*$
 * The line becomes `seen`, the last one read.
 */
function readNeeds(def: RequirementDef, src: string, f: number, t: number, seen: NeedsLine): boolean {
  let p = skipBold(src, f, t);
  if (!src.startsWith('Needs', p)) return false;
  p = skipBold(src, p + 5, t);
  if (p >= t || src.charCodeAt(p) !== 58) return false;
  p = skipBold(src, p + 1, t);
  while (p < t && isSpace(src.charCodeAt(p))) p++;
  // Check the whole list before taking any of it.
  const from = p;
  for (;;) {
    const word = p;
    while (p < t && isAsciiLetter(src.charCodeAt(p))) p++;
    if (p === word) return false;
    while (p < t && isSpace(src.charCodeAt(p))) p++;
    if (p === t) break;
    if (src.charCodeAt(p) !== 44) return false;
    p++;
    while (p < t && isSpace(src.charCodeAt(p))) p++;
  }
  const names: string[] = [];
  for (p = from; p < t; ) {
    const word = p;
    while (p < t && isAsciiLetter(src.charCodeAt(p))) p++;
    names.push(src.slice(word, p));
    while (p < t && !isAsciiLetter(src.charCodeAt(p))) p++;
  }
  addNeeds(def, names);
  seen.text = src.slice(f, t);
  seen.names = names;
  return true;
}

/**
 * Most items have one criterion and one `Needs:` line: their lists are made to size rather than
 * grown, which would leave room for 16 more in each of thousands of kept items.
 */
function addCriterion(def: RequirementDef, criterion: string): void {
  if (def.acceptanceCriteria.length === 0) def.acceptanceCriteria = [criterion];
  else def.acceptanceCriteria.push(criterion);
}

function addNeeds(def: RequirementDef, names: string[]): void {
  if (def.needs.length === 0) def.needs = names.slice();
  else for (let i = 0; i < names.length; i++) def.needs.push(names[i]);
}

/** Past `**` at `at`, if it is there before `end`. */
function skipBold(src: string, at: number, end: number): number {
  return at + 1 < end && src.charCodeAt(at) === 42 && src.charCodeAt(at + 1) === 42 ? at + 2 : at;
}

/**
 * Ends a plain item whose last non-blank line is `last`, `lastLength` long: its full span runs
 * there, its text is complete, and a missing title is taken from the text.
 */
function finishPlain(item: OpenPlainItem, last: number, lastLength: number): void {
  const def = item.def;
  if (def.acceptanceCriteria === noEntries) def.acceptanceCriteria = [];
  if (def.needs === noEntries) def.needs = [];
  def.fullSpan.end = { line: last, character: lastLength };
  def.text = item.text;
  if (!def.title) def.title = firstSentence(def.text);
}

function readOftLine(item: OpenOftItem, content: string, line: number, problems: Problem[]): void {
  const trimmed = content.trim();
  const def = item.def;
  const status = statusLine.exec(content);
  if (status && item.section === 'spec') {
    def.itemStatus = status[1];
    return;
  }
  if (/^Rationale:\s*$/.test(content)) return void (item.section = 'rationale');
  if (/^Comment:\s*$/.test(content)) return void (item.section = 'comment');
  if (/^Covers:\s*$/.test(content)) return void (item.section = 'covers');
  if (/^Depends:\s*$/.test(content)) return void (item.section = 'depends');
  if (/^Description:\s*$/.test(content)) return void (item.section = 'description');
  const needs = needsInline.exec(content);
  if (needs) {
    def.needs.push(...needs[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0));
    item.section = 'spec';
    return;
  }
  if (/^Needs:\s*$/.test(content)) return void (item.section = 'needs');
  const tags = tagsInline.exec(content);
  if (tags) {
    def.tags.push(...tags[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0));
    item.section = 'tags';
    return;
  }
  if (/^Tags:\s*$/.test(content)) return void (item.section = 'tags');
  switch (item.section) {
    case 'covers':
    case 'depends': {
      const link = bulletReference(content, line);
      if (link) (item.section === 'covers' ? def.covers : def.depends).push(link);
      else if (/^\s{0,3}[+*-]\s+\S/.test(content)) {
        problems.push({
          path: def.path,
          span: lineSpan(line, 0, content.length),
          severity: 'warning',
          code: 'oft-bad-reference',
          message: `This ${item.section === 'covers' ? '`Covers:`' : '`Depends:`'} entry names no item ID of the form \`type~name~revision\`.`,
        });
      }
      return;
    }
    case 'needs': {
      const bullet = /^\s{0,3}[+*-](?:.*\W)?([A-Za-z]+)(?:\W.*)?$/s.exec(content);
      if (bullet) def.needs.push(bullet[1]);
      else if (trimmed.length === 0) item.section = 'description';
      return;
    }
    case 'tags': {
      const bullet = /^\s{0,3}[+*-]\s*(.*)$/s.exec(content);
      if (bullet) def.tags.push(bullet[1].trim());
      else if (trimmed.length === 0) item.section = 'spec';
      return;
    }
    case 'spec':
      if (trimmed.length === 0) return;
      item.section = 'description';
      item.description.push(trimmed);
      return;
    case 'description':
      item.description.push(trimmed);
      return;
    default:
      return;
  }
}

/** The ID in a bullet of a `Covers:` or `Depends:` list (the last one, as OpenFastTrace reads it). */
function bulletReference(content: string, line: number): RequirementLink | undefined {
  if (!/^\s{0,3}[+*-]/.test(content)) return undefined;
  let last: RegExpExecArray | undefined;
  oftIdAnywhere.lastIndex = 0;
  for (let match = oftIdAnywhere.exec(content); match; match = oftIdAnywhere.exec(content)) last = match;
  if (!last) return undefined;
  return { target: last[0], span: lineSpan(line, last.index, last.index + last[0].length) };
}

function finishOft(item: OpenOftItem, last: number, lastLength: number): void {
  item.def.fullSpan.end = { line: last, character: lastLength };
  const description = joinParagraphs(item.description);
  item.def.text = description;
  item.def.acceptanceCriteria = item.description.filter((l) => givenWhenThen.test(l) || /^[-*+]\s+/.test(l)).map((l) => l.replace(/^[-*+]\s+/, ''));
}

/** Lines joined into paragraphs: lines of one paragraph by a space, paragraphs by a blank line. */
function joinParagraphs(parts: string[]): string {
  let out = '';
  let blank = false;
  for (const part of parts) {
    if (part === '') {
      blank = out.length > 0;
      continue;
    }
    out += out.length === 0 ? part : blank ? `\n\n${part}` : ` ${part}`;
    blank = false;
  }
  return out;
}

function firstSentence(text: string): string {
  const match = /^(.*?[.!?])(?:\s|$)/.exec(text);
  const sentence = match ? match[1] : text.split('\n')[0];
  return sentence.length > 120 ? sentence.slice(0, 117) + '...' : sentence;
}
