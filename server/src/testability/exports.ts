/**
 * The workspace rules: exported functions and classes that no test uses, and, most important,
 * exported symbols that implement a requirement and have no test.
 */
import type { ExportedDeclaration } from './analyzer';
import type { TestabilityFinding, WorkspaceTestFacts } from './model';
import { ruleSettings, type TestabilitySettings } from './settings';
import { spanOf, type LineMap } from './lines';

function isTested(declaration: ExportedDeclaration, facts: WorkspaceTestFacts): boolean {
  if (declaration.exportedName === 'default') return facts.moduleImported || facts.testedNames.has(declaration.localName);
  return facts.testedNames.has(declaration.exportedName);
}

/** Findings for exports that no test file uses, given what the workspace index knows about tests. */
export function untestedExportFindings(
  exports: readonly ExportedDeclaration[],
  facts: WorkspaceTestFacts,
  settings: TestabilitySettings,
  lines: LineMap,
): TestabilityFinding[] {
  const findings: TestabilityFinding[] = [];
  const exportSeverity = ruleSettings(settings, 'untested-export').severity;
  const requirementSeverity = ruleSettings(settings, 'untested-requirement').severity;
  const seen = new Set<string>();
  for (const declaration of exports) {
    if (seen.has(declaration.localName)) continue;
    const sameSymbol = exports.filter((other) => other.localName === declaration.localName);
    if (sameSymbol.some((other) => isTested(other, facts))) continue;
    seen.add(declaration.localName);
    const span = spanOf(lines, declaration.start, declaration.end);
    const what = declaration.kind === 'class' ? 'class' : 'function';
    const requirements = facts.requirementsBySymbol.get(declaration.localName) ?? [];
    if (requirements.length > 0 && requirementSeverity !== 'off') {
      const ids = requirements.join(', ');
      findings.push({
        code: 'untested-requirement',
        message: `\`${declaration.localName}\` implements ${ids} but no test file uses it, so nothing verifies that requirement. Add a test that imports it and tag the test \`@verifies ${requirements[0]}\`.`,
        severity: requirementSeverity,
        span,
        start: declaration.start,
        end: declaration.end,
        symbol: declaration.localName,
        requirements: [...requirements],
      });
    } else if (requirements.length === 0 && facts.hasTests && exportSeverity !== 'off') {
      findings.push({
        code: 'untested-export',
        message: `The exported ${what} \`${declaration.localName}\` is used by no test file. Add a test that imports it, or stop exporting it if only this module needs it.`,
        severity: exportSeverity,
        span,
        start: declaration.start,
        end: declaration.end,
        symbol: declaration.localName,
      });
    }
  }
  return findings;
}
