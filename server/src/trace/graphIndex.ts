/**
 * The trace graph's index: every file's facts joined into maps keyed by ID, kept current one file
 * at a time, and the change set (IDs whose answers changed, files whose problems changed) that the
 * server's wiring empties.
 *
 * Architecture Invariant: the graph is incremental. `setFile` replaces one file's contribution in
 * time proportional to that file; a change drops the cached answers of the IDs it touches plus the
 * chain of items they cover (deep coverage flows upward), through the `IndexListener`. Nothing here
 * computes a status (`status.ts`) or a protocol shape (`answers.ts`).
 */
import { idPrefix, oftNameKey } from './ids';
import type { FileFacts, RequirementDef, Span, TestResultRecord, TraceTag } from './model';

/** One traced thing: a requirement defined in a file, or an item an OpenFastTrace tag defines. */
export interface Item {
  readonly id: string;
  readonly path: string;
  readonly span: Span;
  readonly artifactType: string;
  readonly needs: readonly string[];
  /** The links the item writes (a tag item's one link is its tag). */
  readonly covers: readonly { target: string; span: Span; stamp?: string }[];
  readonly oft: boolean;
  readonly def?: RequirementDef;
  readonly tag?: TraceTag;
  /** Listed among requirements (not an OpenFastTrace tag item without needs, not an inactive Doorstop item). */
  readonly listed: boolean;
  readonly rejected: boolean;
}

/**
 * Items made by a constructor rather than a literal: the index keeps every one, and a literal's
 * allocation site that the engine finds long-lived sends the function that allocates there back
 * to unoptimised code (see `tags-objects.ts`).
 */
class TracedItem implements Item {
  constructor(
    readonly id: string,
    readonly path: string,
    readonly span: Span,
    readonly artifactType: string,
    readonly needs: readonly string[],
    readonly covers: readonly { target: string; span: Span; stamp?: string }[],
    readonly oft: boolean,
    readonly def: RequirementDef | undefined,
    readonly tag: TraceTag | undefined,
    readonly listed: boolean,
    readonly rejected: boolean,
  ) {}
}

/**
 * A link to a requirement, as counted for its status: the tag that names it, or the item that
 * covers it (an OpenFastTrace item, for which its own tag stands when it has one). The graph keeps
 * the tags and items themselves rather than copies: a large workspace has one link per tag.
 */
export type RawLink = TraceTag | Item;

/** The tag behind a link; none for an item written in a requirement file. */
export function tagOfLink(link: RawLink): TraceTag | undefined {
  return 'id' in link ? undefined : link;
}

/** What the readers of the index cache, told when a change makes it stale. */
export interface IndexListener {
  /** The answer about this ID is stale. */
  idChanged(id: string): void;
  /** The problems of this file are stale. */
  fileChanged(path: string): void;
}

/** The read side of the index, for the status rules and the answers. */
export interface IndexView {
  readonly factsByFile: ReadonlyMap<string, FileFacts>;
  /** Items by ID (more than one for a duplicate). */
  readonly items: ReadonlyMap<string, readonly Item[]>;
  readonly itemsByFile: ReadonlyMap<string, readonly Item[]>;
  /** Items whose `covers` name an ID, by that ID as written. */
  readonly coveredBy: ReadonlyMap<string, readonly Item[]>;
  /** Comment and title tags by the ID they name. */
  readonly tagsByTarget: ReadonlyMap<string, readonly TraceTag[]>;
  /** How many plain definitions use each ID prefix. */
  readonly prefixes: ReadonlyMap<string, number>;
  /** Test results by test file. */
  readonly results: ReadonlyMap<string, readonly TestResultRecord[]>;
  readonly version: number;
  /** IDs that tags or links name and no item defines. */
  unknownTargets(): ReadonlySet<string>;
  /** Defined IDs that differ from an OpenFastTrace ID only in revision. */
  otherRevisions(id: string): string[];
  /** Link targets that name another revision of this OpenFastTrace ID (and match no item exactly). */
  otherLinkTargets(id: string): string[];
  /** Marks that an answer was computed: from now on a change has cached answers to invalidate. */
  noteAnswered(): void;
}

/** A change set: IDs whose trace changed and files whose problems changed. */
export interface TraceChanges {
  ids: string[] | 'all';
  files: string[];
}

/** Above this many changed IDs, a change set says "all". */
const maxChangedIds = 5000;

export class GraphIndex implements IndexView {
  readonly factsByFile = new Map<string, FileFacts>();
  readonly items = new Map<string, Item[]>();
  readonly itemsByFile = new Map<string, Item[]>();
  readonly coveredBy = new Map<string, Item[]>();
  readonly tagsByTarget = new Map<string, TraceTag[]>();
  /** OpenFastTrace: defined IDs by their revision-less key. */
  private readonly idsByNameKey = new Map<string, OneOrMore>();
  /** OpenFastTrace: the IDs written in links by their revision-less key, and how often each is written. */
  private readonly linkTargetsByKey = new Map<string, OneOrMore>();
  private readonly linkTargetCounts = new Map<string, number>();
  readonly prefixes = new Map<string, number>();
  results = new Map<string, TestResultRecord[]>();
  /** Tags that test results carry in their properties (see `setResultTags`). */
  private resultTags: TraceTag[] = [];
  /** IDs that tags or links name and no item defines (read through `unknownTargets`). */
  private unknownTargetSet = new Set<string>();
  /** Set while a full index is built: the unknown targets are found again on first use. */
  private unknownTargetsStale = false;
  private changedIds = new Set<string>();
  private allChanged = false;
  private changedFiles = new Set<string>();
  private versionCounter = 0;
  /** Whether any answer was computed; until then a change has nothing cached to invalidate. */
  private answered = false;

  constructor(private readonly listener: IndexListener) {}

  get version(): number {
    return this.versionCounter;
  }

  noteAnswered(): void {
    this.answered = true;
  }

  /** Every file's problems are stale (a new severity), and the version moves. */
  allFilesChanged(): void {
    for (const path of this.factsByFile.keys()) this.changedFiles.add(path);
    this.versionCounter++;
  }

  // ---- updates ---------------------------------------------------------------------------------

  /**
   * Replaces everything the file contributed. Returns false when the facts equal the file's
   * current ones, so nothing changed (the caller may still drop what it derived from the text).
   */
  setFile(facts: FileFacts): boolean {
    const old = this.factsByFile.get(facts.path);
    if (old && sameFacts(old, facts)) return false;
    this.settleUnknownTargets();
    if (!this.answered && !old) {
      // A cold build: nothing is cached yet, so there is nothing to find out about what changed.
      this.factsByFile.set(facts.path, facts);
      this.addContribution(facts, undefined);
      this.invalidate(noIds, facts.path);
      return true;
    }
    const touched = new Set<string>();
    if (old) this.removeContribution(old, touched);
    this.factsByFile.set(facts.path, facts);
    this.addContribution(facts, touched);
    // An edit of a requirement file touches only the requirements whose definition changed.
    this.invalidate(old && this.answered ? changedIds(old, facts) : touched, facts.path);
    return true;
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
  setTestResults(records: readonly TestResultRecord[]): void {
    const next = new Map<string, TestResultRecord[]>();
    for (const record of records) push(next, record.path, record);
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
    this.setResultTags(records, touched);
    if (touched.size > 0) this.invalidate(touched, undefined);
  }

  /**
   * The links that results name in their own properties (JUnit `verifies`): one `verifies` tag
   * each, at the start of the test file, bound to the test by its title. They count like tags in
   * the test's source; the IDs they name and named before are touched.
   */
  private setResultTags(records: readonly TestResultRecord[], touched: Set<string>): void {
    const tags: TraceTag[] = [];
    const seen = new Set<string>();
    for (const record of records) {
      for (const id of record.requirements ?? []) {
        const key = `${record.path}\u0000${record.testName}\u0000${id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        tags.push({ kind: 'verifies', target: id, path: record.path, span, role: 'test', artifactType: 'utest', testName: record.testName });
      }
    }
    if (tags.length === 0 && this.resultTags.length === 0) return;
    this.settleUnknownTargets();
    for (const tag of this.resultTags) {
      remove(this.tagsByTarget, tag.target, (t) => t === tag);
      touched.add(tag.target);
    }
    for (const tag of tags) {
      push(this.tagsByTarget, tag.target, tag);
      touched.add(tag.target);
    }
    this.resultTags = tags;
  }

  /** IDs whose trace changed and files whose problems changed since the last call; empties the set. */
  takeChanges(): TraceChanges {
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
    if (key) addOne(this.idsByNameKey, key, id);
  }

  private removeNameKey(id: string): void {
    const key = oftNameKey(id);
    if (key) removeOne(this.idsByNameKey, key, id);
  }

  /**
   * Drops cached answers for the touched IDs, the other revisions of OpenFastTrace IDs, the items
   * that cover them (their link status may change), and everything upstream (deep coverage).
   */
  private invalidate(touched: ReadonlySet<string>, changedFile: string | undefined): void {
    this.versionCounter++;
    if (changedFile) {
      this.changedFiles.add(changedFile);
      this.listener.fileChanged(changedFile);
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
        for (const other of eachOf(this.idsByNameKey.get(key))) expanded.add(other);
        // Links to other revisions of the same item change from orphaned to outdated/predated.
        for (const target of eachOf(this.linkTargetsByKey.get(key))) expanded.add(target);
      }
    }
    // Files of tags naming an ID change their problems only when the ID appears or disappears.
    const flipped = new Set<string>();
    const unknownTargets = this.unknownTargetsNow();
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
      this.listener.idChanged(id);
      // Items covering this ID: their outgoing link status may change (no deeper).
      for (const covering of this.coveredBy.get(id) ?? []) {
        if (!affected.has(covering.id)) {
          affected.add(covering.id);
          this.listener.idChanged(covering.id);
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
        if (this.changedIds.size > maxChangedIds) {
          this.allChanged = true;
          this.changedIds.clear();
        }
      }
      for (const item of this.items.get(id) ?? []) this.markFile(item.path);
    }
  }

  unknownTargets(): ReadonlySet<string> {
    return this.unknownTargetsNow();
  }

  private unknownTargetsNow(): Set<string> {
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
    if (this.answered && this.unknownTargetsStale) this.unknownTargetsNow();
  }

  private markFile(path: string): void {
    this.listener.fileChanged(path);
    this.changedFiles.add(path);
  }

  otherRevisions(id: string): string[] {
    const key = oftNameKey(id);
    const ids = key ? this.idsByNameKey.get(key) : undefined;
    if (ids === undefined || ids === id) return [];
    return typeof ids === 'string' ? [ids] : [...ids].filter((other) => other !== id);
  }

  otherLinkTargets(id: string): string[] {
    const key = oftNameKey(id);
    const targets = key ? this.linkTargetsByKey.get(key) : undefined;
    // Most items are linked under one revision, their own: nothing to scan.
    if (targets === undefined || targets === id) return [];
    const out: string[] = [];
    const revision = revisionOf(id);
    for (const target of eachOf(targets)) {
      if (target === id || this.items.has(target)) continue;
      if (revisionOf(target) !== revision) out.push(target);
    }
    return out;
  }

  private countLinkTarget(target: string, delta: number): void {
    const key = oftNameKey(target);
    if (!key) return;
    const count = (this.linkTargetCounts.get(target) ?? 0) + delta;
    if (count > 0) {
      this.linkTargetCounts.set(target, count);
      if (count === delta) addOne(this.linkTargetsByKey, key, target);
    } else {
      this.linkTargetCounts.delete(target);
      removeOne(this.linkTargetsByKey, key, target);
    }
  }
}

/**
 * One string, or a set of them once there are more: most OpenFastTrace names have one revision,
 * and a workspace has tens of thousands of names, so a set for each would be most of the index.
 */
type OneOrMore = string | Set<string>;

function addOne(map: Map<string, OneOrMore>, key: string, value: string): void {
  const current = map.get(key);
  if (current === undefined) map.set(key, value);
  else if (typeof current === 'string') {
    if (current !== value) map.set(key, new Set([current, value]));
  } else current.add(value);
}

function removeOne(map: Map<string, OneOrMore>, key: string, value: string): void {
  const current = map.get(key);
  if (current === undefined) return;
  if (typeof current === 'string') {
    if (current === value) map.delete(key);
    return;
  }
  current.delete(value);
  if (current.size === 1) map.set(key, current.values().next().value!);
  else if (current.size === 0) map.delete(key);
}

function eachOf(values: OneOrMore | undefined): Iterable<string> {
  return values === undefined ? [] : typeof values === 'string' ? [values] : values;
}

/** The revision of an OpenFastTrace ID (what follows its last `~`). */
function revisionOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('~') + 1));
}

function itemOfDef(def: RequirementDef): Item {
  return new TracedItem(def.id, def.path, def.span, def.artifactType, def.needs, def.covers, def.format === 'oft', def, undefined, def.active !== false, def.itemStatus === 'rejected');
}

/** The ID of the item an OpenFastTrace tag defines: `impl~name~0`, or its own `impl~name~rev`. */
export function oftTagItemId(tag: TraceTag): string {
  const item = tag.oftItem!;
  return `${tag.artifactType}~${item.name}~${item.revision}`;
}

function itemOfOftTag(tag: TraceTag): Item {
  const needs = tag.oftItem?.needs ?? [];
  return new TracedItem(oftTagItemId(tag), tag.path, tag.span, tag.artifactType, needs, [tag], true, undefined, tag, needs.length > 0, false);
}

/** An empty set of IDs, for changes that need none. */
const noIds: ReadonlySet<string> = new Set<string>();

export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
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

export function sameSpan(a: Span, b: Span): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameLinks(a: RequirementDef['covers'], b: RequirementDef['covers']): boolean {
  return a.length === b.length && a.every((link, i) => link.target === b[i].target && link.stamp === b[i].stamp && sameSpan(link.span, b[i].span));
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
    sameSpan(a.span, b.span) &&
    sameSpan(a.fullSpan, b.fullSpan) &&
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
