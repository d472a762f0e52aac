/**
 * Diagnostics from every source, merged per file, debounced per file, and delivered the way the
 * client prefers.
 *
 * Clients that pull (`textDocument/diagnostic`) ask for open documents themselves; the server
 * asks them to pull again (`workspace/diagnostic/refresh`) after a change and pushes only for files
 * that are not open, where no pull happens. Clients that do not pull get everything pushed.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { DiagnosticSource, ServerContext } from '../context';
import { pathToUri } from './uri';
import { errorDetail } from '../errors';

export interface DiagnosticsHubOptions {
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
        all.push(...(await source.collect(ctx, path)));
      } catch (error) {
        ctx.client.log('error', `Diagnostics from ${source.name} for ${path} failed: ${errorDetail(error)}`);
      }
    }
    return all;
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
    const diagnostics = await this.collect(path);
    if (diagnostics.length === 0 && !this.pushed.has(path)) return;
    if (diagnostics.length === 0) this.pushed.delete(path);
    else this.pushed.add(path);
    this.context().client.publishDiagnostics(pathToUri(path), diagnostics);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }
}
