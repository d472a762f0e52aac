/**
 * The audit formats of a whole workspace: `html` (the self-contained report), `sarif` (gaps and
 * defects for code-scanning services) and `reqif` (requirements with their status, back to the
 * tool they came from). The CLI and `tandem serve` call `formatReport`.
 */
import { checkTrace } from '../trace/check';
import type { Workspace } from '../workspace/workspace';
import { formatHtml } from './html';
import { provenanceOf } from './provenance';
import { writeReqif } from './reqifWrite';
import { checkSarif } from './sarif';

export interface WorkspaceReportOptions {
  linkBase?: string;
  /** `tandem serve`: the script of the live page. */
  liveScript?: string;
  now?: Date;
}

export function formatReport(workspace: Workspace, format: 'html' | 'sarif' | 'reqif', options: WorkspaceReportOptions = {}): string {
  const root = workspace.folders()[0].path;
  const settings = workspace.settings();
  switch (format) {
    case 'sarif':
      return checkSarif(
        checkTrace(workspace.graph, {
          require: settings.trace.checkRequire,
          ...(settings.trace.minCoverage > 0 ? { minCoverage: settings.trace.minCoverage } : {}),
          requirementFiles: workspace.countIndexed('requirements'),
        }),
        { root },
      );
    case 'reqif':
      return writeReqif(workspace.graph, { relativeTo: root, title: `Tandem trace of ${root}`, now: options.now });
    default:
      return formatHtml(workspace.graph, {
        provenance: provenanceOf(root, settings, options.now),
        relativeTo: root,
        ...(options.linkBase ? { linkBase: options.linkBase } : {}),
        ...(options.liveScript ? { liveScript: options.liveScript } : {}),
      });
  }
}
