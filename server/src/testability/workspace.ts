/**
 * Testability of a whole set of files at once, without a server: the CLI and CI gates use it. Test
 * files feed the index of what tests use; every other JavaScript or TypeScript file is analysed
 * with the workspace rules included.
 */
import { analyzeFile, completeFindings } from './index';
import type { TestabilityFinding } from './model';
import type { TestabilitySettings } from './settings';
import { TestReferenceIndex } from './testIndex';
import { isAnalyzablePath, loadTypeScript, type TypeScript } from './typescript';
import { lineMapOf } from './lines';

export interface WorkspaceFile {
  path: string;
  text: string;
  /** `test` files are indexed for what they use; with `analyzeTests` they are analysed too. */
  role: 'requirements' | 'test' | 'source' | 'other';
}

export interface WorkspaceAnalysisInput {
  files: readonly WorkspaceFile[];
  /** The settings for a file (per workspace folder). */
  settingsFor(path: string): TestabilitySettings;
  /** Requirement IDs that trace tags bind to each symbol of a file, when the trace is known. */
  requirementsOf?(path: string, symbolStarts: ReadonlyMap<string, number>): ReadonlyMap<string, readonly string[]>;
  ts?: TypeScript;
}

/** Findings per analysed file (files without findings are left out). */
export function analyzeWorkspace(input: WorkspaceAnalysisInput): Map<string, TestabilityFinding[]> {
  const ts = input.ts ?? loadTypeScript();
  const index = new TestReferenceIndex();
  const scripts = input.files.filter((file) => isAnalyzablePath(file.path));
  // Every file is analysed after: what each one affects is not needed.
  for (const file of scripts) {
    if (file.role === 'test') index.setTestFile(file.path, file.text, false);
    else index.setSourceFile(file.path, file.text, false);
  }
  const results = new Map<string, TestabilityFinding[]>();
  for (const file of scripts) {
    const settings = input.settingsFor(file.path);
    if (!settings.enabled || (file.role === 'test' && !settings.analyzeTests)) continue;
    const { sourceFile: _sourceFile, ...analysis } = analyzeFile(ts, file.path, file.text, settings);
    const starts = new Map(analysis.exports.map((declaration) => [declaration.localName, declaration.start]));
    const requirements = input.requirementsOf?.(file.path, starts) ?? new Map<string, readonly string[]>();
    const names = analysis.exports.flatMap((declaration) => [declaration.exportedName, declaration.localName]);
    const facts = analysis.exports.length > 0 ? index.factsFor(file.path, requirements, names) : undefined;
    // Spans by LSP's line rules, not TypeScript's (which also break lines at U+2028/U+2029).
    const findings = completeFindings(analysis, lineMapOf(file.text), settings, facts);
    if (findings.length > 0) results.set(file.path, findings);
  }
  return results;
}
