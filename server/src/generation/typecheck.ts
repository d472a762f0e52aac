/**
 * Type-checks an attempt against the real project, in memory: the planned files' new text and the
 * editor's unsaved documents stand in for the disk, nothing is written. Only problems the attempt
 * brings count: every diagnostic of a new file, and those inside the changed ranges of an existing
 * one, and errors a replaced declaration causes in the files that call it.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { TypeScriptModule } from './declarations';
import type { GenerationCheckIssue, PlannedFile } from './model';
import { changedRanges } from './plan';
import { createProgramOver } from './program';

export interface TypeCheckInput {
  ts: TypeScriptModule;
  folder: string;
  planned: PlannedFile[];
  /** The unsaved editor text of a file, else undefined (the disk is read then). */
  overlay(path: string): string | undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function typeCheckPlanned(input: TypeCheckInput): GenerationCheckIssue[] {
  const { ts, planned } = input;
  if (planned.length === 0) return [];
  const program = createProgramOver({
    ts,
    folder: input.folder,
    anchor: planned[0].path,
    roots: planned.map((f) => f.path),
    replacements: new Map(planned.map((f) => [path.resolve(f.path), f.after])),
    overlay: input.overlay,
  });
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
  issues.push(...brokenCallers(ts, program, input.folder, planned));
  return issues;
}

/**
 * Type errors a replaced declaration causes in the files that import it: errors on lines that name
 * the replaced symbol, in project files (not `node_modules`) that import a changed module.
 */
function brokenCallers(ts: TypeScriptModule, program: TS.Program, folder: string, planned: PlannedFile[]): GenerationCheckIssue[] {
  const replaced = planned.filter((file) => file.before !== undefined && file.changes.some((c) => c.end > c.start));
  if (replaced.length === 0) return [];
  const plannedPaths = new Set(planned.map((f) => path.resolve(f.path)));
  const issues: GenerationCheckIssue[] = [];
  for (const file of replaced) {
    const names = [...new Set(file.changes.filter((c) => c.end > c.start).map((c) => /(?:function|class|const|let)\s+([A-Za-z_$][\w$]*)|^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*\(/m.exec(c.text)).map((m) => m?.[1] ?? m?.[2]).filter((n): n is string => !!n))];
    if (names.length === 0) continue;
    const moduleName = path.basename(file.path).replace(/\.[^.]+$/, '');
    for (const source of program.getSourceFiles()) {
      const fileName = path.resolve(source.fileName);
      if (plannedPaths.has(fileName) || fileName.includes(`${path.sep}node_modules${path.sep}`) || source.isDeclarationFile) continue;
      if (!new RegExp(`['"][^'"]*\\b${moduleName}(?:\\.[mc]?[jt]sx?)?['"]`).test(source.text)) continue;
      for (const d of program.getSemanticDiagnostics(source)) {
        if (d.category !== ts.DiagnosticCategory.Error || d.start === undefined) continue;
        const { line } = source.getLineAndCharacterOfPosition(d.start);
        const lineText = source.text.split('\n')[line] ?? '';
        if (!names.some((name) => new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(lineText))) continue;
        const relative = path.relative(folder, fileName);
        issues.push({
          check: 'types',
          path: relative.split(path.sep).join('/'),
          line: line + 1,
          message: `TS${d.code} in a caller of ${names.join(', ')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (at: ${lineText.trim().slice(0, 160)})`,
          blocking: true,
        });
      }
    }
  }
  return issues;
}
