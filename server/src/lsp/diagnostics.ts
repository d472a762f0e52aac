/**
 * Diagnostics from every source, merged per file, debounced per file, and delivered the way the
 * client prefers.
 *
 * Clients that pull (`textDocument/diagnostic`) ask for open documents themselves; the server
 * asks them to pull again (`workspace/diagnostic/refresh`) after a change and pushes only for files
 * that are not open, where no pull happens. Clients that do not pull get everything pushed.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { DiagnosticSource, ServerContext } from '../context';
import { clampPositions, type LineTable } from './convert';
import { pathToUri } from './uri';
import { errorDetail } from '../errors';

export interface DiagnosticsHubOptions {
  /** The lines of a document, to keep every diagnostic inside it (see `clampPositions`). */
  tableOf?(uri: string): LineTable | undefined;
  /** The client pulls diagnostics for open documents. */
  pull: boolean;
  isOpen(path: string): boolean;
  /** Asks a pulling client to pull again. */
  requestRefresh(): void;
  /** Debounce per file, in milliseconds. */
  delayMs?: number;
  /**
   * Whether the first full index is done. Before it, diagnostics would be computed from a partial
   * index (every requirement "unimplemented"), so nothing is pushed and pulls wait for `whenReady`.
   */
  ready(): boolean;
  whenReady(): Promise<void>;
}

/**
 * Diagnostics one file shows at most; the rest are summed up in one more diagnostic at its start.
 * A file that repeats one ID 140,000 times would otherwise send as many, which no editor can show
 * and every client slows down on.
 */
export const maxDiagnosticsPerFile = 1000;

/** Keeps the most severe `max` diagnostics (in their order) and says how many were left out. */
export function capDiagnostics(all: Diagnostic[], max = maxDiagnosticsPerFile): Diagnostic[] {
  if (all.length <= max) return all;
  const rank = (d: Diagnostic) => d.severity ?? DiagnosticSeverity.Error;
  // Severities are 1..4: a counting pass keeps the cut linear and the order stable.
  const counts = [0, 0, 0, 0, 0];
  for (const d of all) counts[rank(d)]++;
  let worst = 1;
  let kept = 0;
  while (worst < 4 && kept + counts[worst] < max) kept += counts[worst++];
  let room = max - kept;
  const out: Diagnostic[] = [];
  for (const d of all) {
    const r = rank(d);
    if (r < worst) out.push(d);
    else if (r === worst && room > 0) {
      out.push(d);
      room--;
    }
  }
  const left = all.length - out.length;
  out.push({
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    source: 'tandem',
    code: 'too-many-diagnostics',
    message: `${left} more diagnostic${left === 1 ? '' : 's'} of this file ${left === 1 ? 'is' : 'are'} not shown: Tandem shows at most ${max} per file, the most severe first.`,
  });
  return out;
}

export class DiagnosticsHub {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Files with a non-empty push outstanding, so that they can be cleared. */
  private readonly pushed = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly context: () => ServerContext,
    private readonly sources: readonly DiagnosticSource[],
    private readonly options: DiagnosticsHubOptions,
  ) {}

  /** Whether the client pulls diagnostics for open documents (known after `initialize`). */
  setPull(pull: boolean): void {
    this.options.pull = pull;
  }

  /** Every source's diagnostics for one file; a failing source is logged and skipped. */
  async collect(path: string): Promise<Diagnostic[]> {
    await this.options.whenReady();
    const ctx = this.context();
    const all: Diagnostic[] = [];
    for (const source of this.sources) {
      try {
        // A loop, not push(...list): spreading 100,000 arguments overflows the stack.
        for (const diagnostic of await source.collect(ctx, path)) all.push(diagnostic);
      } catch (error) {
        ctx.client.log('error', `Diagnostics from ${source.name} for ${path} failed: ${errorDetail(error)}`);
      }
    }
    const capped = capDiagnostics(all);
    if (!this.options.tableOf) return capped;
    const { value, moved } = clampPositions(capped, pathToUri(path), this.options.tableOf);
    if (moved > 0) ctx.client.log('log', `Moved ${moved} position(s) of diagnostics for ${path} inside the document.`);
    return value;
  }

  /** Schedules re-collection of these files ('all': every indexed file and every file with diagnostics). */
  invalidate(paths: Iterable<string> | 'all'): void {
    // Before the first index is done nothing is pushed; the index's end invalidates everything.
    if (this.disposed || !this.options.ready()) return;
    const targets = paths === 'all' ? new Set([...this.context().workspaceFiles(), ...this.pushed]) : paths;
    let anyOpen = false;
    for (const path of targets) {
      if (this.options.pull && this.options.isOpen(path)) {
        anyOpen = true;
        continue;
      }
      this.schedule(path);
    }
    if (anyOpen) this.scheduleRefresh();
  }

  /** A document was opened: under pull, the client asks from now on, so a pushed set is cleared. */
  opened(path: string): void {
    if (!this.options.pull) return this.options.ready() ? this.schedule(path, 0) : undefined;
    if (this.pushed.delete(path)) this.context().client.publishDiagnostics(pathToUri(path), []);
  }

  /** A document was closed: under pull, the server pushes for it again. */
  closed(path: string): void {
    if (this.options.ready()) this.schedule(path);
  }

  private schedule(path: string, delay = this.options.delayMs ?? 50): void {
    const existing = this.timers.get(path);
    if (existing) clearTimeout(existing);
    this.timers.set(
      path,
      setTimeout(() => {
        this.timers.delete(path);
        void this.push(path);
      }, delay),
    );
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.options.requestRefresh();
    }, this.options.delayMs ?? 50);
  }

  private async push(path: string): Promise<void> {
    if (this.disposed) return;
    if (this.options.pull && this.options.isOpen(path)) return;
    const version = this.context().documentVersion(path);
    const diagnostics = await this.collect(path);
    // The document changed while they were collected: the change has scheduled a newer push.
    if (this.context().documentVersion(path) !== version) return;
    if (diagnostics.length === 0 && !this.pushed.has(path)) return;
    if (diagnostics.length === 0) this.pushed.delete(path);
    else this.pushed.add(path);
    this.context().client.publishDiagnostics(pathToUri(path), diagnostics, version);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }
}
