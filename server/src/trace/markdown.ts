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
import { lineSpan } from './text';

const oftIdLine = new RegExp(`^\`?(${oftIdSource})\`?`);
const oftIdAnywhere = new RegExp(`(?<![\\w~])${oftIdSource}(?![\\w~])`, 'g');
const headingLine = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const underline = /^([=-]{3,})\s*$/;
const codeFence = /^ {0,3}(```|~~~)/;
const oftOff = /(?:^|\W)oft:off(?:\W|$)/u;
const oftOn = /(?:^|\W)oft:on(?:\W|$)/u;
const bulletLine = /^(\s{0,3})[+*-]\s+(.*)$/;
const statusLine = /^Status:\s*(approved|proposed|draft|rejected)\s*$/;
const needsInline = /^Needs:(\s*\w+\s*(?:,\s*\w+\s*)*)$/;
const tagsInline = /^Tags:(\s*\w+\s*(?:,\s*\w+\s*)*)$/;
const forwardLine = new RegExp(`([a-zA-Z]+)\\s*-->\\s*([a-zA-Z]+(?:,\\s*[a-zA-Z]+)*)\\s*:\\s*(${oftIdSource})`);
const givenWhenThen = /^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*)?(?:Given|When|Then|And|But)\b/;
const plainNeedsLine = /^(?:\*\*)?Needs(?:\*\*)?:(?:\*\*)?\s*([A-Za-z]+(?:\s*,\s*[A-Za-z]+)*)\s*$/;
const plainLinkLine = /^\s*(?:\*\*)?(Covers|Derives from|Parent|Parents|Refines|Depends on)(?:\*\*)?\s*:(?:\*\*)?\s*(.*)$/i;

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
  text: string[];
}

/** Reads the requirements of one Markdown file. */
export function extractMarkdown(
  path: string,
  text: string,
  lines: LineIndex,
  idRegex: RegExp,
  plainDefinitions = true,
): { requirements: RequirementDef[]; problems: Problem[] } {
  const requirements: RequirementDef[] = [];
  const problems: Problem[] = [];
  const count = lines.lineCount();
  const starts = lines.lineStarts();
  // What the file cannot hold is not looked for on each line.
  const mayHaveOft = text.includes('~');
  const maySwitch = text.includes('oft:');
  const mayForward = text.includes('-->');
  let inCode = false;
  let fenceLine = -1;
  let disabled = false;
  let pendingTitle: { text: string; line: number } | undefined;
  let oft: OpenOftItem | undefined;
  let plain: OpenPlainItem | undefined;

  const closeOft = (endLine: number): void => {
    if (!oft) return;
    finishOft(oft, lines, endLine);
    oft = undefined;
  };
  const closePlain = (endLine: number): void => {
    if (!plain) return;
    finishPlain(plain, lines, endLine);
    plain = undefined;
  };

  for (let line = 0; line < count; line++) {
    // A byte order mark is read as a space, so positions stay those of the file.
    const content = line === 0 && text.charCodeAt(0) === 0xfeff ? ' ' + lines.lineText(0).slice(1) : lines.lineText(line);
    // `oft:off` … `oft:on` hides a passage from the reader (OpenFastTrace's own switch).
    if (maySwitch && content.includes('oft:')) {
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
    const first = content.trimStart().charCodeAt(0);
    if (!oft && (first === 96 || first === 126) && codeFence.test(content)) {
      inCode = !inCode;
      fenceLine = line;
      continue;
    }
    if (inCode) continue;

    const nextStart = line + 1 < count ? starts[line + 1] : -1;
    const nextFirst = nextStart === -1 ? -1 : text.charCodeAt(nextStart);
    const nextLine = nextFirst === 61 || nextFirst === 45 ? lines.lineText(line + 1) : undefined;
    const heading = first === 35 ? headingLine.exec(content) : null;
    const setext =
      !heading && nextLine !== undefined && underline.test(nextLine) && content.trim().length > 0 && !bulletLine.test(content) && !oftIdLine.test(content);
    if (heading || setext) {
      const titleText = heading ? heading[2] : content.trim();
      const level = heading ? heading[1].length : nextLine!.startsWith('=') ? 1 : 2;
      closeOft(line - 1);
      if (plain && (plain.level === 0 || level <= plain.level)) closePlain(line - 1);
      pendingTitle = { text: titleText, line };
      const defined = plainDefinitions ? plainDefinition(titleText, idRegex) : undefined;
      if (defined) {
        closePlain(line - 1);
        const start = (heading ? content.indexOf(titleText) : content.indexOf(titleText)) + defined.offset;
        plain = openPlain(path, defined, lineSpan(line, start, start + defined.id.length), level, 0);
        requirements.push(plain.def);
      }
      if (setext) line++;
      continue;
    }

    const oftMatch = mayHaveOft && content.includes('~') ? oftIdLine.exec(content) : null;
    if (oftMatch) {
      closeOft(line - 1);
      closePlain(line - 1);
      const parsed = parseOftId(oftMatch[1])!;
      const start = content.indexOf(oftMatch[1]);
      const title = pendingTitle && onlyBlankBetween(lines, pendingTitle.line, line) ? pendingTitle.text : '';
      const def: RequirementDef = {
        id: oftMatch[1],
        format: 'oft',
        artifactType: parsed.artifactType,
        name: parsed.name,
        revision: parsed.revision,
        title,
        text: '',
        acceptanceCriteria: [],
        path,
        span: lineSpan(line, start, start + oftMatch[1].length),
        fullSpan: lineSpan(pendingTitle && title ? pendingTitle.line : line, 0, content.length),
        needs: [],
        covers: [],
        depends: [],
        tags: [],
      };
      requirements.push(def);
      oft = { def, section: 'spec', description: [] };
      pendingTitle = undefined;
      continue;
    }

    const forward = mayForward && content.includes('-->') ? forwardLine.exec(content) : null;
    if (forward) {
      closeOft(line - 1);
      const original = parseOftId(forward[3])!;
      const id = `${forward[1]}~${original.name}~${original.revision}`;
      const start = content.indexOf(forward[1], forward.index);
      const targetStart = content.indexOf(forward[3], forward.index);
      requirements.push({
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
      });
      continue;
    }

    if (oft) {
      readOftLine(oft, content, line, problems);
      continue;
    }
    if (content.trim().length > 0 && pendingTitle && !onlyBlankBetween(lines, pendingTitle.line, line)) pendingTitle = undefined;

    if (first === 124 && plainDefinitions) {
      // A table row whose first cell is an ID defines it: | REQ-7 | Title | Text… |
      const row = tableDefinition(content, idRegex);
      if (row) {
        closePlain(line - 1);
        const def = openPlain(path, row, lineSpan(line, row.offset, row.offset + row.id.length), 0, 0).def;
        def.text = row.text;
        def.fullSpan = lineSpan(line, 0, content.length);
        requirements.push(def);
        continue;
      }
    }
    const bullet = first === 45 || first === 42 || first === 43 ? bulletLine.exec(content) : first >= 48 && first <= 57 ? /^(\s{0,3})\d+[.)]\s+(.*)$/.exec(content) : null;
    if (bullet && plainDefinitions) {
      const defined = plainDefinition(bullet[2], idRegex, true);
      if (defined) {
        if (plain) closePlain(line - 1);
        const start = content.indexOf(bullet[2]) + defined.offset;
        plain = openPlain(path, defined, lineSpan(line, start, start + defined.id.length), 0, bullet[1].length);
        requirements.push(plain.def);
        continue;
      }
    }
    if (plain) {
      if (plain.level === 0 && content.trim().length > 0 && content.length - content.trimStart().length <= plain.indent) {
        closePlain(line - 1);
        continue;
      }
      readPlainLine(plain, content, line, idRegex);
    }
  }
  closeOft(count - 1);
  closePlain(count - 1);
  if (inCode) {
    problems.push({
      path,
      span: lineSpan(fenceLine, 0, lines.lineText(fenceLine).length),
      severity: 'warning',
      code: 'markdown-unclosed-fence',
      message: 'This code block is never closed, so nothing after it is read as a requirement.',
    });
  }
  return { requirements, problems };
}

/** An ID that opens a heading's or list item's text, with the title after it. */
function plainDefinition(content: string, idRegex: RegExp, listItem = false): { id: string; offset: number; title: string } | undefined {
  const lead = /^(?:\*\*|__|`|\[)?/.exec(content)![0];
  idRegex.lastIndex = 0;
  const match = idRegex.exec(content);
  if (match && match.index === lead.length) {
    const rest = content.slice(match.index + match[0].length);
    const after = /^(?:\*\*|__|`|\])?\s*(?:[:.)\u2013\u2014-]|\s|$)\s*(?:\*\*|__)?\s*/.exec(rest);
    if (!after) return undefined;
    if (parseOftId(match[0])) return undefined;
    return { id: match[0], offset: match.index, title: rest.slice(after[0].length).replace(/\s*(?:\*\*|__)\s*$/, '').trim() };
  }
  if (listItem) return undefined;
  const trailing = /[([]\s*([^()[\]\s]+)\s*[)\]]\s*$/.exec(content);
  if (trailing) {
    idRegex.lastIndex = 0;
    const id = idRegex.exec(trailing[1]);
    if (id && id[0] === trailing[1]) {
      return { id: id[0], offset: content.lastIndexOf(trailing[1]), title: content.slice(0, trailing.index).trim() };
    }
  }
  return undefined;
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

function openPlain(path: string, defined: { id: string; title: string }, span: RequirementDef['span'], level: number, indent: number): OpenPlainItem {
  return {
    def: {
      id: defined.id,
      format: 'markdown',
      artifactType: 'req',
      title: defined.title,
      text: '',
      acceptanceCriteria: [],
      path,
      span,
      fullSpan: { start: { line: span.start.line, character: 0 }, end: span.end },
      needs: [],
      covers: [],
      depends: [],
      tags: [],
    },
    level,
    indent,
    text: [],
  };
}

function readPlainLine(item: OpenPlainItem, content: string, line: number, idRegex: RegExp): void {
  const trimmed = content.trim();
  if (trimmed.length === 0) {
    if (item.text.length > 0 && item.text[item.text.length - 1] !== '') item.text.push('');
    return;
  }
  // Dispatch on the first character, so a plain text line costs one test.
  const first = trimmed.charCodeAt(0);
  const isBullet = first === 45 || first === 42 || first === 43 || (first >= 48 && first <= 57);
  if (!isBullet && /^[GWTAB]/.test(trimmed) && givenWhenThen.test(content)) {
    item.def.acceptanceCriteria.push(trimmed);
    return;
  }
  if (trimmed.includes(':')) {
    const needs = plainNeedsLine.exec(trimmed);
    if (needs) {
      item.def.needs.push(...needs[1].split(',').map((t) => t.trim()).filter((t) => t.length > 0));
      return;
    }
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
  if (isBullet && (givenWhenThen.test(content) || /^\s*[-*+]\s+|^\s*\d+[.)]\s+/.test(content))) {
    const criterion = trimmed.replace(/^(?:[-*+]|\d+[.)])\s+/, '').replace(/^\[[ xX]\]\s+/, '');
    if (!/^acceptance criteria:?$/i.test(criterion)) item.def.acceptanceCriteria.push(criterion);
    return;
  }
  if ((first === 65 || first === 97 || first === 42 || first === 95) && /^(?:\*\*|__)?acceptance criteria(?:\*\*|__)?:?(?:\*\*|__)?$/i.test(trimmed)) return;
  item.text.push(trimmed);
}

function finishPlain(item: OpenPlainItem, lines: LineIndex, endLine: number): void {
  const last = lastNonBlank(lines, item.def.span.start.line, endLine);
  item.def.fullSpan = { start: item.def.fullSpan.start, end: { line: last, character: lines.lineText(last).length } };
  item.def.text = joinParagraphs(item.text);
  if (!item.def.title) item.def.title = firstSentence(item.def.text);
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
      const bullet = /^\s{0,3}[+*-](?:.*\W)?([A-Za-z]+)(?:\W.*)?$/.exec(content);
      if (bullet) def.needs.push(bullet[1]);
      else if (trimmed.length === 0) item.section = 'description';
      return;
    }
    case 'tags': {
      const bullet = /^\s{0,3}[+*-]\s*(.*)$/.exec(content);
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

function finishOft(item: OpenOftItem, lines: LineIndex, endLine: number): void {
  const last = lastNonBlank(lines, item.def.span.start.line, endLine);
  item.def.fullSpan = { start: item.def.fullSpan.start, end: { line: last, character: lines.lineText(last).length } };
  const description = joinParagraphs(item.description);
  item.def.text = description;
  item.def.acceptanceCriteria = item.description.filter((l) => givenWhenThen.test(l) || /^[-*+]\s+/.test(l)).map((l) => l.replace(/^[-*+]\s+/, ''));
}

function lastNonBlank(lines: LineIndex, from: number, to: number): number {
  for (let line = Math.min(to, lines.lineCount() - 1); line > from; line--) {
    if (lines.lineText(line).trim().length > 0) return line;
  }
  return from;
}

function onlyBlankBetween(lines: LineIndex, from: number, to: number): boolean {
  for (let line = from + 1; line < to; line++) {
    const content = lines.lineText(line);
    if (content.trim().length > 0 && !underline.test(content)) return false;
  }
  return true;
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
