/**
 * The status rules: what an ID's links make of it (its status, defects, implementations, tests,
 * deep coverage and test results), computed lazily per ID from the index and cached until the
 * index says the ID changed.
 *
 * OpenFastTrace items keep OpenFastTrace's semantics (`computeOft`): a covering item's link is
 * `covers`, `unwanted` (its type is not needed), `ambiguous` (the target is defined twice),
 * `outdated` / `predated` (only another revision exists), or `orphaned`; an item is covered when
 * each needed artifact type covers it and every covering item is itself covered. Markdown and
 * Doorstop requirements (`computePlain`) are covered when implemented and tested as `Needs:` asks;
 * a Doorstop item that code does not name stands as well as its weakest child item.
 */
import type { Defect, RequirementStatus, TestResultSummary } from '../../../protocol/trace';
import { isTestArtifactType, parseOftId } from './ids';
import type { Span, TraceTag } from './model';
import { tagOfLink, type IndexView, type Item, type RawLink } from './graphIndex';

/** A defect before it is turned into protocol shape. */
export interface RawDefect {
  kind: Defect['kind'];
  message: string;
  path?: string;
  span?: Span;
  relatedId?: string;
}

export type Deep = 'covered' | 'uncovered' | 'cycle';

export interface ResultAggregate {
  tests: number;
  passed: number;
  failed: number;
}

/** Everything computed about one ID; cached until a change touches the ID. */
export interface Computed {
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

const none: readonly never[] = Object.freeze([]);
const noResults: ResultAggregate = Object.freeze({ tests: 0, passed: 0, failed: 0 });

/** What an ID on a coverage cycle stands for while its own answer is being computed. */
const cycleMarker: Computed = { status: 'unimplemented', defects: none, implementations: none, tests: none, deep: 'cycle', implemented: false, results: noResults };

/** The flag bits of a needed artifact type in `computeOft`. */
const coveredFlag = 1;
const deepFlag = 2;
const implementedFlag = 4;

/** Statuses from worst to best, for "the weakest child". */
const statusRank: Record<RequirementStatus, number> = { unimplemented: 0, untested: 1, failing: 2, covered: 3, verified: 4 };

/** The links of one ID being gathered, and what they add up to. */
interface Gathered {
  defects: RawDefect[];
  implementations: RawLink[];
  tests: RawLink[];
  results: ResultAggregate;
}

export class StatusRules {
  private readonly cache = new Map<string, Computed>();
  /** The IDs whose answers are being computed right now, to find coverage cycles. */
  private readonly visiting = new Set<string>();

  constructor(private readonly index: IndexView) {}

  /** The answer about this ID is stale. */
  drop(id: string): void {
    this.cache.delete(id);
  }

  computed(id: string): Computed {
    const cached = this.cache.get(id);
    if (cached) return cached;
    this.index.noteAnswered();
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
    const items = this.index.items.get(id) ?? [];
    const gathered: Gathered = { defects: [], implementations: [], tests: [], results: { tests: 0, passed: 0, failed: 0 } };
    if (items.length > 1) {
      for (const item of items) {
        gathered.defects.push({ kind: 'duplicate', message: `${id} is defined ${items.length} times; give each requirement its own ID.`, path: item.path, span: item.span, relatedId: id });
      }
    }
    this.gatherTags(id, gathered);
    return items[0]?.oft ? this.computeOft(id, items, gathered) : this.computePlain(id, items, gathered);
  }

  /** Comment tags and test titles naming the ID; a test named twice (a tag and its title) counts once. */
  private gatherTags(id: string, { implementations, tests }: Gathered): void {
    const tags = this.index.tagsByTarget.get(id);
    if (!tags) return;
    let seenTests: Set<string> | undefined;
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

  /** An OpenFastTrace item: its needed artifact types, each covered deeply, and its link defects. */
  private computeOft(id: string, items: readonly Item[], gathered: Gathered): Computed {
    const { defects, implementations, tests, results } = gathered;
    const first = items[0];
    const needs = first.needs;
    // Per needed type (by its index in `needs`): covered, covered deeply, implemented (flag bits).
    const byType = new Uint8Array(needs.length);
    const incoming: Item[] = [];
    let deep: Deep = 'covered';
    // Exact links.
    for (const covering of this.index.coveredBy.get(id) ?? []) {
      incoming.push(covering);
      const type = needs.indexOf(covering.artifactType);
      if (type < 0) {
        if (!first.rejected) defects.push({ kind: 'unwanted', message: `${covering.id} covers ${id}, which does not need \`${covering.artifactType}\`.`, path: first.path, span: first.span, relatedId: covering.id });
        continue;
      }
      if (items.length > 1) {
        incoming.pop();
        continue;
      }
      byType[type] |= coveredFlag;
      const sub = this.computed(covering.id);
      if (sub === cycleMarker) deep = 'cycle';
      else {
        if (sub.deep === 'covered') byType[type] |= deepFlag;
        if (sub.implemented) byType[type] |= implementedFlag;
        addResults(results, sub.results);
      }
      const link = linkOfItem(covering);
      if (isTestArtifactType(covering.artifactType)) tests.push(link);
      else implementations.push(link);
    }
    // Links that name another revision of this item.
    for (const other of this.index.otherLinkTargets(id)) {
      const otherRevision = parseOftId(other)!.revision;
      for (const covering of this.index.coveredBy.get(other) ?? []) {
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
    let shallow = true;
    let implemented = true;
    for (const type of needs) {
      // A type written twice in `Needs:` keeps its flags at its first place.
      const flags = byType[needs.indexOf(type)];
      if (!(flags & coveredFlag)) shallow = false;
      if (!(flags & implementedFlag) && !isTestArtifactType(type)) implemented = false;
    }
    if (deep === 'covered' && !shallow) deep = 'uncovered';
    if (first.tag) this.addTagResult(first.tag, results);
    // Outgoing links of this item.
    if (!first.rejected) for (const item of items) this.outgoingDefects(item, defects);
    if (!first.rejected && deep !== 'covered') {
      const missing = needs.filter((type) => !(byType[needs.indexOf(type)] & deepFlag));
      defects.push({
        kind: 'uncovered',
        message:
          deep === 'cycle'
            ? `${id} is part of a coverage cycle.`
            : missing.length > 0
              ? `${id} needs coverage by ${missing.map((t) => `\`${t}\``).join(', ')}${missing.some((t) => byType[needs.indexOf(t)] & coveredFlag) ? ' (the covering items are not covered themselves)' : ''}.`
              : `${id} is covered only by items that are not covered themselves.`,
        path: first.path,
        span: first.span,
      });
    }
    const status = applyResults(!implemented ? 'unimplemented' : deep === 'covered' ? 'covered' : 'untested', results);
    return computedOf(status, gathered, deep, implemented);
  }

  /** A Markdown or Doorstop requirement, or an ID nobody defines. */
  private computePlain(id: string, items: readonly Item[], gathered: Gathered): Computed {
    const { defects, implementations, tests, results } = gathered;
    const first = items[0] as Item | undefined;
    for (const covering of this.index.coveredBy.get(id) ?? []) {
      if (covering.oft && covering.tag) {
        const link = linkOfItem(covering);
        if (isTestArtifactType(covering.artifactType)) tests.push(link);
        else implementations.push(link);
      }
    }
    for (const link of tests) this.addLinkResult(link, results);
    for (const item of items) this.outgoingDefects(item, defects);
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
    let implemented = implementations.length > 0;
    // A Doorstop item that code does not name directly is realised through its child items (the
    // items of lower documents that link to it): it stands as well as its weakest child.
    // ReqIF objects linked by spec relations stand the same way.
    const derived = first?.def?.format === 'doorstop' || first?.def?.format === 'reqif' ? first.def.format : undefined;
    if (derived && implementations.length === 0 && tests.length === 0) {
      const children = (this.index.coveredBy.get(id) ?? []).filter((child) => child.def?.format === derived);
      let weakest: RequirementStatus | undefined;
      for (const child of children) {
        const sub = this.computed(child.id);
        if (sub === cycleMarker) continue;
        if (weakest === undefined || statusRank[sub.status] < statusRank[weakest]) weakest = sub.status;
        implemented ||= sub.implemented;
        addResults(results, sub.results);
      }
      if (weakest !== undefined) status = weakest;
    }
    const deep: Deep = status === 'covered' || status === 'verified' ? 'covered' : 'uncovered';
    return computedOf(status, gathered, deep, implemented);
  }

  /** Defects of the links an item writes: orphaned, outdated, predated, ambiguous, unwanted, suspect. */
  private outgoingDefects(item: Item, defects: RawDefect[]): void {
    for (const link of item.covers) {
      const targets = this.index.items.get(link.target);
      // The common case, a link to one item that wants it and no stamp to check, has no defect.
      if (targets?.length === 1 && link.stamp === undefined && (!item.oft || !targets[0].oft || targets[0].needs.includes(item.artifactType))) continue;
      const where = { path: item.path, span: link.span, relatedId: link.target };
      if (!targets || targets.length === 0) {
        const others = this.index.otherRevisions(link.target);
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

  /** The result of the test a link stands for: the test of that file and name, or the file's worst. */
  resultOf(path: string, testName: string | undefined): TestResultSummary | undefined {
    const records = this.index.results.get(path);
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
}

/**
 * What `compute` keeps for an ID, with one shared empty list for each list that is empty and one
 * shared aggregate when no test has a result: every ID of the workspace is kept, and most have no
 * defects and no results.
 */
function computedOf(status: RequirementStatus, { defects, implementations, tests, results }: Gathered, deep: Deep, implemented: boolean): Computed {
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

function addResults(into: ResultAggregate, from: ResultAggregate): void {
  into.tests += from.tests;
  into.passed += from.passed;
  into.failed += from.failed;
}

function linkOfItem(item: Item): RawLink {
  return item.tag ?? item;
}

/**
 * Doorstop: whether a link's stored stamp differs from its parent's fingerprint now; undefined
 * when the link carries no stamp (or `true`, Doorstop's "confirmed, stamp it") or the parent is
 * not a Doorstop item.
 */
export function isSuspect(link: { stamp?: string }, parent: Item | undefined): boolean | undefined {
  const fingerprint = parent?.def?.fingerprint;
  if (link.stamp === undefined || link.stamp === 'true' || fingerprint === undefined) return undefined;
  return link.stamp !== fingerprint;
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

/** Whether a test of that file and name is among the links already (a few per ID, so a scan). */
function hasTest(tests: RawLink[], path: string, testName: string): boolean {
  for (const link of tests) if (tagOfLink(link)?.testName === testName && link.path === path) return true;
  return false;
}
