/**
 * The coverage chain as a call hierarchy: feature → requirement → design → implementation → test.
 * An item "calls" what realises it: its outgoing calls are the items that cover it and the tags
 * and tests that implement or verify it; its incoming calls are the items it covers (for a tag or
 * test, the requirement it names). Nodes are plain data with protocol Locations; the LSP edge
 * turns them into `CallHierarchyItem`s.
 */
import type { Location, RequirementTrace, TraceLink } from '../../../protocol/trace';
import type { TraceQuery } from './graph';

export interface HierarchyNode {
  /** What the editor shows: the ID, or the symbol or test a tag is on. */
  name: string;
  detail: string;
  kind: 'requirement' | 'implementation' | 'test';
  location: Location;
  /** A requirement's ID; for a tag or test, the ID it names. */
  id: string;
  /** Set for a tag or test: it realises `id` and covers nothing else. */
  leaf?: true;
}

/** The node of a requirement, or null when no file defines the ID. */
export function requirementNode(graph: TraceQuery, id: string): HierarchyNode | null {
  const trace = graph.trace(id);
  return trace ? nodeOfTrace(trace) : null;
}

function nodeOfTrace(trace: RequirementTrace): HierarchyNode {
  const r = trace.requirement;
  return { name: r.id, detail: `${r.title ? `${r.title} · ` : ''}${r.status} · ${r.artifactType}`, kind: 'requirement', location: r.location, id: r.id };
}

/** What realises the node: the items that cover it, then its implementations and tests. */
export function outgoing(graph: TraceQuery, node: HierarchyNode): HierarchyNode[] {
  if (node.leaf) return [];
  const trace = graph.trace(node.id);
  if (!trace) return [];
  const out: HierarchyNode[] = [];
  const seen = new Set<string>();
  const add = (child: HierarchyNode): void => {
    const key = placeKey(child.location);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(child);
  };
  for (const linked of trace.downstream) {
    const child = requirementNode(graph, linked.id);
    if (child) add(child);
  }
  for (const link of trace.implementations) add(leafOf(link, trace.requirement.id, 'implementation'));
  for (const link of trace.tests) add(leafOf(link, trace.requirement.id, 'test'));
  return out;
}

/** What the node realises: the items it covers; for a tag or test, the requirement it names. */
export function incoming(graph: TraceQuery, node: HierarchyNode): HierarchyNode[] {
  if (node.leaf) {
    const named = requirementNode(graph, node.id);
    return named ? [named] : [];
  }
  const trace = graph.trace(node.id);
  if (!trace) return [];
  const out: HierarchyNode[] = [];
  for (const linked of trace.upstream) {
    const parent = requirementNode(graph, linked.id);
    if (parent) out.push(parent);
  }
  return out;
}

function leafOf(link: TraceLink, id: string, kind: 'implementation' | 'test'): HierarchyNode {
  const name = link.symbol ?? link.testName ?? `${link.kind === 'oft' ? `[${link.artifactType}->${id}]` : `${link.kind} ${id}`}`;
  const detail = `${link.artifactType}${link.result ? ` · ${link.result.outcome}` : ''}`;
  return { name, detail, kind, location: link.location, id, leaf: true };
}

function placeKey(location: Location): string {
  return `${location.uri}\u0000${location.range.start.line}:${location.range.start.character}`;
}
