/**
 * `tandem testability [PATH]`: the testability rules over every JavaScript and TypeScript file of
 * the workspace, as the editor shows them, printed as text, JSON or SARIF.
 */
import * as path from 'node:path';
import { isAnalyzablePath, type TestabilityFinding } from '../testability';
import { analyzeWorkspace, type WorkspaceFile } from '../testability/workspace';
import { testabilitySarif } from '../report/sarif';
import { oneLine } from '../report/escape';
import type { Workspace } from '../workspace/workspace';

export function runTestability(workspace: Workspace, format: 'text' | 'json' | 'sarif'): { text: string; findings: number } {
  const root = workspace.folders()[0].path;
  const files: WorkspaceFile[] = [];
  for (const file of workspace.files()) {
    if (!isAnalyzablePath(file)) continue;
    const text = workspace.readText(file);
    if (text !== undefined) files.push({ path: file, text, role: workspace.roleOf(file) });
  }
  const findings = analyzeWorkspace({ files, settingsFor: (file) => workspace.settings(file).testability });
  let count = 0;
  for (const list of findings.values()) count += list.length;
  const sorted = [...findings].sort(([a], [b]) => a.localeCompare(b));
  const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');
  if (format === 'sarif') return { text: testabilitySarif(findings, { root }), findings: count };
  if (format === 'json') {
    const json = sorted.flatMap(([file, list]) => list.map((finding) => ({ path: relative(file), ...summaryOf(finding) })));
    return { text: JSON.stringify({ findings: json }, null, 2), findings: count };
  }
  const lines: string[] = [];
  for (const [file, list] of sorted) {
    for (const f of list) lines.push(`${oneLine(relative(file))}:${f.span.start.line + 1}:${f.span.start.character + 1}: ${f.severity} ${f.code}: ${oneLine(f.message)}`);
  }
  lines.push(`${count} testability finding${count === 1 ? '' : 's'} in ${findings.size} of ${files.length} file${files.length === 1 ? '' : 's'}.`);
  return { text: lines.join('\n') + '\n', findings: count };
}

function summaryOf(finding: TestabilityFinding): Record<string, unknown> {
  return {
    code: finding.code,
    message: finding.message,
    severity: finding.severity,
    range: finding.span,
    ...(finding.symbol ? { symbol: finding.symbol } : {}),
    ...(finding.value !== undefined ? { value: finding.value } : {}),
    ...(finding.threshold !== undefined ? { threshold: finding.threshold } : {}),
    ...(finding.requirements ? { requirements: finding.requirements } : {}),
  };
}
