/**
 * ReqIF 1.2 (OMG formal/2016-07-01) as a requirement source: `.reqif` files and `.reqifz`
 * archives (a zip of `.reqif` files and attachments), as DOORS, Polarion, Codebeamer, Jama,
 * Capella and StrictDoc export them.
 *
 * - Each SPEC-OBJECT is a requirement. Its ID is the value of the attribute named by
 *   `trace.reqif.idAttribute` (default `ReqIF.ForeignID`), else `ReqIF.ChapterName`, else the
 *   object's IDENTIFIER. Its title is `ReqIF.Name` (else `ReqIF.ChapterName`, else the start of the
 *   text); its text is `ReqIF.Text` (else `ReqIF.Description`), XHTML turned into plain text.
 * - Its artifact type is its SPEC-OBJECT-TYPE's LONG-NAME. Objects of a heading type (a type named
 *   like "Heading", "Chapter", "Section") and objects with neither text nor name are structure,
 *   not requirements.
 * - The SPEC-HIERARCHY of each SPECIFICATION gives the document structure: requirements are listed
 *   in hierarchy order, and each one's `section` is the path of headings and parents above it.
 * - A SPEC-RELATION from A to B is a link of A to B (A derives from or covers B), shown upstream
 *   of A and downstream of B like a Doorstop parent.
 *
 * The XML is streamed through `saxes`: only the object being read and the small maps of
 * definitions are kept, so an export of tens of megabytes is never one string or one tree.
 * Malformed input yields what could be read plus problems, never a throw.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as zlib from 'node:zlib';
import { SaxesParser } from 'saxes';
import { streamTextFile } from '../text/read';
import type { FileFacts, Problem, RequirementDef, Span } from './model';

export const defaultReqifIdAttribute = 'ReqIF.ForeignID';

/** ReqIF files (and archives) larger than this are not read: far above any real export, below what memory allows. */
export const maxReqifBytes = 512 * 1024 * 1024;

export function isReqifPath(filePath: string): boolean {
  return /\.reqifz?$/i.test(filePath);
}

export interface ReqifOptions {
  /** The attribute (LONG-NAME) whose value is a requirement's ID; `ReqIF.ForeignID` by default. */
  idAttribute?: string;
}

interface SpecObject {
  identifier: string;
  type?: string;
  values: Map<string, string>;
  /** Names of the values that are XHTML or strings, in document order (fallbacks for text and title). */
  xhtml: string[];
  strings: string[];
  span: Span;
  endLine: number;
}

const headingType = /\b(heading|chapter|section|title|folder)s?\b/i;
const blockElements = new Set(['p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'table', 'pre', 'blockquote', 'dd', 'dt']);
const maxValueLength = 100000;
const maxProblems = 20;

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/**
 * A streaming reader of one ReqIF document. `write` the text in pieces, then `close` for the
 * requirements. Positions are lines of the document (zero-based).
 */
export class ReqifReader {
  private parser!: SaxesParser;
  private readonly problems: string[] = [];
  private problemCount = 0;
  private readonly stack: string[] = [];
  /** ATTRIBUTE-DEFINITION-* IDENTIFIER → LONG-NAME. */
  private readonly attributeNames = new Map<string, string>();
  /** SPEC-OBJECT-TYPE IDENTIFIER → LONG-NAME. */
  private readonly typeNames = new Map<string, string>();
  /** ENUM-VALUE IDENTIFIER → LONG-NAME. */
  private readonly enumNames = new Map<string, string>();
  private readonly objects = new Map<string, SpecObject>();
  private readonly relations: { source?: string; target?: string; line: number }[] = [];
  /** Spec object identifiers in hierarchy order, with the identifiers of their ancestors. */
  private readonly order: { object: string; ancestors: string[]; specification: string }[] = [];
  private readonly specificationNames: string[] = [];

  private object: SpecObject | undefined;
  private value: { definition?: string; kind: string; text: string; enums: string[]; attribute?: string } | undefined;
  private xhtmlDepth = 0;
  private relation: { source?: string; target?: string; line: number } | undefined;
  private refText = '';
  private hierarchyObjects: (string | undefined)[] = [];
  private specification = '';
  private closed = false;
  private written = false;

  constructor(private readonly options: ReqifOptions = {}) {
    this.nextDocument();
  }

  /**
   * Starts the next document of an archive: its objects, definitions and relations join the
   * earlier documents', since a `.reqifz` may define objects in one file and relate them in another.
   */
  nextDocument(): this {
    if (this.parser && !this.closed && this.written) {
      try {
        this.parser.close();
      } catch (error) {
        this.problem((error as Error).message);
      }
    }
    this.closed = false;
    this.written = false;
    this.stack.length = 0;
    this.object = undefined;
    this.value = undefined;
    this.relation = undefined;
    this.xhtmlDepth = 0;
    this.parser = new SaxesParser({ position: true });
    this.parser.on('error', (error) => this.problem(error.message.replace(/\.$/, '')));
    this.parser.on('opentag', (tag) => this.onOpen(tag.name, tag.attributes as Record<string, string>));
    this.parser.on('closetag', (tag) => this.onClose(tag.name));
    this.parser.on('text', (text) => this.onText(text));
    this.parser.on('cdata', (text) => this.onText(text));
    return this;
  }

  write(chunk: string): this {
    if (this.closed) return this;
    if (chunk.length > 0) this.written = true;
    try {
      this.parser.write(chunk);
    } catch (error) {
      this.problem((error as Error).message);
      this.closed = true;
    }
    return this;
  }

  private problem(message: string): void {
    this.problemCount++;
    if (this.problemCount <= maxProblems) this.problems.push(message);
  }

  private onOpen(rawName: string, attributes: Record<string, string>): void {
    const name = localName(rawName);
    const parent = this.stack[this.stack.length - 1];
    this.stack.push(name);
    if (this.value && this.value.kind === 'XHTML' && this.xhtmlDepth > 0) {
      this.xhtmlDepth++;
      if (blockElements.has(name.toLowerCase())) this.appendValue('\n');
      return;
    }
    if (name.startsWith('ATTRIBUTE-DEFINITION-') && !name.endsWith('-REF') && attributes.IDENTIFIER) {
      this.attributeNames.set(attributes.IDENTIFIER, attributes['LONG-NAME'] ?? attributes.IDENTIFIER);
    } else if (name === 'SPEC-OBJECT-TYPE' && attributes.IDENTIFIER) {
      this.typeNames.set(attributes.IDENTIFIER, attributes['LONG-NAME'] ?? attributes.IDENTIFIER);
    } else if (name === 'ENUM-VALUE' && attributes.IDENTIFIER) {
      this.enumNames.set(attributes.IDENTIFIER, attributes['LONG-NAME'] ?? attributes.IDENTIFIER);
    } else if (name === 'SPEC-OBJECT' && parent === 'SPEC-OBJECTS') {
      const line = Math.max(0, this.parser.line - 1);
      this.object = { identifier: attributes.IDENTIFIER ?? '', values: new Map(), xhtml: [], strings: [], span: { start: { line, character: 0 }, end: { line, character: 0 } }, endLine: line };
      if (attributes['LONG-NAME']) this.object.values.set('#LONG-NAME', attributes['LONG-NAME']);
    } else if (this.object && name.startsWith('ATTRIBUTE-VALUE-')) {
      this.value = { kind: name.slice('ATTRIBUTE-VALUE-'.length), text: attributes['THE-VALUE'] ?? '', enums: [] };
    } else if (this.value && name === 'THE-VALUE' && this.value.kind === 'XHTML') {
      this.xhtmlDepth = 1;
    } else if (name === 'SPEC-RELATION' && parent === 'SPEC-RELATIONS') {
      this.relation = { line: Math.max(0, this.parser.line - 1) };
    } else if (name === 'SPECIFICATION') {
      this.specification = attributes['LONG-NAME'] ?? attributes.IDENTIFIER ?? '';
      this.specificationNames.push(this.specification);
      this.hierarchyObjects = [];
    } else if (name === 'SPEC-HIERARCHY') {
      this.hierarchyObjects.push(undefined);
    }
    if (name.endsWith('-REF')) this.refText = '';
  }

  private onText(text: string): void {
    if (this.value && (this.xhtmlDepth > 0 || this.stack[this.stack.length - 1] === 'THE-VALUE')) {
      this.appendValue(text);
      return;
    }
    const top = this.stack[this.stack.length - 1];
    if (top && top.endsWith('-REF') && this.refText.length < 1000) this.refText += text;
  }

  private appendValue(text: string): void {
    if (this.value && this.value.text.length < maxValueLength) this.value.text += text.slice(0, maxValueLength - this.value.text.length);
  }

  private onClose(rawName: string): void {
    const name = localName(rawName);
    this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (this.value && this.xhtmlDepth > 0) {
      this.xhtmlDepth--;
      if (this.xhtmlDepth > 0) {
        // A block ends its line; `br` is empty and already broke the line where it opened.
        if (blockElements.has(name.toLowerCase()) && name.toLowerCase() !== 'br') this.appendValue('\n');
        return;
      }
    }
    const ref = this.refText.trim();
    if (name.endsWith('-REF')) {
      if (this.value && name.startsWith('ATTRIBUTE-DEFINITION-')) this.value.definition = ref;
      else if (this.value && name === 'ENUM-VALUE-REF') this.value.enums.push(ref);
      else if (this.object && name === 'SPEC-OBJECT-TYPE-REF') this.object.type = ref;
      else if (this.relation && name === 'SPEC-OBJECT-REF' && parent === 'SOURCE') this.relation.source = ref;
      else if (this.relation && name === 'SPEC-OBJECT-REF' && parent === 'TARGET') this.relation.target = ref;
      else if (name === 'SPEC-OBJECT-REF' && parent === 'OBJECT' && this.hierarchyObjects.length > 0) {
        this.hierarchyObjects[this.hierarchyObjects.length - 1] = ref;
        this.order.push({ object: ref, ancestors: this.hierarchyObjects.slice(0, -1).filter((id): id is string => id !== undefined), specification: this.specification });
      }
      this.refText = '';
      return;
    }
    if (this.value && name.startsWith('ATTRIBUTE-VALUE-') && this.object) {
      const definition = this.value.definition ? (this.attributeNames.get(this.value.definition) ?? this.value.definition) : undefined;
      if (definition !== undefined) {
        const text = this.value.kind === 'ENUMERATION' ? this.value.enums.map((id) => this.enumNames.get(id) ?? id).join(', ') : this.value.kind === 'XHTML' ? plainOfXhtml(this.value.text) : this.value.text;
        this.object.values.set(definition, text);
        if (this.value.kind === 'XHTML') this.object.xhtml.push(definition);
        else if (this.value.kind === 'STRING') this.object.strings.push(definition);
      }
      this.value = undefined;
      this.xhtmlDepth = 0;
    } else if (name === 'SPEC-OBJECT' && this.object) {
      this.object.endLine = Math.max(0, this.parser.line - 1);
      if (this.object.identifier) {
        if (this.objects.has(this.object.identifier)) this.problem(`the SPEC-OBJECT IDENTIFIER ${this.object.identifier} is used twice`);
        else this.objects.set(this.object.identifier, this.object);
      } else this.problem(`a SPEC-OBJECT at line ${this.object.span.start.line + 1} has no IDENTIFIER`);
      this.object = undefined;
    } else if (name === 'SPEC-RELATION' && this.relation) {
      this.relations.push(this.relation);
      this.relation = undefined;
    } else if (name === 'SPEC-HIERARCHY') {
      this.hierarchyObjects.pop();
    }
  }

  /** Ends the document: the requirements, in hierarchy order, and the problems met. */
  close(path: string): { requirements: RequirementDef[]; problems: string[] } {
    if (!this.closed && this.written) {
      try {
        this.parser.close();
      } catch (error) {
        this.problem((error as Error).message);
      }
      this.closed = true;
    }
    if (this.problemCount > maxProblems) this.problems.push(`${this.problemCount - maxProblems} more problems`);
    const idOf = new Map<string, string>();
    const isRequirement = new Map<string, boolean>();
    const idAttribute = this.options.idAttribute || defaultReqifIdAttribute;
    for (const object of this.objects.values()) {
      const chosen = nonEmpty(object.values.get(idAttribute)) ?? nonEmpty(object.values.get('ReqIF.ChapterName')) ?? object.identifier;
      idOf.set(object.identifier, chosen.trim());
      const type = object.type ? (this.typeNames.get(object.type) ?? object.type) : '';
      // Headings: of a heading type, or a chapter name with no text (DOORS, Polarion).
      const heading = headingType.test(type) || (nonEmpty(object.values.get('ReqIF.ChapterName')) !== undefined && nonEmpty(textOf(object)) === undefined);
      isRequirement.set(object.identifier, !heading);
    }
    const sectionOf = new Map<string, string[]>();
    const ordered: string[] = [];
    const placed = new Set<string>();
    for (const entry of this.order) {
      if (!this.objects.has(entry.object) || placed.has(entry.object)) continue;
      placed.add(entry.object);
      ordered.push(entry.object);
      const section = [entry.specification, ...entry.ancestors.map((id) => this.objects.get(id)).filter((o): o is SpecObject => o !== undefined).map((o) => nameOf(o) || idOf.get(o.identifier)!)];
      sectionOf.set(entry.object, section.filter((part) => part.length > 0));
    }
    for (const identifier of this.objects.keys()) if (!placed.has(identifier)) ordered.push(identifier);
    const covers = new Map<string, { target: string; line: number }[]>();
    for (const relation of this.relations) {
      if (!relation.source || !relation.target) {
        this.problems.push(`the SPEC-RELATION at line ${relation.line + 1} lacks its ${relation.source ? 'TARGET' : 'SOURCE'}`);
        continue;
      }
      const target = idOf.get(relation.target);
      if (!target || !this.objects.has(relation.source)) {
        this.problems.push(`the SPEC-RELATION at line ${relation.line + 1} names ${target ? relation.source : relation.target}, which no SPEC-OBJECT defines`);
        continue;
      }
      const list = covers.get(relation.source) ?? [];
      list.push({ target, line: relation.line });
      covers.set(relation.source, list);
    }
    const requirements: RequirementDef[] = [];
    for (const identifier of ordered) {
      if (!isRequirement.get(identifier)) continue;
      const object = this.objects.get(identifier)!;
      const text = textOf(object);
      const title = nameOf(object) || firstLine(text) || firstLine(object.strings.map((name) => object.values.get(name) ?? '').find((value) => value.trim()) ?? '');
      const type = object.type ? (this.typeNames.get(object.type) ?? object.type) : 'reqif';
      requirements.push({
        id: idOf.get(identifier)!,
        format: 'reqif',
        artifactType: type || 'reqif',
        title,
        text,
        acceptanceCriteria: [],
        path,
        span: object.span,
        fullSpan: { start: object.span.start, end: { line: object.endLine, character: 0 } },
        needs: [],
        covers: (covers.get(identifier) ?? []).map((link) => ({ target: link.target, span: { start: { line: link.line, character: 0 }, end: { line: link.line, character: 0 } } })),
        depends: [],
        tags: [],
        ...(sectionOf.get(identifier)?.length ? { section: sectionOf.get(identifier) } : {}),
        reqif: { identifier, attributes: Object.fromEntries([...object.values].filter(([key]) => key !== '#LONG-NAME')) },
      });
    }
    return { requirements, problems: this.problems };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value : undefined;
}

function nameOf(object: SpecObject): string {
  return (nonEmpty(object.values.get('ReqIF.Name')) ?? nonEmpty(object.values.get('ReqIF.ChapterName')) ?? nonEmpty(object.values.get('#LONG-NAME')) ?? '').trim();
}

/** `ReqIF.Text`, else `ReqIF.Description`, else the longest XHTML value other than the name. */
function textOf(object: SpecObject): string {
  const named = nonEmpty(object.values.get('ReqIF.Text')) ?? nonEmpty(object.values.get('ReqIF.Description'));
  if (named) return named.trim();
  let longest = '';
  for (const name of object.xhtml) {
    if (name === 'ReqIF.Name' || name === 'ReqIF.ChapterName') continue;
    const value = (object.values.get(name) ?? '').trim();
    if (value.length > longest.length) longest = value;
  }
  return longest;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** XHTML character data as plain text: block ends are line breaks, runs of spaces one space. */
function plainOfXhtml(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Reads a ReqIF text (an open document, or a test) into facts. */
export function extractReqif(path: string, text: string, options: ReqifOptions = {}): Pick<FileFacts, 'requirements' | 'problems'> {
  const reader = new ReqifReader(options).write(text);
  return factsOf(path, reader.close(path));
}

function factsOf(path: string, read: { requirements: RequirementDef[]; problems: string[] }): Pick<FileFacts, 'requirements' | 'problems'> {
  const problems: Problem[] = read.problems.map((message) => ({
    path,
    span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'warning',
    code: 'reqif',
    message: `ReqIF: ${message}`,
  }));
  return { requirements: read.requirements, problems };
}

/** Feeds a buffer to a reader in pieces, decoding UTF-8 across their edges. */
function feed(reader: ReqifReader, buffer: Buffer, decoder: StringDecoder): void {
  const piece = 1 << 20;
  for (let at = 0; at < buffer.length; at += piece) reader.write(decoder.write(buffer.subarray(at, Math.min(buffer.length, at + piece))));
}

/**
 * Reads a `.reqif` or `.reqifz` file from disk, streaming. Every `.reqif` of an archive is read
 * (attachments are left alone); requirements of an archive point to its first line.
 */
export function readReqifFile(path: string, options: ReqifOptions = {}): Pick<FileFacts, 'requirements' | 'problems'> {
  try {
    const stat = fs.statSync(path);
    if (!stat.isFile()) return factsOf(path, { requirements: [], problems: ['not a regular file'] });
    if (stat.size > maxReqifBytes) return factsOf(path, { requirements: [], problems: [`the file has ${stat.size} bytes, over the limit of ${maxReqifBytes}`] });
    if (/\.reqifz$/i.test(path)) return readArchive(path, fs.readFileSync(path), options);
    const reader = new ReqifReader(options);
    streamTextFile(path, (text) => reader.write(text));
    return factsOf(path, reader.close(path));
  } catch (error) {
    return factsOf(path, { requirements: [], problems: [`the file could not be read: ${(error as Error).message}`] });
  }
}

function readArchive(path: string, zip: Buffer, options: ReqifOptions): Pick<FileFacts, 'requirements' | 'problems'> {
  const requirements: RequirementDef[] = [];
  const problems: string[] = [];
  const entries = zipEntries(zip, problems);
  const reqifs = entries.filter((entry) => /\.reqif$/i.test(entry.name) && !entry.name.startsWith('__MACOSX/'));
  if (reqifs.length === 0 && problems.length === 0) problems.push('the archive holds no .reqif file');
  let budget = maxReqifBytes;
  // One reader for every document: objects of one file may be related in another.
  const reader = new ReqifReader(options);
  for (const entry of reqifs) {
    let data: Buffer;
    try {
      data = inflateEntry(zip, entry, budget);
    } catch (error) {
      problems.push(`${entry.name}: ${(error as Error).message}`);
      continue;
    }
    budget -= data.length;
    const decoder = new StringDecoder('utf8');
    reader.nextDocument();
    feed(reader, data, decoder);
    reader.write(decoder.end());
  }
  const read = reader.close(path);
  for (const def of read.requirements) {
    // Lines of a file inside the archive mean nothing to an editor showing the archive.
    def.span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    def.fullSpan = def.span;
    for (const link of def.covers) link.span = def.span;
    requirements.push(def);
  }
  for (const problem of read.problems) problems.push(problem);
  return factsOf(path, { requirements, problems });
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const maxZipEntries = 10000;

/** The entries of a zip's central directory (no ZIP64: ReqIF archives are far below 4 GiB). */
function zipEntries(zip: Buffer, problems: string[]): ZipEntry[] {
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 65535); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) {
    problems.push('not a zip archive (no end of central directory)');
    return [];
  }
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < Math.min(count, maxZipEntries); i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) {
      problems.push('the zip central directory is damaged');
      break;
    }
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, Math.min(zip.length, at + 46 + nameLength)),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function inflateEntry(zip: Buffer, entry: ZipEntry, budget: number): Buffer {
  const at = entry.localOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== 0x04034b50) throw new Error('its local header is damaged');
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, Math.min(zip.length, start + entry.compressedSize));
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new Error(`compression method ${entry.method} is not supported (only stored and deflated)`);
  // The output is bounded, so a small archive cannot expand without limit.
  return zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, Math.min(budget, maxReqifBytes)) });
}
