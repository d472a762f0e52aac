/**
 * Which JavaScript and TypeScript modules import which, from relative specifiers in `import`,
 * `export … from`, `require()` and `import()`. It answers "which test files are affected by a
 * change of this module" (reverse reachability) and "which files did this test load" (forward
 * reachability, for staleness). Package imports (`lodash`) are not followed; a specifier that
 * resolves to no file is dropped.
 *
 * Each file's edges are replaced wholesale when it changes, so an update costs the size of that
 * file. Resolution follows Node and TypeScript: the exact path, then the source extensions, then
 * `index.*`, and a `.js` specifier also finds the `.ts` file it is compiled from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const codeFile = /\.(?:[cm]?[jt]sx?)$/;
const specifierPatterns = [
  /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"\n]+)['"]/g,
  /\bimport\s*['"]([^'"\n]+)['"]/g,
  /\b(?:require|import)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  /\bvi\.mock\s*\(\s*['"]([^'"\n]+)['"]/g,
  /\bjest\.mock\s*\(\s*['"]([^'"\n]+)['"]/g,
];

export function isCodeFile(file: string): boolean {
  return codeFile.test(file) && !file.endsWith('.d.ts');
}

/** The relative specifiers a module names. */
export function relativeSpecifiers(text: string): string[] {
  const found = new Set<string>();
  for (const pattern of specifierPatterns) {
    for (const match of text.matchAll(pattern)) if (match[1].startsWith('.')) found.add(match[1]);
  }
  return [...found];
}

/** Resolves a relative specifier from `fromFile` to a file, or undefined. */
export function resolveSpecifier(fromFile: string, specifier: string, exists: (file: string) => boolean = fileExists): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base];
  const jsLike = /\.([cm]?)js(x?)$/.exec(base);
  if (jsLike) {
    const stem = base.slice(0, -jsLike[0].length);
    candidates.push(`${stem}.${jsLike[1]}ts${jsLike[2]}`, `${stem}.ts`, `${stem}.tsx`);
  }
  for (const extension of sourceExtensions) candidates.push(base + extension);
  for (const extension of sourceExtensions) candidates.push(path.join(base, `index${extension}`));
  return candidates.find((candidate) => isCodeFile(candidate) && exists(candidate));
}

function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class ImportGraph {
  private readonly imports = new Map<string, Set<string>>();
  private readonly importers = new Map<string, Set<string>>();
  /** The relative specifiers each file was last indexed with: typing that leaves them alone resolves nothing again. */
  private readonly specifiersOf = new Map<string, string>();

  /** Replaces the edges of one file from its text. */
  setFile(file: string, text: string, exists?: (file: string) => boolean): void {
    if (!isCodeFile(file)) {
      this.removeFile(file, true);
      return;
    }
    const specifiers = relativeSpecifiers(text);
    const key = specifiers.join('\n');
    // The keystroke path: resolving means file-system look-ups, so skip it when the imports did not change.
    if (this.imports.has(file) && this.specifiersOf.get(file) === key) return;
    this.removeFile(file, true);
    this.specifiersOf.set(file, key);
    const targets = new Set<string>();
    for (const specifier of specifiers) {
      const target = resolveSpecifier(file, specifier, exists);
      if (target && target !== file) targets.add(target);
    }
    this.imports.set(file, targets);
    for (const target of targets) {
      let set = this.importers.get(target);
      if (!set) this.importers.set(target, (set = new Set()));
      set.add(file);
    }
  }

  /** Drops a file's own edges; `keepImporters` leaves the edges into it (it may come back). */
  removeFile(file: string, keepImporters = false): void {
    for (const target of this.imports.get(file) ?? []) this.importers.get(target)?.delete(file);
    this.imports.delete(file);
    this.specifiersOf.delete(file);
    if (!keepImporters) this.importers.delete(file);
  }

  importsOf(file: string): ReadonlySet<string> {
    return this.imports.get(file) ?? new Set();
  }

  /** Every file `file` loads, directly or not (itself excluded). */
  dependenciesOf(file: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...this.importsOf(file)];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next) || next === file) continue;
      seen.add(next);
      stack.push(...this.importsOf(next));
    }
    return seen;
  }

  /** The files among `isTest` that load any of `changed`, directly or not, the changed test files included. */
  affectedTests(changed: readonly string[], isTest: (file: string) => boolean): string[] {
    const seen = new Set<string>();
    const stack = [...changed];
    const tests: string[] = [];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      if (isTest(next)) tests.push(next);
      stack.push(...(this.importers.get(next) ?? []));
    }
    return tests.sort();
  }

  get size(): number {
    return this.imports.size;
  }
}
