/**
 * The testability check of an attempt: the workspace's testability rules run over the changed
 * implementation files, and only findings inside the changed code count. The workspace-wide rules
 * (untested exports) stay quiet here because the attempt brings its own tests. A refactoring must
 * also make the finding it was asked to remove go away. A finding the code had before the change
 * (the same rule and message in the file's old text) did not come from the change and does not
 * block; it is kept in the record as a note.
 */
import type { TypeScriptModule } from './declarations';
import { isScriptPath } from './declarations';
import type { GenerationCheckIssue, PlannedFile } from './model';
import { changedRanges } from './plan';
import type { GenerationTask } from './task';

export function checkTestabilityOf(ts: TypeScriptModule, planned: PlannedFile[], settings: unknown, task: GenerationTask): GenerationCheckIssue[] {
  // Loaded on first use: the analyzer and its rule tables are not needed at start-up.
  const testability = require('../testability/index') as typeof import('../testability/index');
  const effective = (settings && typeof settings === 'object' ? settings : testability.testabilitySettingsDefaults) as import('../testability/index').TestabilitySettings;
  const issues: GenerationCheckIssue[] = [];
  for (const file of planned) {
    if (file.isTest || !isScriptPath(file.path)) continue;
    let findings;
    try {
      findings = testability.analyzeTestability({ path: file.path, text: file.after, settings: effective, ts });
    } catch (error) {
      issues.push({ check: 'testability', path: file.relative, message: `the testability analyzer failed: ${(error as Error).message}`, blocking: false });
      continue;
    }
    const ranges = file.before === undefined ? [{ start: 0, end: file.after.length }] : changedRanges(file.changes);
    const existing = findingsBefore(testability, ts, file, effective);
    for (const finding of findings) {
      if (finding.code === 'untested-export' || finding.code === 'untested-requirement') continue;
      if (!ranges.some((r) => finding.start >= r.start && finding.start <= r.end)) continue;
      const key = `${finding.code}: ${finding.message}`;
      const inherited = (existing.get(key) ?? 0) > 0 && !(task.kind === 'refactor' && finding.code === task.finding?.code);
      if (inherited) existing.set(key, existing.get(key)! - 1);
      const blocking = !inherited && (finding.severity === 'error' || finding.severity === 'warning');
      const line = file.after.slice(0, finding.start).split('\n').length;
      issues.push({ check: 'testability', path: file.relative, line, message: `${key}${inherited ? ' (not counted: the code had this before the change)' : ''}`, blocking });
    }
    if (task.kind === 'refactor' && task.finding && task.target && file.relative === task.target.path) {
      const still = findings.some((f) => f.code === task.finding!.code && f.symbol !== undefined && task.target!.symbol.endsWith(f.symbol));
      if (still && !issues.some((i) => i.message.startsWith(`${task.finding!.code}:`))) {
        issues.push({ check: 'testability', path: file.relative, message: `${task.finding.code} is still reported for ${task.target.symbol}: ${task.finding.message}`, blocking: true });
      }
    }
  }
  return issues;
}

/** How often each finding (`code: message`) occurs in a file's text before the change. */
function findingsBefore(testability: typeof import('../testability/index'), ts: TypeScriptModule, file: PlannedFile, settings: import('../testability/index').TestabilitySettings): Map<string, number> {
  const counts = new Map<string, number>();
  if (file.before === undefined) return counts;
  try {
    for (const finding of testability.analyzeTestability({ path: file.path, text: file.before, settings, ts })) {
      const key = `${finding.code}: ${finding.message}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  } catch {
    // The old text could not be analysed: every finding counts.
  }
  return counts;
}
