/**
 * Type-checks an attempt against the real project, in memory: the planned files' new text and the
 * editor's unsaved documents stand in for the disk, nothing is written. Only problems the attempt
 * brings count: every diagnostic of a new file, and those inside the changed ranges of an existing
 * one. Source files that do not change between rounds (the standard library, `node_modules`) are
 * parsed once and reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';
import type { GenerationCheckIssue, PlannedFile } from './model';
import { changedRanges } from './plan';

export interface TypeCheckInput {
  ts: TypeScriptModule;
  folder: string;
  planned: PlannedFile[];
  /** The unsaved editor text of a file, else undefined (the disk is read then). */
  overlay(path: string): string | undefined;
}

const sourceCache = new Map<string, { text: string; file: TS.SourceFile }>();

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

function compilerSetup(ts: TypeScriptModule, folder: string, planned: PlannedFile[]): { options: TS.CompilerOptions; roots: string[] } {
  const configPath = planned.length > 0 ? findConfig(folder, planned[0].path) : undefined;
  const plannedPaths = planned.map((f) => f.path);
  if (configPath) {
    const read = ts.readConfigFile(configPath, (p) => fs.readFileSync(p, 'utf8'));
    const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, path.dirname(configPath));
    const options = { ...parsed.options, noEmit: true, incremental: false, composite: false, declaration: false, declarationMap: false };
    return { options, roots: [...new Set([...parsed.fileNames, ...plannedPaths])] };
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
    roots: plannedPaths,
  };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function typeCheckPlanned(input: TypeCheckInput): GenerationCheckIssue[] {
  const { ts, planned } = input;
  if (planned.length === 0) return [];
  const byPath = new Map(planned.map((f) => [path.resolve(f.path), f]));
  const { options, roots } = compilerSetup(ts, input.folder, planned);
  const host = ts.createCompilerHost(options, true);
  const textOf = (fileName: string): string | undefined => {
    const resolved = path.resolve(fileName);
    const plannedFile = byPath.get(resolved);
    if (plannedFile) return plannedFile.after;
    const open = input.overlay(resolved);
    if (open !== undefined) return open;
    try {
      return fs.readFileSync(resolved, 'utf8');
    } catch {
      return undefined;
    }
  };
  host.fileExists = (fileName) => byPath.has(path.resolve(fileName)) || input.overlay(path.resolve(fileName)) !== undefined || ts.sys.fileExists(fileName);
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
  const program = ts.createProgram({ rootNames: roots, options, host });
  const issues: GenerationCheckIssue[] = [];
  for (const file of planned) {
    const source = program.getSourceFile(file.path);
    if (!source) continue;
    const ranges = file.before === undefined ? [{ start: 0, end: file.after.length }] : changedRanges(file.changes);
    const inside = (d: TS.Diagnostic) => d.start === undefined || ranges.some((r) => d.start! >= r.start && d.start! <= r.end);
    const report = (check: 'syntax' | 'types', diagnostics: readonly TS.Diagnostic[]) => {
      for (const d of diagnostics) {
        if (d.category !== ts.DiagnosticCategory.Error || !inside(d)) continue;
        const line = d.start === undefined ? undefined : lineOf(file.after, d.start);
        const code = line === undefined ? '' : ` (at: ${file.after.split('\n')[line - 1]?.trim().slice(0, 160)})`;
        issues.push({ check, path: file.relative, line, message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}${code}`, blocking: true });
      }
    };
    const syntactic = program.getSyntacticDiagnostics(source);
    report('syntax', syntactic);
    if (syntactic.length === 0) report('types', program.getSemanticDiagnostics(source));
  }
  return issues;
}
