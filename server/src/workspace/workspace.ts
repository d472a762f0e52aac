/**
 * The workspace: its folders, their settings, the open-document overlays, and the index that keeps
 * the trace graph (and every other per-file index) current.
 *
 * Architecture Invariant: this is the only place that reads workspace files for the index and the
 * only writer of the trace graph. A full scan happens once (with progress and cancellation); after
 * that every change — an edit in the editor, a batch of file events — replaces only the records of
 * the files it touched.
 */
import * as path from 'node:path';
import type { FileRole } from '../trace/model';
import { TraceGraph } from '../trace/graph';
import { isReqifPath, readReqifFile } from '../trace/reqif';
import { bindTags, extractFacts, isDoorstopItemPath, parseDoorstopConfig, type DoorstopDocument, type ExtractOptions } from '../trace/extract';
import {
  applySettings,
  defaultSettings,
  locateKey,
  parseSettingsFile,
  type SettingsProblem,
  type ShortTagSettings,
  type TandemSettings,
} from './config';
import { discoverFiles, IgnoreRules, readTextFile, relativePath, type ReadResult } from './files';
import { generatedReason } from './generated';
import { fileRole } from './roles';
import { matchesAny } from '../text/glob';
import type { ShortTagMeaning } from '../trace/tags';
import { errorDetail } from '../errors';

/** One workspace folder and what was read from its root. */
export interface WorkspaceFolder {
  path: string;
  settings: TandemSettings;
  /** Problems of `tandem.json` (offsets into its text) and of the editor's settings. */
  settingsProblems: { file?: string; text?: string; problems: SettingsProblem[] }[];
  rules: IgnoreRules;
}

/** Something that keeps its own per-file index, told about every file the workspace reads. */
export interface IndexListener {
  /** `bulk`: part of a full index (see `FileIndexer.setFile`). */
  setFile(path: string, text: string, role: FileRole, bulk: boolean): void;
  removeFile(path: string): void;
}

export type FileChangeType = 'created' | 'changed' | 'deleted';

export interface FileChange {
  path: string;
  type: FileChangeType;
}

/** Reports progress of the full index; `cancelled` is polled between chunks. */
export interface IndexProgress {
  report(message: string, percentage: number): void;
  cancelled(): boolean;
}

export interface WorkspaceOptions {
  toUri(path: string): string;
  log(level: 'error' | 'warning' | 'info' | 'log', message: string): void;
}

const settingsFile = 'tandem.json';
const doorstopConfigFile = '.doorstop.yml';

/** Files read per turn of the event loop during a full index, so requests are still answered. */
const indexChunk = 250;

export class Workspace {
  readonly graph: TraceGraph;
  private folderList: WorkspaceFolder[] = [];
  private editorSettings: unknown = undefined;
  /** Open documents: their text wins over the disk. */
  private readonly overlays = new Map<string, { text: string; version: number }>();
  /** Files in the index, with the role they were indexed under. */
  private readonly indexed = new Map<string, FileRole>();
  /** Doorstop documents by their folder. */
  private readonly doorstop = new Map<string, DoorstopDocument>();
  /** Counts changes of `doorstop`, which the cached ID pattern depends on. */
  private doorstopVersion = 0;
  private idPatternCache: { configured: string; doorstop: number; pattern: string } | undefined;
  private readonly listeners: IndexListener[] = [];
  /** Files too large or binary: logged once each. */
  private readonly skipped = new Set<string>();
  indexing = false;
  /** Resolves when the first full index has finished (or was cancelled): answers before it are partial. */
  readonly firstIndex: Promise<void>;
  private markFirstIndexDone: () => void = () => undefined;
  /** True once the first full index has finished. */
  firstIndexDone = false;

  constructor(private readonly options: WorkspaceOptions) {
    // readText lets the graph bind TypeScript/JavaScript tags to exact symbols, lazily, over unsaved text.
    // bindTags binds, on first use, the tags of files indexed from disk with their bindings deferred.
    this.graph = new TraceGraph({
      toUri: options.toUri,
      uncoveredSeverity: 'warning',
      readText: (file) => this.readText(file),
      bindTags: (file, tags) => {
        const text = this.readText(file);
        return text === undefined ? undefined : bindTags(file, text, this.extractOptions(file), tags);
      },
    });
    this.firstIndex = new Promise((resolve) => (this.markFirstIndexDone = resolve));
  }

  addListener(listener: IndexListener): void {
    this.listeners.push(listener);
  }

  // ---- folders and settings -------------------------------------------------------------------

  /** Replaces the workspace folders; the caller re-indexes. */
  setFolders(paths: string[]): void {
    const unique = [...new Set(paths.map((p) => path.resolve(p)))];
    this.folderList = unique.map((folder) => this.loadFolder(folder));
    this.updateGraphOptions();
  }

  /** Sets the editor's settings (initializationOptions or workspace/configuration) for every folder. */
  setEditorSettings(settings: unknown): void {
    this.editorSettings = settings;
    this.folderList = this.folderList.map((folder) => this.loadFolder(folder.path));
    this.updateGraphOptions();
  }

  folders(): WorkspaceFolder[] {
    return this.folderList;
  }

  folderOf(filePath: string): WorkspaceFolder | undefined {
    let best: WorkspaceFolder | undefined;
    for (const folder of this.folderList) {
      const rel = path.relative(folder.path, filePath);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      if (!best || folder.path.length > best.path.length) best = folder;
    }
    return best;
  }

  settings(filePath?: string): TandemSettings {
    const folder = filePath ? this.folderOf(filePath) : this.folderList[0];
    return (folder ?? this.folderList[0])?.settings ?? this.mergeSettings(undefined).settings;
  }

  private mergeSettings(fileValue: unknown): { settings: TandemSettings; fileProblems: SettingsProblem[]; editorProblems: SettingsProblem[] } {
    const settings = defaultSettings();
    const fileProblems = applySettings(settings, fileValue);
    const editorProblems = applySettings(settings, this.editorSettings);
    return { settings, fileProblems, editorProblems };
  }

  private loadFolder(folder: string): WorkspaceFolder {
    const file = path.join(folder, settingsFile);
    const read = readTextFile(file, 1024 * 1024);
    const settingsProblems: WorkspaceFolder['settingsProblems'] = [];
    let fileValue: unknown;
    if (read.ok) {
      const parsed = parseSettingsFile(read.text);
      fileValue = parsed.value;
      if (parsed.problems.length > 0) settingsProblems.push({ file, text: read.text, problems: parsed.problems });
    } else if (read.reason !== 'missing') {
      settingsProblems.push({ file, problems: [{ key: '', message: read.detail, offset: 0 }] });
    }
    const merged = this.mergeSettings(fileValue);
    if (merged.fileProblems.length > 0 && read.ok) {
      const text = read.text;
      const located = merged.fileProblems.map((problem) => ({ ...problem, offset: locateKey(text, problem.key) }));
      const existing = settingsProblems.find((entry) => entry.file === file);
      if (existing) existing.problems.push(...located);
      else settingsProblems.push({ file, text, problems: located });
    }
    if (merged.editorProblems.length > 0) settingsProblems.push({ problems: merged.editorProblems });
    for (const entry of settingsProblems) {
      for (const problem of entry.problems) {
        this.options.log('warning', `Settings${entry.file ? ` (${entry.file})` : ' (editor)'}: ${problem.message}; using the default instead.`);
      }
    }
    return { path: folder, settings: merged.settings, settingsProblems, rules: new IgnoreRules(folder, merged.settings.exclude) };
  }

  private updateGraphOptions(): void {
    const severity = this.settings().trace.uncoveredSeverity;
    this.graph.setOptions({ uncoveredSeverity: severity });
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The open document's text, else the file's text on disk; undefined for missing, binary or oversized files. */
  readText(filePath: string): string | undefined {
    const overlay = this.overlays.get(filePath);
    const limit = this.settings(filePath).maxFileSize;
    // An open document over the size limit is not read either: no feature parses 64 MB per keystroke.
    if (overlay) return overlay.text.length > limit ? undefined : overlay.text;
    const read = readTextFile(filePath, limit);
    return read.ok ? read.text : undefined;
  }

  documentVersion(filePath: string): number | undefined {
    return this.overlays.get(filePath)?.version;
  }

  isOpen(filePath: string): boolean {
    return this.overlays.has(filePath);
  }

  /** Every file in the index. */
  files(): string[] {
    return [...this.indexed.keys()];
  }

  /** How many files the index holds under `role`. */
  countIndexed(role: FileRole): number {
    let count = 0;
    for (const indexedRole of this.indexed.values()) if (indexedRole === role) count++;
    return count;
  }

  isIndexed(filePath: string): boolean {
    return this.indexed.has(filePath);
  }

  /** True when the file is inside a folder and neither .gitignore nor `exclude` leaves it out. */
  isInWorkspace(filePath: string): boolean {
    const folder = this.folderOf(filePath);
    if (!folder) return false;
    return !folder.rules.ignores(filePath);
  }

  roleOf(filePath: string, folder = this.folderOf(filePath)): FileRole {
    const settings = folder?.settings ?? this.settings();
    const rel = folder ? relativePath(folder.path, filePath) : path.basename(filePath);
    return fileRole(rel, settings.trace, this.doorstopDocumentOf(filePath) !== undefined);
  }

  /**
   * The ID pattern tags are read with: the setting's, plus the UIDs of every Doorstop document in
   * the workspace (`SRD001` has no dash, so the default pattern would not see it in a tag).
   */
  private idPattern(configured: string): string {
    if (this.doorstop.size === 0) return configured;
    if (this.idPatternCache?.configured === configured && this.idPatternCache.doorstop === this.doorstopVersion) return this.idPatternCache.pattern;
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const uids = [...new Set([...this.doorstop.values()].map((document) => `${escape(document.prefix)}${escape(document.sep)}\\d+`))];
    const pattern = `${configured}|${uids.join('|')}`;
    this.idPatternCache = { configured, doorstop: this.doorstopVersion, pattern };
    return pattern;
  }

  private doorstopDocumentOf(filePath: string): DoorstopDocument | undefined {
    const document = this.doorstop.get(path.dirname(filePath));
    return document && isDoorstopItemPath(filePath, document) ? document : undefined;
  }

  // ---- indexing ------------------------------------------------------------------------------

  /**
   * Indexes one file from the given text (an overlay) or from disk; removes it when unreadable.
   * A full index passes the file's folder, which it knows, to spare a lookup per file.
   */
  private indexFile(filePath: string, text?: string, folder = this.folderOf(filePath)): void {
    const settings = folder?.settings ?? this.settings();
    let content = text;
    if (content === undefined && isReqifPath(filePath) && this.roleOf(filePath, folder) === 'requirements') {
      // ReqIF exports run to tens of megabytes and archives are binary: they are streamed from disk.
      this.indexReqifFile(filePath, folder);
      return;
    }
    if (content === undefined) {
      const read: ReadResult = readTextFile(filePath, settings.maxFileSize);
      if (!read.ok) {
        if (read.reason !== 'missing' && !this.skipped.has(filePath)) {
          this.skipped.add(filePath);
          this.options.log('info', `Not indexed: ${read.detail}.`);
        }
        this.removeFile(filePath);
        return;
      }
      content = read.text;
    }
    const options = this.extractOptions(filePath, folder);
    const role = options.role;
    if (this.skipsGenerated(filePath, content, role, settings)) {
      this.removeFile(filePath);
      return;
    }
    try {
      // An open document is bound now: it is the file being asked about. Files from disk are
      // bound on first use, most of them never.
      const facts = extractFacts(filePath, content, { ...options, deferBindings: text === undefined });
      this.graph.setFile(facts);
    } catch (error) {
      // Extraction is written never to throw; if it does, the file is left out and the server goes on.
      this.options.log('error', `Reading ${filePath} for the trace failed: ${errorDetail(error)}`);
      this.graph.removeFile(filePath);
    }
    this.indexed.set(filePath, role);
    for (const listener of this.listeners) {
      try {
        listener.setFile(filePath, content, role, this.indexing);
      } catch (error) {
        this.options.log('error', `An index of ${filePath} failed: ${errorDetail(error)}`);
      }
    }
  }

  private indexReqifFile(filePath: string, folder: WorkspaceFolder | undefined): void {
    const settings = folder?.settings ?? this.settings();
    const read = readReqifFile(filePath, { idAttribute: settings.trace.reqif.idAttribute });
    this.graph.setFile({ path: filePath, role: 'requirements', requirements: read.requirements, tags: [], problems: read.problems });
    this.indexed.set(filePath, 'requirements');
    for (const listener of this.listeners) {
      try {
        listener.setFile(filePath, '', 'requirements', this.indexing);
      } catch (error) {
        this.options.log('error', `An index of ${filePath} failed: ${(error as Error).stack ?? error}`);
      }
    }
  }

  /**
   * True when the file is minified or generated and the settings leave such files out (logged once).
   * Requirement documents are always read: long Markdown lines are paragraphs, not minified code.
   */
  private skipsGenerated(filePath: string, text: string, role: FileRole, settings: TandemSettings): boolean {
    if (!settings.excludeGenerated || role === 'requirements') return false;
    const reason = generatedReason(filePath, text);
    if (reason === undefined) return false;
    if (!this.skipped.has(filePath)) {
      this.skipped.add(filePath);
      this.options.log('info', `Not indexed: ${filePath} looks minified or generated (${reason}); set excludeGenerated to false to read it.`);
    }
    return true;
  }

  /** How a file is read for the trace: its role, the ID pattern of its folder, its Doorstop document. */
  private extractOptions(filePath: string, folder = this.folderOf(filePath)): ExtractOptions {
    const settings = folder?.settings ?? this.settings();
    return {
      idPattern: this.idPattern(settings.trace.idPattern),
      role: this.roleOf(filePath, folder),
      doorstop: this.doorstopDocumentOf(filePath),
      relativePath: folder ? relativePath(folder.path, filePath) : path.basename(filePath),
      shortTags: shortTagsOf(settings.trace.shortTags, folder ? relativePath(folder.path, filePath) : path.basename(filePath)),
      reqifIdAttribute: settings.trace.reqif.idAttribute,
    };
  }

  private removeFile(filePath: string): void {
    if (!this.indexed.has(filePath)) return;
    this.indexed.delete(filePath);
    this.graph.removeFile(filePath);
    for (const listener of this.listeners) {
      try {
        listener.removeFile(filePath);
      } catch (error) {
        this.options.log('error', `Removing ${filePath} from an index failed: ${errorDetail(error)}`);
      }
    }
  }

  /** Reads the Doorstop documents of a set of files before their items are indexed. */
  private loadDoorstopConfigs(files: string[]): void {
    for (const file of files) {
      if (path.basename(file) !== doorstopConfigFile) continue;
      this.loadDoorstopConfig(file);
    }
  }

  private loadDoorstopConfig(file: string): boolean {
    const dir = path.dirname(file);
    const read = readTextFile(file, 1024 * 1024);
    const before = JSON.stringify(this.doorstop.get(dir) ?? null);
    if (!read.ok) {
      this.doorstop.delete(dir);
    } else {
      const parsed = parseDoorstopConfig(file, read.text);
      if (parsed.document) this.doorstop.set(dir, parsed.document);
      else this.doorstop.delete(dir);
    }
    const changed = before !== JSON.stringify(this.doorstop.get(dir) ?? null);
    if (changed) this.doorstopVersion++;
    return changed;
  }

  /**
   * Indexes every folder from scratch. Yields to the event loop between chunks so requests are
   * answered meanwhile; stops early (keeping what it has) when cancelled.
   */
  async fullIndex(progress?: IndexProgress): Promise<{ files: number; cancelled: boolean; ms: number }> {
    const started = performance.now();
    this.indexing = true;
    try {
      const discovered: string[] = [];
      const folderOfFile: WorkspaceFolder[] = [];
      for (const folder of this.folderList) {
        const unreadable = (dir: string, error: Error) => this.options.log('warning', `Not indexed: the folder ${dir} could not be read: ${error.message}`);
        for (const file of discoverFiles(folder.rules, () => progress?.cancelled() ?? false, unreadable)) {
          discovered.push(file);
          folderOfFile.push(folder);
        }
      }
      this.loadDoorstopConfigs(discovered);
      const keep = new Set(discovered);
      for (const file of [...this.indexed.keys()]) if (!keep.has(file)) this.removeFile(file);
      progress?.report(`Indexing ${discovered.length} files`, 0);
      for (let i = 0; i < discovered.length; i++) {
        const file = discovered[i];
        const overlay = this.overlays.get(file);
        // A nested folder's files were also found by the walk of the folder around it: the innermost wins.
        const folder = this.folderList.length === 1 ? folderOfFile[i] : this.folderOf(file);
        this.indexFile(file, overlay?.text, folder);
        if ((i + 1) % indexChunk === 0) {
          progress?.report(`${i + 1} of ${discovered.length} files`, Math.round(((i + 1) * 100) / discovered.length));
          await new Promise((resolve) => setImmediate(resolve));
          if (progress?.cancelled()) return { files: i + 1, cancelled: true, ms: performance.now() - started };
        }
      }
      // Open documents outside the discovered set (new, unsaved files) still count.
      for (const [file, overlay] of this.overlays) if (!keep.has(file) && this.isInWorkspace(file)) this.indexFile(file, overlay.text);
      return { files: discovered.length, cancelled: false, ms: performance.now() - started };
    } finally {
      this.indexing = false;
      this.firstIndexDone = true;
      this.markFirstIndexDone();
    }
  }

  // ---- open documents ------------------------------------------------------------------------

  /** An editor opened or changed a document: its text becomes the file's truth. */
  setOverlay(filePath: string, text: string, version: number): void {
    this.overlays.set(filePath, { text, version });
    if (!this.isInWorkspace(filePath) && !this.indexed.has(filePath)) return;
    if (this.isOversized(filePath)) {
      const limit = this.settings(filePath).maxFileSize;
      if (!this.skipped.has(filePath)) {
        this.skipped.add(filePath);
        this.options.log('info', `Not indexed: ${filePath} has ${text.length} characters open in the editor, over the limit of ${limit} (setting maxFileSize).`);
      }
      this.removeFile(filePath);
      return;
    }
    this.indexFile(filePath, text);
  }

  /** True when an open document is over the size limit (setting maxFileSize): it is kept, but not read by any feature. */
  isOversized(filePath: string): boolean {
    const overlay = this.overlays.get(filePath);
    return overlay !== undefined && overlay.text.length > this.settings(filePath).maxFileSize;
  }

  /** An editor closed a document: the file on disk is the truth again. */
  closeOverlay(filePath: string): void {
    if (!this.overlays.delete(filePath)) return;
    if (this.indexed.has(filePath) || this.isInWorkspace(filePath)) this.indexFile(filePath);
  }

  // ---- file events ---------------------------------------------------------------------------

  /**
   * Applies a batch of file events in one pass. Returns true when the whole workspace must be
   * indexed again (settings or .gitignore changed), which the caller schedules.
   */
  applyChanges(changes: FileChange[]): { reindex: boolean } {
    const latest = new Map<string, FileChangeType>();
    for (const change of changes) latest.set(path.resolve(change.path), change.type);
    let reindex = false;
    for (const file of latest.keys()) {
      const base = path.basename(file);
      const folder = this.folderOf(file);
      if (!folder) continue;
      if (base === settingsFile && path.dirname(file) === folder.path) {
        const index = this.folderList.indexOf(folder);
        if (index >= 0) this.folderList[index] = this.loadFolder(folder.path);
        this.updateGraphOptions();
        reindex = true;
      } else if (base === '.gitignore') {
        folder.rules.forget(file);
        reindex = true;
      } else if (base === doorstopConfigFile) {
        // A document's prefix is part of the ID pattern every file is read with.
        if (this.loadDoorstopConfig(file)) reindex = true;
      }
    }
    if (reindex) return { reindex };
    for (const [file, type] of latest) {
      if (this.overlays.has(file)) continue; // The editor's text wins until it closes the document.
      if (type === 'deleted') {
        this.removeFile(file);
        // A deleted folder arrives as one event: drop everything below it.
        const prefix = file + path.sep;
        for (const indexedFile of [...this.indexed.keys()]) if (indexedFile.startsWith(prefix)) this.removeFile(indexedFile);
        continue;
      }
      if (!this.isInWorkspace(file)) continue;
      this.indexFile(file);
    }
    return { reindex: false };
  }
}

/** The meaning of short tags in a file: the first `trace.shortTags` entry whose globs match it. */
function shortTagsOf(entries: readonly ShortTagSettings[], relative: string): ShortTagMeaning | undefined {
  for (const entry of entries) {
    if (!matchesAny(relative, entry.paths)) continue;
    return { tagArtifactType: entry.tagArtifactType, coveredArtifactType: entry.coveredArtifactType, ...(entry.namePrefix !== undefined ? { namePrefix: entry.namePrefix } : {}) };
  }
  return undefined;
}
