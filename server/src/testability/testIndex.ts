/**
 * The workspace index of what test files use, for the `untested-export` and
 * `untested-requirement` rules.
 *
 * Per test file it keeps the module specifiers the file imports (`import … from`, `require`,
 * dynamic `import()`) and every identifier-like word it mentions; per source file it keeps the
 * re-exports (`export * from`, `export { a as b } from`) so that a test importing a barrel module
 * counts for the modules behind it. Both come from a fast text scan, not a type check: a test
 * "uses" an export when it imports the export's module (directly or through re-exports) and
 * mentions the export's name.
 *
 * Updates are incremental: replacing one file's record returns the source files whose facts may
 * have changed, so only their diagnostics are recomputed. Module resolution follows relative
 * specifiers with the usual extension and `index` lookups (including `./x.js` naming `x.ts`), and
 * the package's own name (`import … from 'zod/v4'` in zod's tests) through its `package.json`;
 * other package names and path aliases are not resolved. CommonJS re-exports
 * (`module.exports.x = require('./x')`) count like `export … from`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceTestFacts } from './model';

interface TestRecord {
  specifiers: string[];
  words: Set<string>;
}

interface Reexport {
  specifier: string;
  /** `undefined` for `export * from`; else exported name → name in the target module. */
  names?: Map<string, string>;
}

const importPattern = /\bfrom\s*['"]([^'"\n]+)['"]|\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)|\bimport\s+['"]([^'"\n]+)['"]/g;
const wordPattern = /[A-Za-z_$][\w$]*/g;
const reexportPattern = /\bexport\s+(?:type\s+)?(\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"]([^'"\n]+)['"]/g;
const resolvableExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** CommonJS re-exports: `module.exports = require('./x')`, `module.exports.name = require('./x')` (pino's index). */
const cjsReexportPattern = /\b(?:module\.)?exports(?:\.([\w$]+))?\s*=\s*require\s*\(\s*['"]([^'"\n]+)['"]\s*\)(?:\.([\w$]+))?/g;
const packageNamePattern = /^((?:@[^/]+\/)?[^/@.][^/]*)(?:\/(.*))?$/;

/** Scans the module specifiers a file imports. */
export function scanImports(text: string): string[] {
  const specifiers = new Set<string>();
  for (const match of text.matchAll(importPattern)) specifiers.add(match[1] ?? match[2] ?? match[3] ?? match[4]);
  return [...specifiers];
}

/** Scans the re-exports of a module. */
export function scanReexports(text: string): Reexport[] {
  if (!text.includes('export')) return [];
  const reexports: Reexport[] = [];
  if (text.includes('require')) {
    for (const match of text.matchAll(cjsReexportPattern)) {
      const [whole, name, specifier, member] = match;
      // `module.exports = require('./x')` is the whole of ./x; `exports.name = require('./x')` its default (or one member).
      if (whole.startsWith('exports') && !name) continue;
      if (!name && !member) reexports.push({ specifier });
      else if (name) reexports.push({ specifier, names: new Map([[name, member ?? 'default']]) });
    }
  }
  for (const match of text.matchAll(reexportPattern)) {
    const clause = match[1];
    if (clause.startsWith('*')) {
      reexports.push({ specifier: match[2] });
      continue;
    }
    const names = new Map<string, string>();
    for (const part of clause.slice(1, -1).split(',')) {
      const pieces = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
      if (!pieces[0]) continue;
      names.set((pieces[1] ?? pieces[0]).trim(), pieces[0].trim());
    }
    reexports.push({ specifier: match[2], names });
  }
  return reexports;
}

export class TestReferenceIndex {
  private readonly tests = new Map<string, TestRecord>();
  private readonly reexports = new Map<string, Reexport[]>();
  private readonly sources = new Set<string>();
  /** Resolved specifiers by importing folder and specifier; `undefined` for those that resolve to nothing yet. */
  private readonly resolved = new Map<string, string | undefined>();
  /** Candidate file → keys of `resolved` that failed and would resolve to it. */
  private readonly waitingFor = new Map<string, Set<string>>();
  /** `package.json` by folder (`null`: none there), for the package's own name in its tests. */
  private readonly manifests = new Map<string, Record<string, unknown> | null>();
  /** Resolved module → test files importing it; rebuilt lazily when the set of files changes. */
  private importers: Map<string, Set<string>> | undefined;
  /** Target module → modules re-exporting from it (with the name mapping of that edge). */
  private reexporters: Map<string, { from: string; names?: Map<string, string> }[]> | undefined;

  /** Number of test files indexed. */
  get testCount(): number {
    return this.tests.size;
  }

  /**
   * Records a test file; returns the source files whose facts may have changed. With `affected`
   * false it returns nothing and spares finding them: for a caller that recomputes everything after.
   */
  setTestFile(filePath: string, text: string, affected = true): string[] {
    const before = affected ? this.affectedBy(filePath) : [];
    if (this.sources.delete(filePath)) {
      this.reexports.delete(filePath);
      this.invalidateResolution();
    }
    if (!this.tests.has(filePath)) this.fileAppeared(filePath);
    this.tests.set(filePath, { specifiers: scanImports(text), words: new Set(text.match(wordPattern) ?? []) });
    // A test's own imports resolve on their own: adding or changing one never needs a rebuild.
    this.reindexTest(filePath);
    return affected ? [...new Set([...before, ...this.affectedBy(filePath)])] : [];
  }

  /**
   * Records a JavaScript/TypeScript source file; returns the source files whose facts may have
   * changed, unless `affected` is false (see `setTestFile`).
   */
  setSourceFile(filePath: string, text: string, affected = true): string[] {
    const wasTest = this.tests.delete(filePath);
    const known = this.sources.has(filePath);
    const previousReexports = this.reexports.get(filePath) ?? [];
    const previous = JSON.stringify(previousReexports, mapReplacer);
    const reexports = scanReexports(text);
    if (!known && !wasTest) this.fileAppeared(filePath);
    this.sources.add(filePath);
    if (reexports.length > 0) this.reexports.set(filePath, reexports);
    else this.reexports.delete(filePath);
    const changed = previous !== JSON.stringify(reexports, mapReplacer);
    if (!known || wasTest || changed) {
      if (!affected) {
        this.invalidateResolution();
        return [];
      }
      const before = this.reexportTargets(filePath, previousReexports);
      this.invalidateResolution();
      // A new module, or new re-exports, changes what tests reach of the modules it re-exports.
      return [...new Set([filePath, ...before, ...this.reexportTargets(filePath, reexports)])];
    }
    return [];
  }

  private reexportTargets(filePath: string, reexports: readonly Reexport[]): string[] {
    return reexports.map((reexport) => this.resolve(filePath, reexport.specifier)).filter((target): target is string => target !== undefined);
  }

  /** Forgets a file; returns the source files whose facts may have changed. */
  removeFile(filePath: string): string[] {
    const affected = this.tests.has(filePath) ? this.affectedBy(filePath) : [];
    const known = this.tests.delete(filePath) || this.sources.delete(filePath);
    this.reexports.delete(filePath);
    if (!known) return [];
    // Whatever resolved to the removed file must be resolved again.
    this.resolved.clear();
    this.waitingFor.clear();
    this.invalidateResolution();
    return affected.filter((source) => source !== filePath);
  }

  /**
   * What the tests of the workspace use of one source file. With `names` (the file's exported
   * names), only those are looked up, which keeps a module that hundreds of tests import cheap.
   */
  factsFor(filePath: string, requirementsBySymbol: ReadonlyMap<string, readonly string[]> = new Map(), names?: Iterable<string>): WorkspaceTestFacts {
    const wanted = names ? [...new Set(names)] : undefined;
    const testedNames = new Set<string>();
    let moduleImported = false;
    this.ensureResolution();
    // Walk from the file up through the modules that re-export it, keeping the names each edge renames.
    const queue: { module: string; aliases: Map<string, string> | undefined }[] = [{ module: filePath, aliases: undefined }];
    const visited = new Set<string>();
    while (queue.length > 0) {
      const { module, aliases } = queue.shift()!;
      if (visited.has(module)) continue;
      visited.add(module);
      for (const testPath of this.importers!.get(module) ?? []) {
        const record = this.tests.get(testPath)!;
        moduleImported = true;
        if (wanted && !aliases) {
          for (const name of wanted) if (record.words.has(name)) testedNames.add(name);
        } else if (wanted && aliases) {
          for (const [alias, original] of aliases) if (wanted.includes(original) && record.words.has(alias)) testedNames.add(original);
        } else {
          for (const word of record.words) {
            if (!aliases) testedNames.add(word);
            else {
              const original = aliases.get(word);
              if (original !== undefined) testedNames.add(original);
            }
          }
        }
      }
      for (const edge of this.reexporters!.get(module) ?? []) {
        let next: Map<string, string> | undefined;
        if (edge.names) {
          next = new Map();
          for (const [exported, local] of edge.names) {
            const original = aliases ? aliases.get(local) : local;
            if (original !== undefined) next.set(exported, original);
          }
        } else next = aliases;
        queue.push({ module: edge.from, aliases: next });
      }
    }
    return { hasTests: this.tests.size > 0, testedNames, moduleImported, requirementsBySymbol };
  }

  /** Source files that the test file's imports reach, directly or through re-exports. */
  private affectedBy(testPath: string): string[] {
    const record = this.tests.get(testPath);
    if (!record) return [];
    const reached = new Set<string>();
    const queue: string[] = [];
    for (const specifier of record.specifiers) {
      const resolved = this.resolve(testPath, specifier);
      if (resolved) queue.push(resolved);
    }
    while (queue.length > 0) {
      const module = queue.pop()!;
      if (reached.has(module)) continue;
      reached.add(module);
      for (const reexport of this.reexports.get(module) ?? []) {
        const target = this.resolve(module, reexport.specifier);
        if (target) queue.push(target);
      }
    }
    return [...reached];
  }

  private invalidateResolution(): void {
    this.importers = undefined;
    this.reexporters = undefined;
  }

  private reindexTest(testPath: string): void {
    if (!this.importers) return;
    for (const importers of this.importers.values()) importers.delete(testPath);
    this.addImports(testPath);
  }

  private addImports(testPath: string): void {
    for (const specifier of this.tests.get(testPath)!.specifiers) {
      const resolved = this.resolve(testPath, specifier);
      if (!resolved) continue;
      let importers = this.importers!.get(resolved);
      if (!importers) this.importers!.set(resolved, (importers = new Set()));
      importers.add(testPath);
    }
  }

  private ensureResolution(): void {
    if (this.importers && this.reexporters) return;
    this.importers = new Map();
    this.reexporters = new Map();
    for (const testPath of this.tests.keys()) this.addImports(testPath);
    for (const [module, reexports] of this.reexports) {
      for (const reexport of reexports) {
        const target = this.resolve(module, reexport.specifier);
        if (!target) continue;
        let list = this.reexporters.get(target);
        if (!list) this.reexporters.set(target, (list = []));
        list.push({ from: module, names: reexport.names });
      }
    }
  }

  /**
   * Resolves a specifier against the files the index knows: relative ones, and the package's own
   * name (`zod/v4` in zod's tests) through the nearest `package.json` whose `name` it is.
   */
  private resolve(fromFile: string, specifier: string): string | undefined {
    const relative = specifier.startsWith('.');
    if (!relative && !packageNamePattern.test(specifier)) return undefined;
    const key = `${path.dirname(fromFile)}\0${specifier}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const candidates = relative ? this.candidatesFor(path.resolve(path.dirname(fromFile), specifier)) : this.selfCandidates(fromFile, specifier);
    if (candidates.length === 0) {
      this.resolved.set(key, undefined);
      return undefined;
    }
    const found = candidates.find((candidate) => this.sources.has(candidate) || this.tests.has(candidate));
    this.resolved.set(key, found);
    if (found === undefined) {
      // Remember which files would resolve it, so the answer is forgotten when one of them appears.
      for (const candidate of candidates) {
        let keys = this.waitingFor.get(candidate);
        if (!keys) this.waitingFor.set(candidate, (keys = new Set()));
        keys.add(key);
      }
    }
    return found;
  }

  /** The files a path may name: itself, with each extension, `./x.js` as `x.ts`, and its `index`. */
  private candidatesFor(base: string): string[] {
    const candidates = [base];
    const extension = path.extname(base);
    if (/^\.[cm]?jsx?$/.test(extension)) {
      const stem = base.slice(0, -extension.length);
      candidates.push(stem + extension.replace('js', 'ts'));
    }
    for (const candidate of resolvableExtensions) candidates.push(base + candidate);
    for (const candidate of resolvableExtensions) candidates.push(path.join(base, `index${candidate}`));
    return candidates;
  }

  /**
   * Where a package's own name leads, for a file inside that package: the targets of its
   * `exports` (every condition) and `main`, each also as its source (`.js` → `.ts`, `dist/`,
   * `lib/` or `build/` → `src/`), then `<package>/<subpath>` and `<package>/src/<subpath>`.
   */
  private selfCandidates(fromFile: string, specifier: string): string[] {
    const [, name, subpath] = packageNamePattern.exec(specifier)!;
    const manifest = this.packageOf(path.dirname(fromFile), name);
    if (!manifest) return [];
    const targets: string[] = [];
    const collect = (value: unknown, depth: number) => {
      if (depth > 8) return;
      if (typeof value === 'string') targets.push(value);
      else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner, depth + 1);
    };
    const exportsField = manifest.json.exports;
    const entry = subpath ? `./${subpath}` : '.';
    if (typeof exportsField === 'string' && !subpath) targets.push(exportsField);
    else if (exportsField && typeof exportsField === 'object') {
      const map = exportsField as Record<string, unknown>;
      if (Object.keys(map).some((key) => key.startsWith('.'))) collect(map[entry], 0);
      else if (!subpath) collect(map, 0);
    }
    if (!subpath && typeof manifest.json.main === 'string') targets.push(manifest.json.main);
    const candidates: string[] = [];
    for (const target of targets) {
      if (target.endsWith('.d.ts') || target.endsWith('.d.cts') || target.endsWith('.d.mts')) continue;
      const full = path.resolve(manifest.dir, target);
      candidates.push(...this.candidatesFor(full));
      const source = path.resolve(manifest.dir, target.replace(/^\.\/(?:dist|lib|build)\//, './src/'));
      if (source !== full) candidates.push(...this.candidatesFor(source));
    }
    candidates.push(...this.candidatesFor(path.join(manifest.dir, subpath ?? 'index')), ...this.candidatesFor(path.join(manifest.dir, 'src', subpath ?? 'index')));
    return [...new Set(candidates)];
  }

  /** The nearest `package.json` above `dir` whose `name` is `name` (read once per folder). */
  private packageOf(dir: string, name: string): { dir: string; json: Record<string, unknown> } | undefined {
    for (let current = dir, steps = 0; steps < 64; steps++) {
      let manifest = this.manifests.get(current);
      if (manifest === undefined) {
        manifest = null;
        try {
          const json = JSON.parse(fs.readFileSync(path.join(current, 'package.json'), 'utf8')) as unknown;
          if (json && typeof json === 'object' && !Array.isArray(json)) manifest = json as Record<string, unknown>;
        } catch (error) {
          // No package.json here (or not JSON): look further up.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
        }
        this.manifests.set(current, manifest);
      }
      if (manifest && manifest.name === name) return { dir: current, json: manifest };
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
    return undefined;
  }

  /** A file appeared: forget the resolutions that failed for want of it. */
  private fileAppeared(filePath: string): void {
    const keys = this.waitingFor.get(filePath);
    if (!keys) return;
    for (const key of keys) this.resolved.delete(key);
    this.waitingFor.delete(filePath);
  }

}

function mapReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? [...value.entries()] : value;
}
