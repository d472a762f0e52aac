/**
 * What a file is for the trace: requirements, a test, source code, or something else. Decided from
 * the settings' globs (relative to the workspace folder) and the file's extension.
 */
import type { FileRole } from '../trace/model';
import type { TraceSettings } from './config';
import { matchesAny } from '../text/glob';

/** Extensions of languages whose comments may hold trace tags. */
const sourceExtensions = new Set(
  (
    'ts tsx mts cts js jsx mjs cjs py pyi go java kt kts scala groovy c h cc cpp cxx hpp hh hxx cs fs rs rb sh bash zsh fish ' +
    'sql lua lisp el cl scm clj cljs cljc rkt swift php m mm dart ex exs erl hrl hs ml mli vb r pl pm ps1 ada adb ads f90 vue svelte'
  ).split(' '),
);

export function isSourceFile(filePath: string): boolean {
  const dot = filePath.lastIndexOf('.');
  return dot >= 0 && sourceExtensions.has(filePath.slice(dot + 1).toLowerCase());
}

/**
 * The role of a file. `relative` is its path relative to its workspace folder; `isDoorstopItem`
 * says whether it is an item of a Doorstop document (found by the document's `.doorstop.yml`).
 */
export function fileRole(relative: string, settings: TraceSettings, isDoorstopItem: boolean): FileRole {
  if (isDoorstopItem) return 'requirements';
  if (matchesAny(relative, settings.requirements)) return 'requirements';
  if (!isSourceFile(relative)) return 'other';
  if (matchesAny(relative, settings.tests)) return 'test';
  return 'source';
}
