/**
 * Testability analysis of JavaScript and TypeScript: the one entry point every caller uses (the
 * language server, the CLI, the generation loop checking generated code).
 *
 * `analyzeTestability` is a plain function of the source text, the settings and what the workspace
 * knows about tests; it returns findings as plain data, already filtered by severity and by
 * suppression comments. It never throws on bad input: a file with syntax errors is analysed as far
 * as the parser recovers.
 */
import type * as TS from 'typescript';
import { analysisFailure, analyzeSourceFile, type FileAnalysis } from './analyzer';
import { untestedExportFindings } from './exports';
import type { TestabilityFinding, WorkspaceTestFacts } from './model';
import type { TestabilitySettings } from './settings';
import { applySuppressions, readSuppressions } from './suppress';
import { loadTypeScript, parseSource, type TypeScript } from './typescript';
import { lineMapOf, type LineMap } from './lines';

export * from './model';
export { testabilitySettingsDefaults, validateTestabilitySettings, ruleSettings } from './settings';
export type { TestabilitySettings, TestabilityRuleSettings } from './settings';
export { isAnalyzablePath, loadTypeScript } from './typescript';
export type { ExportedDeclaration, FileAnalysis } from './analyzer';

export interface AnalyzeInput {
  path: string;
  text: string;
  settings: TestabilitySettings;
  /** What the workspace knows about tests; without it the workspace rules stay quiet. */
  facts?: WorkspaceTestFacts;
  /** The `typescript` module, when the caller has it loaded already. */
  ts?: TypeScript;
}

/** Parses and walks one file: the file-local findings (not yet suppressed) and its exports. */
export function analyzeFile(ts: TypeScript, path: string, text: string, settings: TestabilitySettings): FileAnalysis & { sourceFile: TS.SourceFile } {
  let sourceFile: TS.SourceFile;
  try {
    sourceFile = parseSource(ts, path, text);
  } catch (error) {
    // The parser recurses per level of nesting and can run out of stack on hostile input.
    return { ...analysisFailure(text, error, settings), sourceFile: parseSource(ts, path, '') };
  }
  return { ...analyzeSourceFile(ts, sourceFile, settings), sourceFile };
}

/**
 * Joins the file-local findings with the workspace rules, then applies suppression comments. Kept
 * apart from `analyzeFile` so a cache of the walk can be reused when only the workspace changed.
 */
export function completeFindings(
  analysis: FileAnalysis,
  lines: LineMap,
  settings: TestabilitySettings,
  facts: WorkspaceTestFacts | undefined,
): TestabilityFinding[] {
  const workspace = facts ? untestedExportFindings(analysis.exports, facts, settings, lines) : [];
  const all = workspace.length > 0 ? [...analysis.findings, ...workspace].sort((a, b) => a.start - b.start || a.code.localeCompare(b.code)) : analysis.findings;
  return applySuppressions(all, readSuppressions(lines.text));
}

/** Every testability finding of one file. */
export function analyzeTestability(input: AnalyzeInput): TestabilityFinding[] {
  if (input.settings.enabled === false) return [];
  const ts = input.ts ?? loadTypeScript();
  const analysis = analyzeFile(ts, input.path, input.text, input.settings);
  return completeFindings(analysis, lineMapOf(input.text), input.settings, input.facts);
}
