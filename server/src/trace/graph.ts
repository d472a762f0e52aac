/**
 * The trace graph: every file's facts joined into requirements, the links that serve them, their
 * status and their defects.
 *
 * Architecture Invariant: the graph is incremental. `setFile` replaces one file's contribution in
 * time proportional to that file (maps keyed by ID); answers are computed lazily per ID and cached,
 * and a change invalidates only the IDs it touches plus the chain of items they cover (deep
 * coverage flows upward). Nothing here reads files or knows LSP; URIs are made by `toUri`.
 *
 * OpenFastTrace items keep OpenFastTrace's semantics (`compute` below holds the link rules): a covering
 * item's link is `covers`, `unwanted` (its type is not needed), `ambiguous` (the target is defined
 * twice), `outdated` / `predated` (only another revision exists), or `orphaned`; an item is
 * covered when each needed artifact type covers it and every covering item is itself covered.
 */
import type {
  Defect,
  LinkedRequirement,
  RequirementsParams,
  RequirementStatus,
  RequirementSummary,
  RequirementTrace,
  TraceAtResult,
  TraceLink,
  CoverageResult,
  StatusCounts,
  Location,
} from '../../../protocol/trace';
import { idPrefix, isTestArtifactType, oftNameKey, parseOftId } from './ids';
import type { FileFacts, FileSpan, Position, Problem, RequirementDef, Span, TestResultRecord, TestResultSummary, TraceTag } from './model';
import type { TagBinding } from './extract';
import { refineBindings } from './symbols';
import { spanContains } from './text';

export type Severity = 'error' | 'warning' | 'information' | 'hint' | 'off';

export interface TraceGraphOptions {
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
}

/** One traced thing: a requirement defined in a file, or an item an OpenFastTrace tag defines. */
interface Item {
  id: string;
  path: string;
  span: Span;
  artifactType: string;
  needs: string[];
  covers: { target: string; span: Span; stamp?: string }[];
  oft: boolean;
  def?: RequirementDef;
  tag?: TraceTag;
  /** Listed among requirements (not an OpenFastTrace tag item without needs, not an inactive Doorstop item). */
  listed: boolean;
  rejected: boolean;
}

/** A defect before it is turned into protocol shape. */
interface RawDefect {
  kind: Defect['kind'];
  message: string;
  path?: string;
  span?: Span;
  relatedId?: string;
}

/**
 * A link to a requirement, as counted for its status: the tag that names it, or the item that
 * covers it (an OpenFastTrace item, for which its own tag stands when it has one). The graph keeps
 * the tags and items themselves rather than copies: a large workspace has one link per tag.
 */
type RawLink = TraceTag | Item;

/** The tag behind a link; none for an item written in a requirement file. */
function tagOfLink(link: RawLink): TraceTag | undefined {
  return 'id' in link ? undefined : link;
}

type Deep = 'covered' | 'uncovered' | 'cycle';

/** Everything computed about one ID; cached until a change touches the ID. */
interface Computed {
  status: RequirementStatus;
  defects: readonly RawDefect[];
  implementations: readonly RawLink[];
  tests: readonly RawLink[];
  deep: Deep;
  /** OpenFastTrace: every needed implementation type is covered, deeply. */
  implemented: boolean;
  /** Aggregate of test results over the item and everything that covers it. */
  results: ResultAggregate;
}

interface ResultAggregate {
  tests: number;
  passed: number;
  failed: number;
}

const statusOrder: RequirementStatus[] = ['unimplemented', 'untested', 'failing', 'covered', 'verified'];

export class TraceGraph {
  private options: TraceGraphOptions;
  private readonly factsByFile = new Map<string, FileFacts>();
  private readonly items = new Map<string, Item[]>();
  private readonly itemsByFile = new Map<string, Item[]>();
  /** Items whose `covers` name an ID, by that ID as written. */
  private readonly coveredBy = new Map<string, Item[]>();
  /** Comment and title tags by the ID they name. */
  private readonly tagsByTarget = new Map<string, TraceTag[]>();
  /** OpenFastTrace: defined IDs and link targets by their revision-less key. */
  private readonly idsByNameKey = new Map<string, Set<string>>();
  /** OpenFastTrace: the IDs written in links, with how often, by their revision-less key. */
  private readonly linkTargetsByKey = new Map<string, Map<string, number>>();
  private readonly prefixes = new Map<string, number>();
  /** IDs that tags or links name and no item defines (read through `unknownTargets`). */
  private unknownTargetSet = new Set<string>();
  /** Set while a full index is built: the unknown targets are found again on first use. */
  private unknownTargetsStale = false;
  private results = new Map<string, TestResultRecord[]>();
  private readonly cache = new Map<string, Computed>();
  private readonly problemCache = new Map<string, Problem[]>();
  private readonly refined = new WeakMap<FileFacts, Map<TraceTag, TagBinding>>();
  /** The bindings of files whose facts defer them, computed on first use. */
  private readonly bound = new WeakMap<FileFacts, Map<TraceTag, TagBinding>>();
  private changedIds = new Set<string>();
  private allChanged = false;
  private changedFiles = new Set<string>();
  private versionCounter = 0;
  /** Whether any answer was computed; until then a change has nothing cached to invalidate. */
  private answered = false;

  constructor(options: TraceGraphOptions) {
    this.options = { ...options };
  }

  /** Changes options; a new severity changes every file's problems. */
  setOptions(options: Partial<TraceGraphOptions>): void {
    const before = this.options.uncoveredSeverity;
    this.options = { ...this.options, ...options };
    if (options.uncoveredSeverity !== undefined && options.uncoveredSeverity !== before) {
      this.problemCache.clear();
      for (const path of this.factsByFile.keys()) this.changedFiles.add(path);
      this.versionCounter++;
    }
  }

  get version(): number {
    return this.versionCounter;
  }

  // ---- updates ---------------------------------------------------------------------------------

  /** Replaces everything the file contributed. */
  setFile(facts: FileFacts): void {
    const old = this.factsByFile.get(facts.path);
    if (old && sameFacts(old, facts)) {
      // Deferred bindings are not part of the facts compared, so the text may bind the same tags
      // differently now (a renamed function): they are found again on next use.
      if (old.bindingsDeferred) {
        this.refined.delete(old);
        this.bound.delete(old);
      }
      return;
    }
    this.settleUnknownTargets();
    if (!this.answered && !old) {
      // A cold build: nothing is cached yet, so there is nothing to find out about what changed.
      this.factsByFile.set(facts.path, facts);
      this.addContribution(facts, undefined);
      this.invalidate(noIds, facts.path);
      return;
    }
    const touched = new Set<string>();
    if (old) this.removeContribution(old, touched);
    this.factsByFile.set(facts.path, facts);
    this.addContribution(facts, touched);
    // An edit of a requirement file touches only the requirements whose definition changed.
    this.invalidate(old && this.answered ? changedIds(old, facts) : touched, facts.path);
  }

  removeFile(path: string): void {
    const old = this.factsByFile.get(path);
    if (!old) return;
    this.settleUnknownTargets();
    const touched = new Set<string>();
    this.removeContribution(old, touched);
    this.factsByFile.delete(path);
    this.invalidate(touched, path);
  }

  /** Replaces all known test results. */
  setTestResults(records: TestResultRecord[]): void {
    const next = new Map<string, TestResultRecord[]>();
    for (const record of records) {
      const list = next.get(record.path);
      if (list) list.push(record);
      else next.set(record.path, [record]);
    }
    const touched = new Set<string>();
    const paths = new Set([...this.results.keys(), ...next.keys()]);
    for (const path of paths) {
      if (JSON.stringify(this.results.get(path) ?? []) === JSON.stringify(next.get(path) ?? [])) continue;
      const facts = this.factsByFile.get(path);
      if (!facts) continue;
      for (const tag of facts.tags) {
        if (tag.kind === 'oft') touched.add(oftTagItemId(tag));
        else touched.add(tag.target);
      }
    }
    this.results = next;
    if (touched.size > 0) this.invalidate(touched, undefined);
  }

  /** IDs whose trace changed and files whose problems changed since the last call. */
  takeChanges(): { ids: string[] | 'all'; files: string[] } {
    const ids = this.allChanged ? 'all' : [...this.changedIds];
    const files = [...this.changedFiles];
    this.changedIds = new Set();
    this.changedFiles = new Set();
    this.allChanged = false;
    return { ids, files };
  }

  /** Adds a file's items and tags; `touched` collects the IDs concerned, when the caller needs them. */
  private addContribution(facts: FileFacts, touched: Set<string> | undefined): void {
    const fileItems: Item[] = [];
    for (const def of facts.requirements) fileItems.push(itemOfDef(def));
    for (const tag of facts.tags) {
      if (tag.kind === 'oft') fileItems.push(itemOfOftTag(tag));
      else {
        push(this.tagsByTarget, tag.target, tag);
        touched?.add(tag.target);
      }
    }
    for (const item of fileItems) {
      push(this.items, item.id, item);
      touched?.add(item.id);
      this.addNameKey(item.id);
      if (!item.oft && item.def) {
        const prefix = idPrefix(item.id);
        this.prefixes.set(prefix, (this.prefixes.get(prefix) ?? 0) + 1);
      }
      for (const link of item.covers) {
        push(this.coveredBy, link.target, item);
        this.countLinkTarget(link.target, 1);
        touched?.add(link.target);
      }
    }
    this.itemsByFile.set(facts.path, fileItems);
  }

  private removeContribution(facts: FileFacts, touched: Set<string>): void {
    for (const tag of facts.tags) {
      if (tag.kind !== 'oft') {
        remove(this.tagsByTarget, tag.target, (t) => t === tag);
        touched.add(tag.target);
      }
    }
    for (const item of this.itemsByFile.get(facts.path) ?? []) {
      remove(this.items, item.id, (i) => i === item);
      touched.add(item.id);
      if (!this.items.has(item.id)) this.removeNameKey(item.id);
      if (!item.oft && item.def) {
        const prefix = idPrefix(item.id);
        const count = (this.prefixes.get(prefix) ?? 1) - 1;
        if (count <= 0) this.prefixes.delete(prefix);
        else this.prefixes.set(prefix, count);
      }
      for (const link of item.covers) {
        remove(this.coveredBy, link.target, (i) => i === item);
        this.countLinkTarget(link.target, -1);
        touched.add(link.target);
      }
    }
    this.itemsByFile.delete(facts.path);
  }

  private addNameKey(id: string): void {
    const key = oftNameKey(id);
    if (!key) return;
    let set = this.idsByNameKey.get(key);
    if (!set) this.idsByNameKey.set(key, (set = new Set()));
    set.add(id);
  }

  private removeNameKey(id: string): void {
    const key = oftNameKey(id);
    if (!key) return;
    const set = this.idsByNameKey.get(key);
    if (!set) return;
    set.delete(id);
    if (set.size === 0) this.idsByNameKey.delete(key);
  }

  /**
   * Drops cached answers for the touched IDs, the other revisions of OpenFastTrace IDs, the items
   * that cover them (their link status may change), and everything upstream (deep coverage).
   */
  private invalidate(touched: ReadonlySet<string>, changedFile: string | undefined): void {
    this.versionCounter++;
    if (changedFile) {
      this.changedFiles.add(changedFile);
      this.problemCache.delete(changedFile);
    }
    if (!this.answered) {
      // Nothing was asked yet (a full index is being built): there is nothing cached to drop,
      // every file is new to its readers, and every ID has changed.
      this.unknownTargetsStale = true;
      this.allChanged = true;
      this.changedIds.clear();
      return;
    }
    const expanded = new Set<string>();
    for (const id of touched) {
      expanded.add(id);
      const key = oftNameKey(id);
      if (key) {
        for (const other of this.idsByNameKey.get(key) ?? []) expanded.add(other);
        // Links to other revisions of the same item change from orphaned to outdated/predated.
        for (const target of this.linkTargetsByKey.get(key)?.keys() ?? []) expanded.add(target);
      }
    }
    // Files of tags naming an ID change their problems only when the ID appears or disappears.
    const flipped = new Set<string>();
    const unknownTargets = this.unknownTargets;
    for (const id of expanded) {
      const unknown = !this.items.has(id) && (this.tagsByTarget.has(id) || this.coveredBy.has(id));
      if (unknown !== unknownTargets.has(id)) flipped.add(id);
      if (unknown) unknownTargets.add(id);
      else unknownTargets.delete(id);
      for (const tag of flipped.has(id) || !this.items.has(id) ? (this.tagsByTarget.get(id) ?? []) : []) this.markFile(tag.path);
      for (const covering of this.coveredBy.get(id) ?? []) this.markFile(covering.path);
    }
    const queue = [...expanded];
    const seen = new Set<string>(queue);
    const affected = new Set<string>();
    while (queue.length > 0) {
      const id = queue.pop()!;
      affected.add(id);
      this.cache.delete(id);
      // Items covering this ID: their outgoing link status may change (no deeper).
      for (const covering of this.coveredBy.get(id) ?? []) {
        if (!affected.has(covering.id)) {
          affected.add(covering.id);
          this.cache.delete(covering.id);
        }
      }
      // Items this ID covers: their deep coverage includes this one.
      for (const item of this.items.get(id) ?? []) {
        for (const link of item.covers) {
          const targets = [link.target, ...this.otherRevisions(link.target)];
          for (const target of targets) {
            if (!seen.has(target)) {
              seen.add(target);
              queue.push(target);
            }
          }
        }
      }
    }
    for (const id of affected) {
      if (!this.allChanged) {
        this.changedIds.add(id);
        if (this.changedIds.size > 5000) {
          this.allChanged = true;
          this.changedIds.clear();
        }
      }
      for (const item of this.items.get(id) ?? []) this.markFile(item.path);
    }
  }

  /** IDs that tags or links name and no item defines. */
  private get unknownTargets(): Set<string> {
    if (this.unknownTargetsStale) {
      const unknown = new Set<string>();
      for (const id of this.tagsByTarget.keys()) if (!this.items.has(id)) unknown.add(id);
      for (const id of this.coveredBy.keys()) if (!this.items.has(id)) unknown.add(id);
      this.unknownTargetSet = unknown;
      this.unknownTargetsStale = false;
    }
    return this.unknownTargetSet;
  }

  /**
   * Rebuilds the set of unknown link targets from the graph as it is *before* a change, when it
   * is stale: `invalidate` compares it with the graph after the change to find the IDs that
   * appeared or disappeared, and the files whose tags name them.
   */
  private settleUnknownTargets(): void {
    if (this.answered && this.unknownTargetsStale) void this.unknownTargets;
  }

  private markFile(path: string): void {
    this.problemCache.delete(path);
    this.changedFiles.add(path);
  }

  /** Defined IDs that differ from an OpenFastTrace ID only in revision. */
  private otherRevisions(id: string): string[] {
    const key = oftNameKey(id);
    if (!key) return [];
    const set = this.idsByNameKey.get(key);
    if (!set) return [];
    return [...set].filter((other) => other !== id);
  }

  // ---- computing -------------------------------------------------------------------------------

  /** The IDs whose answers are being computed right now, to find coverage cycles. */
  private readonly visiting = new Set<string>();

  private computed(id: string): Computed {
    const cached = this.cache.get(id);
    if (cached) return cached;
    this.answered = true;
    if (this.visiting.has(id)) return cycleMarker;
    this.visiting.add(id);
    let result: Computed;
    try {
      result = this.compute(id);
    } finally {
      this.visiting.delete(id);
    }
    this.cache.set(id, result);
    return result;
  }

  private compute(id: string): Computed {
    const items = this.items.get(id) ?? [];
    const first = items[0];
    const defects: RawDefect[] = [];
    const implementations: RawLink[] = [];
    const tests: RawLink[] = [];
    const results: ResultAggregate = { tests: 0, passed: 0, failed: 0 };
    let deep: Deep = 'covered';
    let implemented = true;

    if (items.length > 1) {
      for (const item of items) {
        defects.push({ kind: 'duplicate', message: `${id} is defined ${items.length} times; give each requirement its own ID.`, path: item.path, span: item.span, relatedId: id });
      }
    }

    // Comment tags and test titles; a test named twice (a tag and its title) counts once.
    const tags = this.tagsByTarget.get(id);
    let seenTests: Set<string> | undefined;
    if (tags) {
      for (const tag of tags) {
        if (tag.kind === 'implements') {
          implementations.push(tag);
          continue;
        }
        if (tag.testName !== undefined) {
          // Few tests name one ID, so a scan; a set once there are many.
          if (seenTests) {
            const key = `${tag.path}\u0000${tag.testName}`;
            if (seenTests.has(key)) continue;
            seenTests.add(key);
          } else if (hasTest(tests, tag.path, tag.testName)) continue;
          else if (tests.length >= 32) {
            seenTests = new Set([...tests, tag].filter((t) => tagOfLink(t)?.testName !== undefined).map((t) => `${t.path}\u0000${tagOfLink(t)!.testName}`));
          }
        }
        tests.push(tag);
      }
    }

    if (first?.oft) {
      const needs = first.needs;
      const coveredTypes = new Set<string>();
      const deepTypes = new Set<string>();
      const implTypes = new Set<string>();
      const incoming: Item[] = [];
      // Exact links.
      for (const covering of this.coveredBy.get(id) ?? []) {
        incoming.push(covering);
        if (!needs.includes(covering.artifactType)) {
          if (!first.rejected) defects.push({ kind: 'unwanted', message: `${covering.id} covers ${id}, which does not need \`${covering.artifactType}\`.`, path: first.path, span: first.span, relatedId: covering.id });
          continue;
        }
        if (items.length > 1) {
          incoming.pop();
          continue;
        }
        coveredTypes.add(covering.artifactType);
        const sub = this.computed(covering.id);
        if (sub === cycleMarker) deep = 'cycle';
        else {
          if (sub.deep === 'covered') deepTypes.add(covering.artifactType);
          if (sub.implemented) implTypes.add(covering.artifactType);
          results.tests += sub.results.tests;
          results.passed += sub.results.passed;
          results.failed += sub.results.failed;
        }
        const link = this.linkOfItem(covering);
        if (isTestArtifactType(covering.artifactType)) tests.push(link);
        else implementations.push(link);
      }
      // Links that name another revision of this item.
      for (const other of this.otherLinkTargets(id)) {
        const otherRevision = parseOftId(other)!.revision;
        for (const covering of this.coveredBy.get(other) ?? []) {
          incoming.push(covering);
          const kind = otherRevision < (first.def?.revision ?? parseOftId(id)!.revision) ? 'outdated' : 'predated';
          if (!first.rejected) {
            defects.push({ kind, message: `${covering.id} covers ${other}, but the item is ${id}: ${kind === 'outdated' ? 'review the covering item and update its link' : 'the link names a revision that does not exist yet'}.`, path: first.path, span: first.span, relatedId: covering.id });
          }
        }
      }
      // Deep coverage over every incoming item (bad links included), as OpenFastTrace walks it.
      for (const covering of incoming) {
        const sub = this.computed(covering.id);
        if (sub === cycleMarker) deep = 'cycle';
        else if (deep !== 'cycle' && sub.deep !== 'covered') deep = sub.deep === 'cycle' ? 'cycle' : 'uncovered';
      }
      const shallow = needs.every((type) => coveredTypes.has(type));
      if (deep === 'covered' && !shallow) deep = 'uncovered';
      implemented = needs.filter((t) => !isTestArtifactType(t)).every((t) => implTypes.has(t));
      if (first.tag) this.addTagResult(first.tag, results);
      // Outgoing links of this item.
      if (!first.rejected) for (const item of items) this.outgoingDefects(item, defects);
      if (!first.rejected && deep !== 'covered') {
        const missing = needs.filter((type) => !deepTypes.has(type));
        defects.push({
          kind: 'uncovered',
          message:
            deep === 'cycle'
              ? `${id} is part of a coverage cycle.`
              : missing.length > 0
                ? `${id} needs coverage by ${missing.map((t) => `\`${t}\``).join(', ')}${missing.some((t) => coveredTypes.has(t)) ? ' (the covering items are not covered themselves)' : ''}.`
                : `${id} is covered only by items that are not covered themselves.`,
          path: first.path,
          span: first.span,
        });
      }
      let status: RequirementStatus = !implemented ? 'unimplemented' : deep === 'covered' ? 'covered' : 'untested';
      status = applyResults(status, results);
      return computedOf(status, defects, implementations, tests, deep, implemented, results);
    }

    // Markdown and Doorstop requirements (and IDs nobody defines).
    for (const covering of this.coveredBy.get(id) ?? []) {
      if (covering.oft && covering.tag) {
        const link = this.linkOfItem(covering);
        if (isTestArtifactType(covering.artifactType)) tests.push(link);
        else implementations.push(link);
      }
    }
    for (const link of tests) this.addLinkResult(link, results);
    if (first) {
      for (const item of items) this.outgoingDefects(item, defects);
    }
    // `Needs:` on a plain requirement says which of implementation and test it asks for; both by default.
    const needs = first?.needs ?? [];
    let needsImplementation = needs.length === 0;
    let needsTest = needs.length === 0;
    for (const type of needs) {
      if (isTestArtifactType(type)) needsTest = true;
      else needsImplementation = true;
    }
    let status: RequirementStatus =
      needsImplementation && implementations.length === 0 ? 'unimplemented' : needsTest && tests.length === 0 ? 'untested' : 'covered';
    if (status === 'covered') status = applyResults(status, results);
    implemented = implementations.length > 0;
    // A Doorstop item that code does not name directly is realised through its child items (the
    // items of lower documents that link to it): it stands as well as its weakest child.
    if (first?.def?.format === 'doorstop' && implementations.length === 0 && tests.length === 0) {
      const children = (this.coveredBy.get(id) ?? []).filter((child) => child.def?.format === 'doorstop');
      let weakest: RequirementStatus | undefined;
      for (const child of children) {
        const sub = this.computed(child.id);
        if (sub === cycleMarker) continue;
        if (weakest === undefined || statusRank[sub.status] < statusRank[weakest]) weakest = sub.status;
        implemented ||= sub.implemented;
        results.tests += sub.results.tests;
        results.passed += sub.results.passed;
        results.failed += sub.results.failed;
      }
      if (weakest !== undefined) status = weakest;
    }
    deep = status === 'covered' || status === 'verified' ? 'covered' : 'uncovered';
    return computedOf(status, defects, implementations, tests, deep, implemented, results);
  }

  /** Defects of the links an item writes: orphaned, outdated, predated, ambiguous, unwanted, suspect. */
  private outgoingDefects(item: Item, defects: RawDefect[]): void {
    for (const link of item.covers) {
      const targets = this.items.get(link.target);
      const where = { path: item.path, span: link.span, relatedId: link.target };
      if (!targets || targets.length === 0) {
        const others = this.otherRevisions(link.target);
        if (item.oft && others.length > 0) {
          for (const other of others) {
            const newer = parseOftId(other)!.revision > parseOftId(link.target)!.revision;
            defects.push({
              kind: newer ? 'outdated' : 'predated',
              message: newer ? `${item.id} covers ${link.target}, but the item is now ${other}; review and update the link.` : `${item.id} covers ${link.target}, a revision newer than ${other}.`,
              ...where,
            });
          }
        } else if (item.tag) {
          defects.push({ kind: 'orphaned', message: `The tag names ${link.target}, which no requirement defines.`, ...where });
        } else {
          defects.push({ kind: 'orphaned', message: `${item.id} links to ${link.target}, which no requirement defines.`, ...where });
        }
        continue;
      }
      const target = targets[0];
      if (item.oft && target.oft) {
        if (!target.needs.includes(item.artifactType)) {
          defects.push({ kind: 'unwanted', message: `${link.target} does not need \`${item.artifactType}\`, so ${item.id} should not cover it.`, ...where });
        } else if (targets.length > 1) {
          defects.push({ kind: 'ambiguous', message: `${link.target} is defined ${targets.length} times, so this link is ambiguous.`, ...where });
        }
      }
      if (isSuspect(link, target)) {
        defects.push({ kind: 'suspect', message: `${link.target} changed since this link was reviewed; review ${item.id} and clear the link.`, ...where, relatedId: link.target });
      }
    }
  }

  /** Link targets that name another revision of this OpenFastTrace ID (and match no item exactly). */
  private otherLinkTargets(id: string): string[] {
    const key = oftNameKey(id);
    if (!key) return [];
    const out: string[] = [];
    const parsed = parseOftId(id)!;
    // Link targets are found through the covering items of sibling revisions: scan only the
    // targets recorded under this name (kept small: one per revision written in a link).
    for (const target of this.linkTargetsByNameKey(key)) {
      if (target === id || this.items.has(target)) continue;
      if (parseOftId(target)!.revision !== parsed.revision) out.push(target);
    }
    return out;
  }

  private linkTargetsByNameKey(key: string): Iterable<string> {
    return this.linkTargetsByKey.get(key)?.keys() ?? [];
  }

  private countLinkTarget(target: string, delta: number): void {
    const key = oftNameKey(target);
    if (!key) return;
    let targets = this.linkTargetsByKey.get(key);
    if (!targets) this.linkTargetsByKey.set(key, (targets = new Map()));
    const count = (targets.get(target) ?? 0) + delta;
    if (count > 0) targets.set(target, count);
    else targets.delete(target);
    if (targets.size === 0) this.linkTargetsByKey.delete(key);
  }

  private linkOfItem(item: Item): RawLink {
    return item.tag ?? item;
  }

  private resultOf(path: string, testName: string | undefined): TestResultSummary | undefined {
    const records = this.results.get(path);
    if (!records || records.length === 0) return undefined;
    const matching = testName ? records.filter((r) => testNamesMatch(r.testName, testName)) : records;
    if (matching.length === 0) return undefined;
    if (matching.length === 1) return matching[0].result;
    const failed = matching.find((r) => r.result.outcome === 'failed' || r.result.outcome === 'errored');
    if (failed) return failed.result;
    const notPassed = matching.find((r) => r.result.outcome !== 'passed' || r.result.stale);
    return (notPassed ?? matching[0]).result;
  }

  private addLinkResult(link: RawLink, results: ResultAggregate): void {
    results.tests++;
    const result = this.resultOf(link.path, tagOfLink(link)?.testName);
    if (!result) return;
    if (result.outcome === 'failed' || result.outcome === 'errored') results.failed++;
    else if (result.outcome === 'passed' && !result.stale) results.passed++;
  }

  private addTagResult(tag: TraceTag, results: ResultAggregate): void {
    if (tag.role !== 'test' && !isTestArtifactType(tag.artifactType)) return;
    this.addLinkResult(tag, results);
  }

  // ---- answers ---------------------------------------------------------------------------------

  private summary(id: string): RequirementSummary {
    const items = this.items.get(id) ?? [];
    const first = items[0];
    const computed = this.computed(id);
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
    };
  }

  private location(path: string, span: Span): Location {
    return { uri: this.options.toUri(path), range: { start: { ...span.start }, end: { ...span.end } } };
  }

  /** Listed requirements, in a stable order (file, then line); the unfiltered list is kept per version. */
  private listedIds(under?: (path: string) => boolean): string[] {
    if (!under && this.listedCache?.version === this.versionCounter) return this.listedCache.ids;
    const ids: string[] = [];
    const paths = [...this.itemsByFile.keys()].sort();
    for (const path of paths) {
      if (under && !under(path)) continue;
      for (const item of this.itemsByFile.get(path)!) {
        if (!item.listed) continue;
        const first = this.items.get(item.id)?.[0];
        if (first === item) ids.push(item.id);
      }
    }
    if (!under) this.listedCache = { version: this.versionCounter, ids };
    return ids;
  }

  private listedCache: { version: number; ids: string[] } | undefined;

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
    const items = this.items.get(id);
    if (!items || items.length === 0) return null;
    const first = items[0];
    const computed = this.computed(id);
    const upstream: LinkedRequirement[] = [];
    const seenUp = new Set<string>();
    for (const item of items) {
      for (const link of item.covers) {
        if (seenUp.has(link.target)) continue;
        seenUp.add(link.target);
        upstream.push(this.linked(link.target, isSuspect(link, this.items.get(link.target)?.[0])));
      }
    }
    const downstream: LinkedRequirement[] = [];
    const seenDown = new Set<string>();
    for (const covering of [...(this.coveredBy.get(id) ?? []), ...this.otherLinkTargets(id).flatMap((t) => this.coveredBy.get(t) ?? [])]) {
      if (seenDown.has(covering.id) || (covering.tag && !covering.listed)) continue;
      seenDown.add(covering.id);
      const link = covering.covers.find((l) => l.target === id);
      downstream.push(this.linked(covering.id, link ? isSuspect(link, first) : undefined));
    }
    downstream.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      requirement: this.summary(id),
      text: first.def?.text ?? '',
      acceptanceCriteria: first.def?.acceptanceCriteria ?? [],
      needs: first.needs,
      definitions: items.map((item) => this.location(item.path, item.span)),
      implementations: sortLinks(computed.implementations).map((link) => this.traceLink(link)),
      tests: sortLinks(computed.tests).map((link) => this.traceLink(link)),
      upstream,
      downstream,
      defects: computed.defects.map((d) => this.defect(d)),
    };
  }

  private linked(id: string, suspect: boolean | undefined): LinkedRequirement {
    const first = this.items.get(id)?.[0];
    const linked: LinkedRequirement = { id, title: titleOf(first), status: this.computed(id).status };
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
      const result = this.resultOf(link.path, tag?.testName);
      if (result) out.result = result;
    }
    return out;
  }

  /** A tag's binding, refined by the TypeScript parser when the file's text is at hand. */
  private bindingOf(tag: TraceTag): TagBinding {
    const facts = this.factsByFile.get(tag.path);
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

  private defect(raw: RawDefect): Defect {
    const defect: Defect = { kind: raw.kind, message: raw.message };
    if (raw.path !== undefined && raw.span) defect.location = this.location(raw.path, raw.span);
    if (raw.relatedId !== undefined) defect.relatedId = raw.relatedId;
    return defect;
  }

  /** The requirement named at a position, else those served by the symbol or test around it. */
  traceAt(path: string, position: Position): TraceAtResult {
    const named = this.idAt(path, position);
    if (named && this.items.has(named.id)) return { requirements: [this.summary(named.id)] };
    const facts = this.factsByFile.get(path);
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
      return { requirements: section && this.items.has(section.id) ? [this.summary(section.id)] : [] };
    }
    // Innermost first (the scope that ends first), then in text order.
    around.sort((a, b) => a.scope.end.line - b.scope.end.line || a.scope.end.character - b.scope.end.character || a.tag.span.start.line - b.tag.span.start.line || a.tag.span.start.character - b.tag.span.start.character);
    const ids = [...new Set(around.map((entry) => entry.tag.target))].filter((id) => this.items.has(id));
    const result: TraceAtResult = { requirements: ids.map((id) => this.summary(id)) };
    const symbol = around.find((entry) => entry.symbol)?.symbol;
    if (symbol) result.symbol = symbol;
    return result;
  }

  /** An ID token at a position: a definition, a tag, a Covers/links entry or a test title. */
  idAt(path: string, position: Position): { id: string; span: Span } | null {
    for (const item of this.itemsByFile.get(path) ?? []) {
      if (item.def && spanContains(item.span, position) && item.def.format !== 'doorstop') return { id: item.id, span: item.span };
      for (const link of item.covers) if (spanContains(link.span, position)) return { id: link.target, span: link.span };
    }
    const facts = this.factsByFile.get(path);
    for (const tag of facts?.tags ?? []) if (spanContains(tag.span, position)) return { id: tag.target, span: tag.span };
    return null;
  }

  /** Where the ID is defined (more than one place for a duplicate). */
  definitions(id: string): FileSpan[] {
    return (this.items.get(id) ?? []).map((item) => ({ path: item.path, span: item.span }));
  }

  /** A Doorstop item's current fingerprint (what a reviewed link to it stores), when the ID is one. */
  fingerprint(id: string): string | undefined {
    const items = this.items.get(id);
    return items?.length === 1 ? items[0].def?.fingerprint : undefined;
  }

  /** Every tag and link that names the ID, and its definitions when asked. */
  references(id: string, includeDeclaration: boolean): FileSpan[] {
    const out: FileSpan[] = [];
    if (includeDeclaration) out.push(...this.definitions(id));
    for (const tag of this.tagsByTarget.get(id) ?? []) out.push({ path: tag.path, span: tag.span });
    for (const item of this.coveredBy.get(id) ?? []) {
      if (item.tag) out.push({ path: item.tag.path, span: item.tag.span });
      else for (const link of item.covers) if (link.target === id) out.push({ path: item.path, span: link.span });
    }
    return out;
  }

  /** The file's parse problems and the defects located in it, as diagnostics are made of them. */
  problems(path: string): Problem[] {
    const cached = this.problemCache.get(path);
    if (cached) return cached;
    this.answered = true;
    const facts = this.factsByFile.get(path);
    if (!facts) return [];
    const problems: Problem[] = [...facts.problems];
    const severity = this.options.uncoveredSeverity ?? 'warning';
    const seen = new Set<string>();
    for (const item of this.itemsByFile.get(path) ?? []) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const computed = this.computed(item.id);
      for (const defect of computed.defects) {
        if (defect.path !== path || !defect.span) continue;
        if (defect.kind === 'uncovered') {
          if (severity === 'off' || !item.listed) continue;
          problems.push({ path, span: defect.span, severity, code: 'uncovered', message: defect.message, data: { id: item.id } });
          continue;
        }
        problems.push({ path, span: defect.span, severity: defect.kind === 'duplicate' ? 'error' : 'warning', code: defectCode(defect.kind), message: defect.message, data: { id: item.id, ...(defect.relatedId ? { relatedId: defect.relatedId } : {}) } });
      }
      if (!item.oft && item.listed && severity !== 'off' && (computed.status === 'unimplemented' || computed.status === 'untested') && item === this.items.get(item.id)?.[0]) {
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
    for (const target of this.unknownTargets) {
      for (const tag of this.tagsByTarget.get(target) ?? []) {
        if (!this.countsAsUnknown(tag)) continue;
        out.push({ kind: 'unknownId', message: `No requirement has the ID ${target}.`, location: this.location(tag.path, tag.span), relatedId: target });
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
    for (const [id, items] of this.items) {
      if (!items.some((i) => i.listed || i.tag)) continue;
      for (const raw of this.computed(id).defects) out.push({ ...this.defect(raw), id });
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
      const computed = this.computed(id);
      const artifactType = this.items.get(id)![0].artifactType;
      total++;
      byStatus[computed.status]++;
      const perType = (byArtifactType[artifactType] ??= { total: 0, byStatus: emptyCounts() });
      perType.total++;
      perType.byStatus[computed.status]++;
      if (computed.defects.length > 0) defective++;
      if (computed.status === 'covered' || computed.status === 'verified') complete++;
    }
    let unknownIdTags = 0;
    for (const target of this.unknownTargets) {
      for (const tag of this.tagsByTarget.get(target) ?? []) {
        if (under && !under(tag.path)) continue;
        if (this.countsAsUnknown(tag)) unknownIdTags++;
      }
      for (const item of this.coveredBy.get(target) ?? []) {
        if (!item.tag || item.listed || (under && !under(item.path))) continue;
        if (this.otherRevisions(target).length === 0) unknownIdTags++;
      }
    }
    return { total, byStatus, byArtifactType, defective, unknownIdTags, coveredRatio: total === 0 ? 1 : complete / total };
  }

  /** A comment tag names an unknown ID; a title only when the ID looks like one of the project's. */
  private countsAsUnknown(tag: TraceTag): boolean {
    if (this.items.has(tag.target)) return false;
    return tag.kind !== 'title' || this.prefixes.has(idPrefix(tag.target)) || parseOftId(tag.target) !== undefined;
  }

  /** Every listed requirement's ID, title and status, for completion. */
  knownIds(): { id: string; title: string; status: RequirementStatus }[] {
    return this.listedIds().map((id) => {
      const first = this.items.get(id)![0];
      return { id, title: titleOf(first), status: this.computed(id).status };
    });
  }

  /** The requirements a file defines and the tags it holds, for an outline. */
  documentSymbols(path: string): { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[] {
    const out: { name: string; detail: string; kind: 'requirement' | 'tag'; span: Span; fullSpan: Span }[] = [];
    const facts = this.factsByFile.get(path);
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
    for (const [id, items] of this.items) {
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
    return this.items.get(id)?.[0]?.rejected === true;
  }

  /** The files the graph holds facts of. */
  files(): string[] {
    return [...this.factsByFile.keys()];
  }
}

const none: readonly never[] = Object.freeze([]);
const noResults: ResultAggregate = Object.freeze({ tests: 0, passed: 0, failed: 0 });

const cycleMarker: Computed = { status: 'unimplemented', defects: none, implementations: none, tests: none, deep: 'cycle', implemented: false, results: noResults };

/**
 * What `compute` keeps for an ID, with one shared empty list for each list that is empty and one
 * shared aggregate when no test has a result: every ID of the workspace is kept, and most have no
 * defects and no results.
 */
function computedOf(
  status: RequirementStatus,
  defects: RawDefect[],
  implementations: RawLink[],
  tests: RawLink[],
  deep: Deep,
  implemented: boolean,
  results: ResultAggregate,
): Computed {
  return {
    status,
    defects: defects.length > 0 ? defects : none,
    implementations: implementations.length > 0 ? implementations : none,
    tests: tests.length > 0 ? tests : none,
    deep,
    implemented,
    results: results.tests === 0 && results.passed === 0 && results.failed === 0 ? noResults : results,
  };
}

const zeroSpan: Span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function itemOfDef(def: RequirementDef): Item {
  const oft = def.format === 'oft';
  return {
    id: def.id,
    path: def.path,
    span: def.span,
    artifactType: def.artifactType,
    needs: def.needs,
    covers: def.covers,
    oft,
    def,
    listed: def.active !== false,
    rejected: def.itemStatus === 'rejected',
  };
}

/** The ID of the item an OpenFastTrace tag defines: `impl~name~0`, or its own `impl~name~rev`. */
export function oftTagItemId(tag: TraceTag): string {
  const item = tag.oftItem!;
  return `${tag.artifactType}~${item.name}~${item.revision}`;
}

function itemOfOftTag(tag: TraceTag): Item {
  return {
    id: oftTagItemId(tag),
    path: tag.path,
    span: tag.span,
    artifactType: tag.artifactType,
    needs: tag.oftItem?.needs ?? [],
    covers: [{ target: tag.target, span: tag.span }],
    oft: true,
    tag,
    listed: (tag.oftItem?.needs.length ?? 0) > 0,
    rejected: false,
  };
}

/**
 * Doorstop: whether a link's stored stamp differs from its parent's fingerprint now; undefined
 * when the link carries no stamp (or `true`, Doorstop's "confirmed, stamp it") or the parent is
 * not a Doorstop item.
 */
function isSuspect(link: { stamp?: string }, parent: Item | undefined): boolean | undefined {
  const fingerprint = parent?.def?.fingerprint;
  if (link.stamp === undefined || link.stamp === 'true' || fingerprint === undefined) return undefined;
  return link.stamp !== fingerprint;
}

/** An item's title; OpenFastTrace items without a heading are titled by their name, as OpenFastTrace does. */
function titleOf(item: Item | undefined): string {
  if (!item) return '';
  return item.def?.title || item.def?.name || item.tag?.oftItem?.name || '';
}

function applyResults(status: RequirementStatus, results: ResultAggregate): RequirementStatus {
  if (results.failed > 0) return status === 'unimplemented' ? status : 'failing';
  if (status === 'covered' && results.tests > 0 && results.passed === results.tests) return 'verified';
  return status;
}

/**
 * A record's full title matches a tag's test name when equal, when one ends with the other (one
 * may lack the suite titles), or when the tag sits on a suite that holds the test (its result
 * then counts for the tag). Go writes subtests as `TestX/name_with_underscores`, so `/` and `_`
 * compare as spaces.
 */
function testNamesMatch(recordName: string, testName: string): boolean {
  if (namesMatch(recordName, testName)) return true;
  return namesMatch(recordName.replace(/[/_\s]+/g, ' '), testName.replace(/[/_\s]+/g, ' '));
}

/** Equal, one a suffix of the other, or the tag's name a suite that holds the recorded test. */
function namesMatch(record: string, test: string): boolean {
  return record === test || record.endsWith(` ${test}`) || test.endsWith(` ${record}`) || record.startsWith(`${test} `) || record.includes(` ${test} `);
}

function isComplete(summary: RequirementSummary): boolean {
  return (summary.status === 'covered' || summary.status === 'verified') && summary.defects.length === 0;
}

function emptyCounts(): Record<RequirementStatus, number> {
  const counts = {} as Record<RequirementStatus, number>;
  for (const status of statusOrder) counts[status] = 0;
  return counts;
}

/** Statuses from worst to best, for "the weakest child". */
const statusRank: Record<RequirementStatus, number> = { unimplemented: 0, untested: 1, failing: 2, covered: 3, verified: 4 };

function defectCode(kind: Defect['kind']): string {
  return kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Whether a test of that file and name is among the links already (a few per ID, so a scan). */
function hasTest(tests: RawLink[], path: string, testName: string): boolean {
  for (const link of tests) if (tagOfLink(link)?.testName === testName && link.path === path) return true;
  return false;
}

/** An empty set of IDs, for changes that need none. */
const noIds: ReadonlySet<string> = new Set<string>();

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function remove<K, V>(map: Map<K, V[]>, key: K, match: (value: V) => boolean): void {
  const list = map.get(key);
  if (!list) return;
  const index = list.findIndex(match);
  if (index >= 0) list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}

/** Links in a stable order (file, then position), whatever order the files were indexed in. */
function sortLinks(links: readonly RawLink[]): RawLink[] {
  return [...links].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character));
}

function spanSize(span: Span): number {
  return (span.end.line - span.start.line) * 100000 + (span.end.character - span.start.character);
}

/**
 * The IDs a file's new facts change against its old ones: every ID its tags name (old and new),
 * and the IDs of definitions that differ in any way (position included), with their links.
 */
function changedIds(old: FileFacts, next: FileFacts): Set<string> {
  const touched = new Set<string>();
  for (const facts of [old, next]) {
    for (const tag of facts.tags) {
      touched.add(tag.target);
      if (tag.kind === 'oft') touched.add(oftTagItemId(tag));
    }
  }
  const before = new Map<string, RequirementDef[]>();
  for (const def of old.requirements) push(before, def.id, def);
  const after = new Map<string, RequirementDef[]>();
  for (const def of next.requirements) push(after, def.id, def);
  const touch = (def: RequirementDef): void => {
    touched.add(def.id);
    for (const link of def.covers) touched.add(link.target);
    for (const link of def.depends) touched.add(link.target);
  };
  for (const [id, defs] of after) {
    const previous = before.get(id);
    if (!previous || previous.length !== defs.length || defs.some((def, i) => !sameDef(def, previous[i]))) {
      defs.forEach(touch);
      previous?.forEach(touch);
    }
  }
  for (const [id, defs] of before) if (!after.has(id)) defs.forEach(touch);
  return touched;
}

function sameSpanValue(a: Span, b: Span): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameLinks(a: RequirementDef['covers'], b: RequirementDef['covers']): boolean {
  return a.length === b.length && a.every((link, i) => link.target === b[i].target && link.stamp === b[i].stamp && sameSpanValue(link.span, b[i].span));
}

/** Field-by-field equality of two definitions, without building any text. */
function sameDef(a: RequirementDef, b: RequirementDef): boolean {
  return (
    a.id === b.id &&
    a.title === b.title &&
    a.text === b.text &&
    a.format === b.format &&
    a.artifactType === b.artifactType &&
    a.name === b.name &&
    a.revision === b.revision &&
    a.path === b.path &&
    a.itemStatus === b.itemStatus &&
    a.fingerprint === b.fingerprint &&
    a.active === b.active &&
    sameSpanValue(a.span, b.span) &&
    sameSpanValue(a.fullSpan, b.fullSpan) &&
    sameStrings(a.acceptanceCriteria, b.acceptanceCriteria) &&
    sameStrings(a.needs, b.needs) &&
    sameStrings(a.tags, b.tags) &&
    sameLinks(a.covers, b.covers) &&
    sameLinks(a.depends, b.depends)
  );
}

/** Cheap structural equality of two facts of the same file, so an unchanged save costs nothing downstream. */
function sameFacts(a: FileFacts, b: FileFacts): boolean {
  if (a.role !== b.role || a.requirements.length !== b.requirements.length || a.tags.length !== b.tags.length || a.problems.length !== b.problems.length) return false;
  // Element by element, so an edit is told apart at its first difference.
  for (let i = 0; i < a.requirements.length; i++) if (!sameDef(a.requirements[i], b.requirements[i])) return false;
  for (let i = 0; i < a.tags.length; i++) if (JSON.stringify(a.tags[i]) !== JSON.stringify(b.tags[i])) return false;
  return JSON.stringify(a.problems) === JSON.stringify(b.problems);
}
