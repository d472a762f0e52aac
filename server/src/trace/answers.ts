/**
 * The answers: the index and the status rules turned into the protocol's result shapes (plain
 * JSON, the same for the editor and the CLI) and into each file's problems. Nothing here changes
 * the index; the caches kept here (problems per file, tag bindings per file's facts) are dropped
 * when the index says so.
 */
import type {
  CodeCoverage,
  CoverageResult,
  Defect,
  LinkedRequirement,
  Location,
  RequirementsParams,
  RequirementStatus,
  RequirementSummary,
  RequirementTrace,
  StatusCounts,
  TraceAtResult,
  TraceLink,
} from '../../../protocol/trace';
import type { TagBinding } from './extract';
import { tagOfLink, type IndexView, type Item, type RawLink } from './graphIndex';
import { idPrefix, isTestArtifactType, parseOftId } from './ids';
import type { FileFacts, FileSpan, Position, Problem, RequirementDef, Severity, Span, TraceTag } from './model';
import { isSuspect, type RawDefect, type StatusRules } from './status';
import { refineBindings } from './symbols';
import { spanContains } from './text';

export interface AnswerOptions {
  /** Turns a path into the URI of protocol Locations. */
  toUri(path: string): string;
  /** How an uncovered requirement is reported among a file's problems; `warning` by default. */
  uncoveredSeverity?: Severity;
  /**
   * The current text of a file, when the caller can give it: used lazily to bind TypeScript and
   * JavaScript tags to their exact symbol (`OrderService.submit`) for `trace` and `traceAt`.
   */
  readText?(path: string): string | undefined;
  /**
   * The bindings of the tags of a file whose facts defer them (`bindingsDeferred`), from the file's
   * current text (`bindTags` of `extract.ts`, with the options the file was read with).
   */
  bindTags?(path: string, tags: readonly TraceTag[]): Map<TraceTag, TagBinding> | undefined;
  /** The coverage of a requirement's implementation (`testing/coverage/join.ts`); absent: none is known. */
  codeCoverage?(id: string, targets: () => CoverageTargets, graphVersion: number): CodeCoverage | null;
}

/** What a requirement's code coverage is measured over: its implementing code and its tests. */
export interface CoverageTargets {
  /** The extent of each implementing symbol outside test files. */
  implementations: FileSpan[];
  tests: { path: string; testName?: string }[];
}

/** A place an ID is written, and the ID written there. */
export interface RenameSite extends FileSpan {
  id: string;
  /** For definitions: the format of the requirement defined there. */
  format?: RequirementDef['format'];
}

const statusOrder: RequirementStatus[] = ['unimplemented', 'untested', 'failing', 'covered', 'verified'];

const zeroSpan: Span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export class TraceAnswers {
  private readonly problemCache = new Map<string, Problem[]>();
  private readonly refined = new WeakMap<FileFacts, Map<TraceTag, TagBinding>>();
  /** The bindings of files whose facts defer them, computed on first use. */
  private readonly bound = new WeakMap<FileFacts, Map<TraceTag, TagBinding>>();
  private listedCache: { version: number; ids: string[] } | undefined;

  constructor(
    private readonly index: IndexView,
    private readonly rules: StatusRules,
    public options: AnswerOptions,
  ) {}

  /** The problems of this file are stale. */
  dropProblems(path: string): void {
    this.problemCache.delete(path);
  }

  dropAllProblems(): void {
    this.problemCache.clear();
  }

  /** The bindings found from a file's text are stale (its text changed, its facts did not). */
  dropBindings(facts: FileFacts): void {
    this.refined.delete(facts);
    this.bound.delete(facts);
  }

  /** One requirement's summary, without a trace's lists: cheap also for an ID defined thousands of times. Null for an unknown ID. */
  summaryOf(id: string): RequirementSummary | null {
    return (this.index.items.get(id)?.length ?? 0) > 0 ? this.summary(id) : null;
  }

  private summary(id: string): RequirementSummary {
    const items = this.index.items.get(id) ?? [];
    const first = items[0];
    const computed = this.rules.computed(id);
    return {
      id,
      title: titleOf(first),
      format: first?.def?.format ?? 'oft',
      artifactType: first?.artifactType ?? '',
      status: computed.status,
      defects: [...new Set(computed.defects.map((d) => d.kind))],
      implementations: computed.implementations.length,
      tests: computed.tests.length,
      location: this.location(first?.path ?? '', first?.span ?? zeroSpan),
      codeCoverage: this.options.codeCoverage?.(id, () => this.coverageTargets(id), this.index.version) ?? null,
    };
  }

  /** The code a requirement's coverage is measured over, with the cheap per-language bindings. */
  private coverageTargets(id: string): CoverageTargets {
    const computed = this.rules.computed(id);
    const implementations: FileSpan[] = [];
    for (const link of computed.implementations) {
      const tag = tagOfLink(link);
      if (!tag || tag.role === 'test') continue;
      const scope = this.cheapBindingOf(tag, this.index.factsByFile.get(tag.path)).scope;
      if (scope) implementations.push({ path: tag.path, span: scope });
    }
    const tests = computed.tests.map((link) => ({ path: link.path, testName: tagOfLink(link)?.testName }));
    return { implementations, tests };
  }

  private location(path: string, span: Span): Location {
    return { uri: this.options.toUri(path), range: { start: { ...span.start }, end: { ...span.end } } };
  }

  /** Listed requirements, in a stable order (file, then line); the unfiltered list is kept per version. */
  private listedIds(under?: (path: string) => boolean): string[] {
    if (!under && this.listedCache?.version === this.index.version) return this.listedCache.ids;
    const ids: string[] = [];
    const paths = [...this.index.itemsByFile.keys()].sort();
    for (const path of paths) {
      if (under && !under(path)) continue;
      for (const item of this.index.itemsByFile.get(path)!) {
        if (!item.listed) continue;
        const first = this.index.items.get(item.id)?.[0];
        if (first === item) ids.push(item.id);
      }
    }
    if (!under) this.listedCache = { version: this.index.version, ids };
    return ids;
  }

  /** Listed requirements filtered by the params; `under` keeps those defined in matching files. */
  requirements(params: RequirementsParams, under?: (path: string) => boolean): RequirementSummary[] {
    const query = params.query?.toLowerCase();
    const out: RequirementSummary[] = [];
    for (const id of this.listedIds(under)) {
      const summary = this.summary(id);
      if (params.status && params.status.length > 0 && !params.status.includes(summary.status)) continue;
      if (params.artifactTypes && params.artifactTypes.length > 0 && !params.artifactTypes.includes(summary.artifactType)) continue;
      if (query && !summary.id.toLowerCase().includes(query) && !summary.title.toLowerCase().includes(query)) continue;
      if (params.gapsOnly && isComplete(summary)) continue;
      out.push(summary);
    }
    return out;
  }

  /** Everything known about one requirement; null when no file defines the ID. */
  trace(id: string): RequirementTrace | null {
    const items = this.index.items.get(id);
    if (!items || items.length === 0) return null;
    const first = items[0];
    const computed = this.rules.computed(id);
    const upstream: LinkedRequirement[] = [];
    const seenUp = new Set<string>();
    for (const item of items) {
      for (const link of item.covers) {
        if (seenUp.has(link.target)) continue;
        seenUp.add(link.target);
        upstream.push(this.linked(link.target, isSuspect(link, this.index.items.get(link.target)?.[0])));
      }
    }
    const downstream: LinkedRequirement[] = [];
    const seenDown = new Set<string>();
    for (const covering of this.coveringItems(id)) {
      if (seenDown.has(covering.id) || (covering.tag && !covering.listed)) continue;
      seenDown.add(covering.id);
      const link = covering.covers.find((l) => l.target === id);
      downstream.push(this.linked(covering.id, link ? isSuspect(link, first) : undefined));
    }
    downstream.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      requirement: this.summary(id),
      ...(first.def?.section ? { section: first.def.section } : {}),
      text: first.def?.text ?? '',
      acceptanceCriteria: first.def?.acceptanceCriteria ?? [],
      needs: [...first.needs],
      ...(first.def?.itemStatus !== undefined ? { itemStatus: first.def.itemStatus } : {}),
      tags: [...(first.def?.tags ?? [])],
      depends: (first.def?.depends ?? []).map((link) => this.linked(link.target, undefined)),
      definitions: items.map((item) => this.location(item.path, item.span)),
      implementations: sortLinks(computed.implementations).map((link) => this.traceLink(link)),
      tests: sortLinks(computed.tests).map((link) => this.traceLink(link)),
      upstream,
      downstream,
      defects: computed.defects.map((d) => this.defect(d)),
    };
  }

  /** The items that cover the ID, this revision or another. */
  private coveringItems(id: string): Item[] {
    return [...(this.index.coveredBy.get(id) ?? []), ...this.index.otherLinkTargets(id).flatMap((t) => this.index.coveredBy.get(t) ?? [])];
  }

  private linked(id: string, suspect: boolean | undefined): LinkedRequirement {
    const first = this.index.items.get(id)?.[0];
    const linked: LinkedRequirement = { id, title: titleOf(first), status: this.rules.computed(id).status };
    if (first) linked.location = this.location(first.path, first.span);
    if (suspect !== undefined) linked.suspect = suspect;
    return linked;
  }

  private traceLink(link: RawLink): TraceLink {
    const tag = tagOfLink(link);
    const kind = tag ? tag.kind : 'oft';
    const out: TraceLink = { location: this.location(link.path, link.span), kind, artifactType: link.artifactType };
    const binding = tag ? this.bindingOf(tag) : undefined;
    if (binding?.symbol) out.symbol = binding.symbol.name;
    if (tag?.testName) out.testName = tag.testName;
    if (kind !== 'implements' && (tag?.role === 'test' || isTestArtifactType(link.artifactType))) {
      const result = this.rules.resultOf(link.path, tag?.testName);
      if (result) out.result = result;
    }
    return out;
  }

  /** A tag's binding, refined by the TypeScript parser when the file's text is at hand. */
  private bindingOf(tag: TraceTag): TagBinding {
    const facts = this.index.factsByFile.get(tag.path);
    if (!facts || !this.options.readText || !/\.(?:[cm]?[jt]sx?)$/i.test(tag.path)) return this.cheapBindingOf(tag, facts);
    let refined = this.refined.get(facts);
    if (!refined) {
      const text = this.options.readText(tag.path);
      refined = text === undefined ? new Map() : refineBindings(tag.path, text, facts.tags);
      this.refined.set(facts, refined);
    }
    return refined.get(tag) ?? this.cheapBindingOf(tag, facts);
  }

  /** A tag's binding by the per-language rules: its own, or found on first use when its file's were deferred. */
  private cheapBindingOf(tag: TraceTag, facts: FileFacts | undefined): TagBinding {
    if (!facts?.bindingsDeferred || !this.options.bindTags) return tag;
    let bound = this.bound.get(facts);
    if (!bound) {
      bound = this.options.bindTags(facts.path, facts.tags) ?? new Map();
      this.bound.set(facts, bound);
    }
    return bound.get(tag) ?? tag;
  }

  /** How diagnostics show a defect of this kind (`problems` below reports them so). */
  private severityOf(kind: Defect['kind']): Severity {
    if (kind === 'duplicate') return 'error';
    if (kind === 'uncovered') return this.options.uncoveredSeverity ?? 'warning';
    return 'warning';
  }

  private defect(raw: RawDefect): Defect {
    const defect: Defect = { kind: raw.kind, severity: this.severityOf(raw.kind), message: raw.message };
    if (raw.path !== undefined && raw.span) defect.location = this.location(raw.path, raw.span);
    if (raw.relatedId !== undefined) defect.relatedId = raw.relatedId;
    return defect;
  }

  /** The requirement named at a position, else those served by the symbol or test around it. */
  traceAt(path: string, position: Position): TraceAtResult {
    const named = this.idAt(path, position);
    if (named && this.index.items.has(named.id)) return { requirements: [this.summary(named.id)] };
    const facts = this.index.factsByFile.get(path);
    if (!facts) return { requirements: [] };
    // Every tag whose scope holds the position serves it; the innermost scope names the symbol.
    const around: { scope: Span; tag: TraceTag; symbol?: string }[] = [];
    for (const tag of facts.tags) {
      const binding = this.bindingOf(tag);
      const scope = binding.scope;
      if (scope && spanContains(scope, position)) around.push({ scope, tag, symbol: binding.symbol?.name ?? binding.testName });
    }
    if (around.length === 0) {
      // In a requirements file, the requirement whose section holds the position.
      let section: RequirementDef | undefined;
      for (const def of facts.requirements) {
        if (spanContains(def.fullSpan, position) && (!section || spanSize(def.fullSpan) < spanSize(section.fullSpan))) section = def;
      }
      return { requirements: section && this.index.items.has(section.id) ? [this.summary(section.id)] : [] };
    }
    // Innermost first (the scope that ends first), then in text order.
    around.sort((a, b) => a.scope.end.line - b.scope.end.line || a.scope.end.character - b.scope.end.character || a.tag.span.start.line - b.tag.span.start.line || a.tag.span.start.character - b.tag.span.start.character);
    const ids = [...new Set(around.map((entry) => entry.tag.target))].filter((id) => this.index.items.has(id));
    const result: TraceAtResult = { requirements: ids.map((id) => this.summary(id)) };
    const symbol = around.find((entry) => entry.symbol)?.symbol;
    if (symbol) result.symbol = symbol;
    return result;
  }

  /** An ID token at a position: a definition, a tag, a Covers/links entry or a test title. */
  idAt(path: string, position: Position): { id: string; span: Span } | null {
    for (const item of this.index.itemsByFile.get(path) ?? []) {
      if (item.def && spanContains(item.span, position) && item.def.format !== 'doorstop') return { id: item.id, span: item.span };
      for (const link of item.covers) if (spanContains(link.span, position)) return { id: link.target, span: link.span };
    }
    const facts = this.index.factsByFile.get(path);
    for (const tag of facts?.tags ?? []) if (spanContains(tag.span, position)) return { id: tag.target, span: tag.span };
    return null;
  }

  /** Where the ID is defined (more than one place for a duplicate). */
  definitions(id: string): FileSpan[] {
    return (this.index.items.get(id) ?? []).map((item) => ({ path: item.path, span: item.span }));
  }

  /** A Doorstop item's current fingerprint (what a reviewed link to it stores), when the ID is one. */
  fingerprint(id: string): string | undefined {
    const items = this.index.items.get(id);
    return items?.length === 1 ? items[0].def?.fingerprint : undefined;
  }

  /** Every tag and link that names the ID, and its definitions when asked. */
  references(id: string, includeDeclaration: boolean): FileSpan[] {
    const out: FileSpan[] = [];
    if (includeDeclaration) for (const definition of this.definitions(id)) out.push(definition);
    for (const tag of this.index.tagsByTarget.get(id) ?? []) out.push({ path: tag.path, span: tag.span });
    for (const item of this.index.coveredBy.get(id) ?? []) {
      if (item.tag) out.push({ path: item.tag.path, span: item.tag.span });
      else for (const link of item.covers) if (link.target === id) out.push({ path: item.path, span: link.span });
    }
    return out;
  }

  /**
   * Every place the ID is written, for a rename: its definitions (with their format), tags, test
   * titles, `Covers:`/`Depends:` entries and Doorstop links; with `allRevisions`, the places of the
   * other revisions of an OpenFastTrace ID too. Each place says the ID written there.
   */
  renameSites(id: string, allRevisions: boolean): { definitions: RenameSite[]; references: RenameSite[] } {
    const ids = new Set([id]);
    if (allRevisions) {
      for (const other of this.index.otherRevisions(id)) ids.add(other);
      for (const other of this.index.otherLinkTargets(id)) ids.add(other);
    }
    const definitions: RenameSite[] = [];
    const references: RenameSite[] = [];
    for (const each of ids) {
      for (const item of this.index.items.get(each) ?? []) if (item.def) definitions.push({ id: each, path: item.path, span: item.span, format: item.def.format });
      for (const place of this.references(each, false)) references.push({ id: each, ...place });
    }
    // `Depends:` entries are not links the status counts, so no index holds them: a rename reads every definition's.
    for (const [path, items] of this.index.itemsByFile) {
      for (const item of items) for (const link of item.def?.depends ?? []) if (ids.has(link.target)) references.push({ id: link.target, path, span: link.span });
    }
    return { definitions, references };
  }

  /** The file's parse problems and the defects located in it, as diagnostics are made of them. */
  problems(path: string): Problem[] {
    const cached = this.problemCache.get(path);
    if (cached) return cached;
    this.index.noteAnswered();
    const facts = this.index.factsByFile.get(path);
    if (!facts) return [];
    const problems: Problem[] = [...facts.problems];
    const severity = this.options.uncoveredSeverity ?? 'warning';
    const seen = new Set<string>();
    for (const item of this.index.itemsByFile.get(path) ?? []) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const computed = this.rules.computed(item.id);
      for (const defect of computed.defects) {
        if (defect.path !== path || !defect.span) continue;
        if (defect.kind === 'uncovered') {
          if (severity === 'off' || !item.listed) continue;
          problems.push({ path, span: defect.span, severity, code: 'uncovered', message: defect.message, data: { id: item.id } });
          continue;
        }
        problems.push({ path, span: defect.span, severity: this.severityOf(defect.kind) as Problem['severity'], code: defectCode(defect.kind), message: defect.message, data: { id: item.id, ...(defect.relatedId ? { relatedId: defect.relatedId } : {}) } });
      }
      if (!item.oft && item.listed && severity !== 'off' && (computed.status === 'unimplemented' || computed.status === 'untested') && item === this.index.items.get(item.id)?.[0]) {
        const message = computed.status === 'unimplemented' ? `${item.id} has no implementation: add \`@implements ${item.id}\` where it is built.` : `${item.id} is implemented but no test verifies it: add \`@verifies ${item.id}\` to a test, or name it in a test title.`;
        problems.push({ path, span: item.span, severity, code: 'uncovered', message, data: { id: item.id, status: computed.status } });
      }
    }
    for (const tag of facts.tags) {
      if (tag.kind === 'oft' || !this.countsAsUnknown(tag)) continue;
      problems.push({ path, span: tag.span, severity: 'warning', code: 'unknown-id', message: `No requirement has the ID ${tag.target}.`, data: { id: tag.target } });
    }
    problems.sort((a, b) => a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character);
    this.problemCache.set(path, problems);
    return problems;
  }

  /** Defects of tags that belong to no requirement: unknown IDs (for `check` and reports). */
  unknownIdDefects(): (Defect & { id?: string })[] {
    const out: (Defect & { id?: string })[] = [];
    for (const target of this.index.unknownTargets()) {
      for (const tag of this.index.tagsByTarget.get(target) ?? []) {
        if (!this.countsAsUnknown(tag)) continue;
        out.push({ kind: 'unknownId', severity: 'warning', message: `No requirement has the ID ${target}.`, location: this.location(tag.path, tag.span), relatedId: target });
      }
    }
    return out;
  }

  /**
   * Every defect of every traced item, with the item's ID: the verdict `check` reports. OpenFastTrace
   * tag items are included (their links can be orphaned, outdated…), as OpenFastTrace counts them.
   */
  allDefects(): (Defect & { id?: string })[] {
    const out: (Defect & { id?: string })[] = [];
    for (const [id, items] of this.index.items) {
      if (!items.some((i) => i.listed || i.tag)) continue;
      for (const raw of this.rules.computed(id).defects) out.push({ ...this.defect(raw), id });
    }
    return out;
  }

  /** Counts per status and per artifact type of the listed requirements (those `under` matches). */
  coverage(under?: (path: string) => boolean): CoverageResult {
    const byStatus = emptyCounts();
    const byArtifactType: Record<string, StatusCounts> = {};
    let total = 0;
    let defective = 0;
    let complete = 0;
    for (const id of this.listedIds(under)) {
      const computed = this.rules.computed(id);
      const artifactType = this.index.items.get(id)![0].artifactType;
      total++;
      byStatus[computed.status]++;
      const perType = (byArtifactType[artifactType] ??= { total: 0, byStatus: emptyCounts() });
      perType.total++;
      perType.byStatus[computed.status]++;
      if (computed.defects.length > 0) defective++;
      if (computed.status === 'covered' || computed.status === 'verified') complete++;
    }
    let unknownIdTags = 0;
    for (const target of this.index.unknownTargets()) {
      for (const tag of this.index.tagsByTarget.get(target) ?? []) {
        if (under && !under(tag.path)) continue;
        if (this.countsAsUnknown(tag)) unknownIdTags++;
      }
      for (const item of this.index.coveredBy.get(target) ?? []) {
        if (!item.tag || item.listed || (under && !under(item.path))) continue;
        if (this.index.otherRevisions(target).length === 0) unknownIdTags++;
      }
    }
    return { total, byStatus, byArtifactType, defective, unknownIdTags, coveredRatio: total === 0 ? 1 : complete / total };
  }

  /** A comment tag names an unknown ID; a title only when the ID looks like one of the project's. */
  private countsAsUnknown(tag: TraceTag): boolean {
    if (this.index.items.has(tag.target)) return false;
    return tag.kind !== 'title' || this.index.prefixes.has(idPrefix(tag.target)) || parseOftId(tag.target) !== undefined;
  }

  /** Every listed requirement's ID, title and status, for completion. */
  knownIds(): { id: string; title: string; status: RequirementStatus }[] {
    return this.listedIds().map((id) => {
      const first = this.index.items.get(id)![0];
      return { id, title: titleOf(first), status: this.rules.computed(id).status };
    });
  }

  /** The requirements a file defines and the tags it holds, for an outline. */
  documentSymbols(path: string): { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[] {
    const out: { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[] = [];
    const facts = this.index.factsByFile.get(path);
    if (!facts) return out;
    for (const def of facts.requirements) out.push({ name: def.id, detail: def.title, kind: 'requirement', span: def.span, fullSpan: def.fullSpan });
    for (const tag of facts.tags) {
      const symbol = tag.kind === 'implements' || tag.kind === 'verifies' ? this.cheapBindingOf(tag, facts).symbol : undefined;
      const detail = tag.kind === 'oft' ? `${tag.artifactType} → ${tag.target}` : tag.kind === 'title' ? `test: ${tag.testName ?? ''}` : `${tag.kind}${symbol ? ` by ${symbol.name}` : ''}`;
      out.push({ name: tag.target, detail, kind: 'tag', span: tag.span, fullSpan: tag.span });
    }
    return out;
  }

  /** Requirements whose ID or title contains the query (at most 500). */
  workspaceSymbols(query: string): { name: string; detail: string; path: string; span: Span }[] {
    const needle = query.toLowerCase();
    const out: { name: string; detail: string; path: string; span: Span }[] = [];
    for (const [id, items] of this.index.items) {
      const first = items[0];
      if (!first.def) continue;
      if (needle && !id.toLowerCase().includes(needle) && !first.def.title.toLowerCase().includes(needle)) continue;
      out.push({ name: id, detail: first.def.title, path: first.path, span: first.span });
      if (out.length >= 500) break;
    }
    return out;
  }

  /** OpenFastTrace: the item is `Status: rejected`, so it is neither a gap nor a defect (except a duplicate). */
  isRejected(id: string): boolean {
    return this.index.items.get(id)?.[0]?.rejected === true;
  }
}

/** An item's title; OpenFastTrace items without a heading are titled by their name, as OpenFastTrace does. */
function titleOf(item: Item | undefined): string {
  if (!item) return '';
  return item.def?.title || item.def?.name || item.tag?.oftItem?.name || '';
}

function isComplete(summary: RequirementSummary): boolean {
  return (summary.status === 'covered' || summary.status === 'verified') && summary.defects.length === 0;
}

function emptyCounts(): Record<RequirementStatus, number> {
  const counts = {} as Record<RequirementStatus, number>;
  for (const status of statusOrder) counts[status] = 0;
  return counts;
}

function defectCode(kind: Defect['kind']): string {
  return kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Links in a stable order (file, then position), whatever order the files were indexed in. */
function sortLinks(links: readonly RawLink[]): RawLink[] {
  return [...links].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character));
}

function spanSize(span: Span): number {
  return (span.end.line - span.start.line) * 100000 + (span.end.character - span.start.character);
}
