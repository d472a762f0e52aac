/**
 * Type-checks an attempt against the real project, in memory: the planned files' new text and the
 * editor's unsaved documents stand in for the disk, nothing is written. Only problems the attempt
 * brings count: every diagnostic of a new file, and those inside the changed ranges of an existing
 * one, and errors a replaced declaration causes in the files that call it.
 *
 * What is not the model's fault does not block: an error the unchanged project has too (the same
 * check over the unchanged files — the baseline — reports the same message), and an error of the
 * environment rather than the code (a package or `@types/*` the workspace has not installed, as in
 * a fresh clone before `npm install`). Both stay in the record, as non-blocking notes.
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
  /** Unchanged project files (existing tests, sources) whose errors make up the baseline with the planned files' old text. */
  baselineFiles?: string[];
}

/**
 * Codes of errors that say the environment lacks something: a module or its declarations, or the
 * types of Node or of a test runner (`install @types/node`, `@types/mocha`…).
 */
const environmentCodes = new Set([2580, 2581, 2582, 2591, 2592, 2593, 2688, 7016]);

/** Whether a diagnostic is the environment's: one of the codes above, or a bare module specifier not found. */
function isEnvironmentError(code: number, message: string): boolean {
  if (environmentCodes.has(code)) return true;
  // TS2307 / TS2792: "Cannot find module 'x'"; a relative path is the code's mistake, a package is the install's.
  if (code === 2307 || code === 2792) {
    const specifier = /module '([^']+)'/.exec(message)?.[1];
    return specifier !== undefined && !specifier.startsWith('.') && !specifier.startsWith('/');
  }
  return false;
}

/** `TS<code>: <message>` of every error in the unchanged versions of the files, for comparison. */
function baselineErrors(input: TypeCheckInput): Set<string> {
  const { ts } = input;
  const existing = input.planned.filter((f) => f.before !== undefined).map((f) => f.path);
  const roots = [...new Set([...existing, ...(input.baselineFiles ?? [])])];
  const found = new Set<string>();
  if (roots.length === 0) return found;
  const program = createProgramOver({ ts, folder: input.folder, anchor: input.planned[0].path, roots, overlay: input.overlay });
  for (const file of roots) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      if (d.category === ts.DiagnosticCategory.Error) found.add(`TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
  }
  return found;
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
        const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
        const environment = check === 'types' && isEnvironmentError(d.code, text);
        issues.push({ check, path: file.relative, line, message: `TS${d.code}: ${text}${code}${environment ? ' (not counted: the environment lacks this, not the code)' : ''}`, blocking: !environment });
      }
    };
    const syntactic = program.getSyntacticDiagnostics(source);
    report('syntax', syntactic);
    if (syntactic.length === 0) report('types', program.getSemanticDiagnostics(source));
  }
  issues.push(...brokenCallers(ts, program, input.folder, planned));
  if (issues.some((i) => i.blocking && i.check === 'types')) {
    const baseline = baselineErrors(input);
    for (const issue of issues) {
      const key = /^(TS\d+: .*?)(?: \(at: .*\))?$/s.exec(issue.message)?.[1];
      if (issue.blocking && issue.check === 'types' && key && baseline.has(key)) {
        issue.blocking = false;
        issue.message += ' (not counted: the unchanged project has this error too)';
      }
    }
  }
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
