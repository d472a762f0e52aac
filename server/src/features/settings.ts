/**
 * Problems with the settings, shown where they are written: on `tandem.json` for the file, and as
 * log lines for the editor's settings (which have no file the server can point at).
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { DiagnosticSource } from '../context';
import { positionAt } from '../lsp/convert';
import type { Workspace } from '../workspace/workspace';

export function settingsDiagnostics(workspace: Workspace): DiagnosticSource {
  return {
    name: 'settings',
    collect: (_ctx, path) => {
      const diagnostics: Diagnostic[] = [];
      for (const folder of workspace.folders()) {
        for (const entry of folder.settingsProblems) {
          if (entry.file !== path) continue;
          for (const problem of entry.problems) {
            const start = positionAt(entry.text ?? '', problem.offset ?? 0);
            const length = problem.key ? problem.key.split('.').pop()!.length + 2 : 1;
            diagnostics.push({
              range: { start, end: { line: start.line, character: start.character + length } },
              severity: DiagnosticSeverity.Warning,
              source: 'tandem',
              code: 'invalid-setting',
              message: `${problem.message}; the default is used instead.`,
            });
          }
        }
      }
      return diagnostics;
    },
  };
}

/** The settings files that have problems now: they get diagnostics even when they are not indexed. */
export function settingsFilesWithProblems(workspace: Workspace): string[] {
  return workspace
    .folders()
    .flatMap((folder) => folder.settingsProblems.map((entry) => entry.file))
    .filter((file): file is string => file !== undefined);
}
