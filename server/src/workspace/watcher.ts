/**
 * File events, batched. Events from the editor (`workspace/didChangeWatchedFiles`) or from the
 * server's own watcher (chokidar, used only when the editor cannot watch for us) are collected and
 * handed over in one batch once they stop arriving for `quietMs` (and at the latest after
 * `maxWaitMs`), so a `git checkout` touching 10,000 files costs one re-index pass.
 */
import type { FileChange } from './workspace';

export class ChangeBatcher {
  private pending: FileChange[] = [];
  private quietTimer: NodeJS.Timeout | undefined;
  private firstAt = 0;

  constructor(
    private readonly flush: (changes: FileChange[]) => void,
    private readonly quietMs = 100,
    private readonly maxWaitMs = 1000,
  ) {}

  add(change: FileChange): void {
    if (this.pending.length === 0) this.firstAt = Date.now();
    this.pending.push(change);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    const waited = Date.now() - this.firstAt;
    const delay = waited >= this.maxWaitMs ? 0 : Math.min(this.quietMs, this.maxWaitMs - waited);
    this.quietTimer = setTimeout(() => this.drain(), delay);
  }

  /** Hands over whatever is pending now. */
  drain(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.flush(batch);
  }

  dispose(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.pending = [];
  }
}

/** A running watcher of the server's own. */
export interface ServerWatcher {
  close(): Promise<void>;
}

/**
 * Watches folders with chokidar, skipping what `ignored` rejects (so `node_modules` and the like
 * are never watched). chokidar is loaded only here, when the editor cannot watch files for us.
 */
export async function watchFolders(
  folders: string[],
  ignored: (path: string, isDirectory: boolean) => boolean,
  onChange: (change: FileChange) => void,
  onError: (message: string) => void,
): Promise<ServerWatcher> {
  const chokidar = await import('chokidar');
  const watcher = chokidar.watch(folders, {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    ignored: (file: string, stats?: { isDirectory(): boolean }) => {
      if (/[\\/]\.git([\\/]|$)/.test(file)) return true;
      return stats ? ignored(file, stats.isDirectory()) : false;
    },
    awaitWriteFinish: false,
  });
  watcher.on('add', (file: string) => onChange({ path: file, type: 'created' }));
  watcher.on('change', (file: string) => onChange({ path: file, type: 'changed' }));
  watcher.on('unlink', (file: string) => onChange({ path: file, type: 'deleted' }));
  watcher.on('unlinkDir', (file: string) => onChange({ path: file, type: 'deleted' }));
  watcher.on('error', (error: unknown) => onError(`The file watcher failed: ${(error as Error).message ?? error}`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}
