/**
 * The view models of the extension: the requirements tree, one requirement's trace, the coverage
 * summary and the status bar text, built from the server's answers. Pure data, no `vscode`
 * import: extension.ts turns a `ViewNode` into a `TreeItem`.
 */
import type { CoverageResult, Location, RequirementStatus, RequirementSummary, RequirementTrace, TraceLink } from '../../../protocol/trace';

/** One row of a tree view. */
export interface ViewNode {
  /** Unique within its view; stable across refreshes so that VS Code keeps expansion state. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon name (`pass`, `warning`…). */
  icon?: string;
  /** A theme colour id for the icon (`testing.iconFailed`…). */
  iconColor?: string;
  /** Where a click leads. */
  location?: Location;
  /** The requirement the row stands for, for context-menu commands. */
  requirementId?: string;
  /** `requirement`, `location`, `section`: selects the context-menu entries. */
  contextValue?: string;
  children?: ViewNode[];
  /** Children start collapsed (default: expanded). */
  collapsed?: boolean;
}

/** The codicon and colour of each status. */
export const statusIcons: Record<RequirementStatus, { icon: string; color: string }> = {
  unimplemented: { icon: 'circle-outline', color: 'testing.iconFailed' },
  untested: { icon: 'warning', color: 'testing.iconQueued' },
  failing: { icon: 'error', color: 'testing.iconFailed' },
  covered: { icon: 'pass', color: 'testing.iconUnset' },
  verified: { icon: 'pass-filled', color: 'testing.iconPassed' },
};

/** A requirement is a gap when it is not covered or verified, or has defects (as the server's `gapsOnly`). */
export function isGap(summary: RequirementSummary): boolean {
  return (summary.status !== 'covered' && summary.status !== 'verified') || summary.defects.length > 0;
}

/** The rows of the requirements view, in the server's order. */
export function requirementNodes(requirements: RequirementSummary[]): ViewNode[] {
  return requirements.map((summary) => {
    const { icon, color } = statusIcons[summary.status];
    const defects = summary.defects.length > 0 ? ` · ${summary.defects.join(', ')}` : '';
    const coverage = summary.codeCoverage && summary.codeCoverage.total > 0 ? ` · ${Math.floor((summary.codeCoverage.covered / summary.codeCoverage.total) * 100)}% of its code` : '';
    return {
      id: `requirement:${summary.id}`,
      label: summary.id,
      description: `${summary.status}${coverage} · ${summary.title}${defects}`,
      tooltip: `${summary.id} ${summary.title}\nStatus: ${summary.status}\nImplementations: ${summary.implementations}, tests: ${summary.tests}${
        summary.defects.length > 0 ? `\nDefects: ${summary.defects.join(', ')}` : ''
      }`,
      icon,
      iconColor: color,
      location: summary.location,
      requirementId: summary.id,
      contextValue: 'requirement',
    };
  });
}

/** `src/cart.js:9` for a location, relative to the first workspace folder that holds it. */
export function locationLabel(location: Location, folderUris: string[]): string {
  const line = location.range.start.line + 1;
  for (const folder of folderUris) {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    if (location.uri.startsWith(prefix)) return `${decodeURIComponent(location.uri.slice(prefix.length))}:${line}`;
  }
  return `${decodeURIComponent(location.uri.replace(/^file:\/\//, ''))}:${line}`;
}

function linkNode(id: string, link: TraceLink, folderUris: string[]): ViewNode {
  const name = link.testName ?? link.symbol;
  const result = link.result ? `${link.result.outcome}${link.result.stale ? ', stale' : ''}` : undefined;
  const failed = link.result && (link.result.outcome === 'failed' || link.result.outcome === 'errored');
  return {
    id,
    label: name ?? locationLabel(link.location, folderUris),
    description: [name ? locationLabel(link.location, folderUris) : undefined, result].filter(Boolean).join(' · ') || undefined,
    tooltip: link.result?.message,
    icon: failed ? 'error' : link.result?.outcome === 'passed' ? 'pass' : link.kind === 'verifies' || link.kind === 'title' ? 'beaker' : 'symbol-method',
    iconColor: failed ? 'testing.iconFailed' : link.result?.outcome === 'passed' ? 'testing.iconPassed' : undefined,
    location: link.location,
    contextValue: 'location',
  };
}

/** The sections of the trace view for one requirement. */
export function traceNodes(trace: RequirementTrace, folderUris: string[]): ViewNode[] {
  const id = trace.requirement.id;
  const { icon, color } = statusIcons[trace.requirement.status];
  const nodes: ViewNode[] = [
    {
      id: `trace:${id}`,
      label: `${id} ${trace.requirement.title}`,
      description: trace.requirement.status,
      tooltip: trace.text,
      icon,
      iconColor: color,
      location: trace.definitions[0] ?? trace.requirement.location,
      requirementId: id,
      contextValue: 'requirement',
    },
    {
      id: `trace:${id}:definitions`,
      label: trace.definitions.length > 1 ? `Definitions (${trace.definitions.length}, duplicated)` : 'Definition',
      contextValue: 'section',
      children: trace.definitions.map((location, index) => ({
        id: `trace:${id}:definition:${index}`,
        label: locationLabel(location, folderUris),
        icon: 'book',
        location,
        contextValue: 'location',
      })),
    },
    {
      id: `trace:${id}:implementations`,
      label: `Implementations (${trace.implementations.length})`,
      contextValue: 'section',
      children: trace.implementations.map((link, index) => linkNode(`trace:${id}:implementation:${index}`, link, folderUris)),
    },
    {
      id: `trace:${id}:tests`,
      label: `Tests (${trace.tests.length})`,
      contextValue: 'section',
      children: trace.tests.map((link, index) => linkNode(`trace:${id}:test:${index}`, link, folderUris)),
    },
  ];
  const linked = [
    ...trace.upstream.map((requirement) => ({ requirement, direction: 'upstream' })),
    ...trace.downstream.map((requirement) => ({ requirement, direction: 'downstream' })),
  ];
  if (linked.length > 0) {
    nodes.push({
      id: `trace:${id}:linked`,
      label: `Linked requirements (${linked.length})`,
      contextValue: 'section',
      children: linked.map(({ requirement, direction }) => ({
        id: `trace:${id}:${direction}:${requirement.id}`,
        label: requirement.id,
        description: `${direction} · ${requirement.status}${requirement.suspect ? ' · suspect' : ''} · ${requirement.title}`,
        icon: statusIcons[requirement.status].icon,
        iconColor: statusIcons[requirement.status].color,
        location: requirement.location,
        requirementId: requirement.id,
        contextValue: 'requirement',
      })),
    });
  }
  if (trace.defects.length > 0) {
    nodes.push({
      id: `trace:${id}:defects`,
      label: `Defects (${trace.defects.length})`,
      contextValue: 'section',
      children: trace.defects.map((defect, index) => ({
        id: `trace:${id}:defect:${index}`,
        label: defect.kind,
        description: defect.message,
        tooltip: defect.message,
        icon: 'warning',
        iconColor: 'problemsWarningIcon.foreground',
        location: defect.location,
        contextValue: defect.location ? 'location' : undefined,
      })),
    });
  }
  return nodes;
}

const statusOrder: RequirementStatus[] = ['unimplemented', 'untested', 'failing', 'covered', 'verified'];

/** Share of requirements covered or verified, as a whole percentage. */
export function coveredPercent(coverage: CoverageResult): number {
  return Math.round(coverage.coveredRatio * 100);
}

/** The rows of the coverage view. */
export function coverageNodes(coverage: CoverageResult): ViewNode[] {
  const nodes: ViewNode[] = [
    { id: 'coverage:total', label: `${coverage.total} requirements`, description: `${coveredPercent(coverage)}% covered`, icon: 'checklist' },
    ...statusOrder.map((status) => ({
      id: `coverage:status:${status}`,
      label: status,
      description: String(coverage.byStatus[status] ?? 0),
      icon: statusIcons[status].icon,
      iconColor: statusIcons[status].color,
    })),
  ];
  const types = Object.keys(coverage.byArtifactType).sort();
  if (types.length > 1 || (types.length === 1 && types[0] !== 'req')) {
    nodes.push({
      id: 'coverage:types',
      label: 'By artifact type',
      children: types.map((type) => {
        const counts = coverage.byArtifactType[type];
        return {
          id: `coverage:type:${type}`,
          label: type,
          description: `${counts.total} · ${statusOrder.map((status) => `${status} ${counts.byStatus[status] ?? 0}`).join(', ')}`,
        };
      }),
    });
  }
  nodes.push({ id: 'coverage:defective', label: 'with defects', description: String(coverage.defective), icon: 'warning' });
  nodes.push({ id: 'coverage:unknown', label: 'tags naming unknown IDs', description: String(coverage.unknownIdTags), icon: 'question' });
  return nodes;
}

/** The status bar entry: text (with a codicon) and a tooltip. */
export function statusBarText(coverage: CoverageResult | undefined, state: 'starting' | 'running' | 'stopped'): { text: string; tooltip: string } {
  if (state === 'starting') return { text: '$(sync~spin) Tandem', tooltip: 'The Tandem server is starting' };
  if (state === 'stopped' || !coverage) return { text: '$(circle-slash) Tandem', tooltip: 'The Tandem server is not running; run "Tandem: Restart the server"' };
  const gaps = (coverage.byStatus.unimplemented ?? 0) + (coverage.byStatus.untested ?? 0) + (coverage.byStatus.failing ?? 0);
  return {
    text: `$(checklist) ${coveredPercent(coverage)}%${gaps > 0 ? ` $(warning) ${gaps}` : ''}`,
    tooltip: `Tandem: ${coverage.total} requirements, ${coveredPercent(coverage)}% covered\n${statusOrder
      .map((status) => `${status}: ${coverage.byStatus[status] ?? 0}`)
      .join('\n')}`,
  };
}

/**
 * The requirement whose trace a server command shows in the editor's own Trace view instead of a
 * message: the trace lens runs `tandem.showTrace ID`. Undefined for every other command.
 */
export function traceViewTarget(command: string, args: unknown[]): string | undefined {
  return command === 'tandem.showTrace' && typeof args[0] === 'string' ? args[0] : undefined;
}
