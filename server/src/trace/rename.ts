/**
 * Renaming a requirement ID everywhere it is written, as one edit: its definition, every tag, test
 * title, `Covers:`/`Depends:` entry and Doorstop link. Plain data in, plain data out; the LSP edge
 * turns the plan into a `WorkspaceEdit`.
 *
 * OpenFastTrace IDs: a new name alone (`signin`) keeps the artifact type and the revision; a whole
 * ID (`req~signin~2`) gives the definition that type, name and revision, so it keeps the revision
 * or bumps it as written. Every link, of any revision, takes the new type and name and keeps the
 * revision it names: after a bump the covering items are outdated until someone reviews them and
 * updates their links, as OpenFastTrace intends. A Doorstop item's UID is its file's
 * name: the plan renames the file, and the links name the new UID.
 */
import * as path from 'node:path';
import type { TraceQuery } from './graph';
import { formatOftId, parseOftId } from './ids';
import type { Span } from './model';

export interface RenamePlan {
  /** The ID that is renamed, and the ID its definition gets. */
  from: string;
  to: string;
  /** Text edits: each replaces `expected` (the ID written there) with `newText`. */
  edits: { path: string; span: Span; expected: string; newText: string }[];
  /** Files to rename (a Doorstop item's file). */
  renameFiles: { from: string; to: string }[];
}

/** An OpenFastTrace item name (the middle part of `type~name~revision`). */
const oftName = /^[A-Za-z][\w-]*(?:\.[\w-]+)*$/;

/** A Doorstop UID as a file name: no folder separators, no leading dot. */
const doorstopUid = /^[A-Za-z0-9][\w.-]*$/;

export class RenameError extends Error {}

/**
 * The edit that renames `id` to `newName`. `plainId` tells whether a text is a whole plain ID by
 * the workspace's ID pattern; `exists` whether a file exists (a Doorstop rename must not replace one).
 */
export function planRename(graph: TraceQuery, id: string, newName: string, plainId: (text: string) => boolean, exists: (file: string) => boolean): RenamePlan {
  const wanted = newName.trim();
  if (wanted.length === 0) throw new RenameError('The new ID is empty.');
  const probe = graph.renameSites(id, false);
  if (probe.definitions.length === 0 && graph.definitions(id).length === 0) throw new RenameError(`No requirement defines ${id}; only a defined ID can be renamed.`);
  const format = probe.definitions[0]?.format ?? graph.trace(id)?.requirement.format;
  const old = parseOftId(id);
  const plan: RenamePlan = { from: id, to: wanted, edits: [], renameFiles: [] };
  /** The ID that replaces an old ID written somewhere (at a definition, or in a link). */
  let rewrite: (written: string, definition: boolean) => string;
  let allRevisions = false;
  if (old && format === 'oft') {
    let next = { ...old, name: wanted };
    if (wanted.includes('~')) {
      const parsed = parseOftId(wanted);
      if (!parsed) throw new RenameError(`${wanted} is not an OpenFastTrace ID (type~name~revision).`);
      next = parsed;
    } else if (!oftName.test(wanted)) {
      throw new RenameError(`${wanted} is not an OpenFastTrace item name (a letter, then letters, digits, _ or -, parts joined by dots).`);
    }
    plan.to = formatOftId(next);
    // The definition gets the new revision; every link keeps the revision it names, so a bump
    // leaves the covering items outdated until they are reviewed, as OpenFastTrace intends.
    allRevisions = true;
    rewrite = (written, definition) => formatOftId({ ...next, revision: definition ? next.revision : parseOftId(written)!.revision });
  } else if (format === 'doorstop') {
    if (!doorstopUid.test(wanted)) throw new RenameError(`${wanted} cannot be a Doorstop UID: it is its item's file name.`);
    rewrite = () => wanted;
  } else {
    if (!plainId(wanted)) throw new RenameError(`${wanted} does not match the workspace's ID pattern (trace.idPattern).`);
    rewrite = () => wanted;
  }
  if (plan.to === id) throw new RenameError(`${id} already has that ID.`);
  if (graph.definitions(plan.to).length > 0) throw new RenameError(`${plan.to} is already defined; renaming ${id} to it would make a duplicate.`);

  const sites = allRevisions ? graph.renameSites(id, true) : probe;
  const seen = new Set<string>();
  const edit = (site: { path: string; span: Span; id: string }, definition: boolean): void => {
    const key = `${site.path}\u0000${site.span.start.line}:${site.span.start.character}`;
    const newText = rewrite(site.id, definition && site.id === id);
    if (seen.has(key) || newText === site.id) return;
    seen.add(key);
    plan.edits.push({ path: site.path, span: site.span, expected: site.id, newText });
  };
  for (const site of sites.definitions) {
    if (site.format === 'doorstop') {
      const to = path.join(path.dirname(site.path), `${wanted}${path.extname(site.path)}`);
      if (exists(to)) throw new RenameError(`${to} exists already; a Doorstop item's UID is its file's name.`);
      plan.renameFiles.push({ from: site.path, to });
    } else edit(site, true);
  }
  for (const site of sites.references) edit(site, false);
  return plan;
}
