/**
 * A TypeScript program over the project as the user sees it: the editor's unsaved documents and an
 * attempt's proposed files stand in for the disk, nothing is written. The project's `tsconfig.json`
 * (the nearest one above the anchor file, inside the workspace folder) decides the options; without
 * one, JavaScript is parsed but not type-checked. Source files that do not change between calls
 * (the standard library, `node_modules`) are parsed once and reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';

export interface ProgramInput {
  ts: TypeScriptModule;
  folder: string;
  /** The file whose nearest tsconfig.json decides the options. */
  anchor: string;
  /** Files that must be in the program besides the project's own. */
  roots: string[];
  /** Texts that replace files (proposed files), by absolute path. */
  replacements?: ReadonlyMap<string, string>;
  /** The unsaved editor text of a file, undefined when it is not open. */
  overlay(path: string): string | undefined;
}

const sourceCache = new Map<string, { text: string; file: TS.SourceFile }>();
/** Parsed files kept between programs; the cache starts over beyond this. */
const maxCachedSources = 5000;

function findConfig(folder: string, start: string): string | undefined {
  let dir = path.dirname(start);
  while (dir.length >= folder.length) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function compilerSetup(ts: TypeScriptModule, folder: string, anchor: string, extraRoots: string[]): { options: TS.CompilerOptions; roots: string[] } {
  const configPath = findConfig(folder, anchor);
  if (configPath) {
    const read = ts.readConfigFile(configPath, (p) => fs.readFileSync(p, 'utf8'));
    const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, path.dirname(configPath));
    const options = { ...parsed.options, noEmit: true, incremental: false, composite: false, declaration: false, declarationMap: false };
    return { options, roots: [...new Set([...parsed.fileNames, ...extraRoots])] };
  }
  return {
    options: {
      allowJs: true,
      checkJs: false,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      esModuleInterop: true,
      skipLibCheck: true,
      strict: true,
    },
    roots: extraRoots,
  };
}

export function createProgramOver(input: ProgramInput): TS.Program {
  const { ts } = input;
  const replacements = input.replacements ?? new Map<string, string>();
  const { options, roots } = compilerSetup(ts, input.folder, input.anchor, input.roots);
  const host = ts.createCompilerHost(options, true);
  const textOf = (fileName: string): string | undefined => {
    const resolved = path.resolve(fileName);
    const replaced = replacements.get(resolved);
    if (replaced !== undefined) return replaced;
    const open = input.overlay(resolved);
    if (open !== undefined) return open;
    try {
      return fs.readFileSync(resolved, 'utf8');
    } catch {
      return undefined;
    }
  };
  host.fileExists = (fileName) => replacements.has(path.resolve(fileName)) || input.overlay(path.resolve(fileName)) !== undefined || ts.sys.fileExists(fileName);
  host.readFile = (fileName) => textOf(fileName);
  host.getSourceFile = (fileName, languageVersion) => {
    const text = textOf(fileName);
    if (text === undefined) return undefined;
    const key = `${fileName}\u0000${typeof languageVersion === 'object' ? languageVersion.languageVersion : languageVersion}`;
    const cached = sourceCache.get(key);
    if (cached && cached.text === text) return cached.file;
    const file = ts.createSourceFile(fileName, text, languageVersion, true);
    sourceCache.set(key, { text, file });
    return file;
  };
  host.writeFile = () => undefined;
  // Types and modules are looked up from the workspace, never from wherever the server was started.
  host.getCurrentDirectory = () => input.folder;
  if (sourceCache.size > maxCachedSources) sourceCache.clear();
  return ts.createProgram({ rootNames: roots, options, host });
}
