/**
 * The latest result of every test, and whether it is still fresh.
 *
 * A result remembers a fingerprint (a hash of the text) of the test file and of every module it
 * loaded when it ran. It is stale as soon as any of those files has a different text now, unsaved
 * edits included, and fresh again if the text comes back. Results from JUnit reports remember the
 * test file only. The store is plain data and can be saved to and loaded from JSON.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { TestResultRecord } from '../trace/model';
import { parseJson } from '../trace/nesting';
import { readTextFile } from '../text/read';
import type { TestOutcome } from './model';

/**
 * The JSON of a saved results file (`.tandem/test-results.json`), read like any workspace file and
 * behind the nesting cap: it comes from the workspace and may be anything. Throws an error with
 * code ENOENT when there is none, and an error saying what is wrong otherwise.
 */
export function readSavedResults(file: string): unknown {
  const read = readTextFile(file, 64 * 1024 * 1024);
  if (!read.ok) {
    const error: NodeJS.ErrnoException = new Error(read.detail);
    if (read.reason === 'missing') error.code = 'ENOENT';
    throw error;
  }
  try {
    return parseJson(read.text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
}

export function fingerprint(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 16);
}

/** Fingerprints of files as they are on disk now; a missing file gets the empty fingerprint. */
export function diskFingerprints(files: Iterable<string>): Record<string, string> {
  const prints: Record<string, string> = {};
  for (const file of files) {
    try {
      prints[file] = fingerprint(fs.readFileSync(file, 'utf8'));
    } catch {
      prints[file] = '';
    }
  }
  return prints;
}

export interface StoredResult {
  outcome: TestOutcome;
  /** ISO time the run (or report) produced it. */
  at: string;
  source: 'run' | 'junit';
  /** Fingerprints of the files it depended on, when it ran. */
  fingerprints: Record<string, string>;
  /** Requirements a JUnit report's properties say the test verifies. */
  requirements?: string[];
}

function keyOf(file: string, testName: string): string {
  return `${file}\u0000${testName}`;
}

export class TestResultStore {
  private readonly results = new Map<string, StoredResult>();
  /** The current fingerprint of every file some result depends on. */
  private readonly current = new Map<string, string>();
  /** How many results depend on each file, to know which edits matter. */
  private readonly watched = new Map<string, number>();
  /** Failed and errored results by the files they are shown in (test file and failure place); rebuilt on demand. */
  private failuresIndex: Map<string, StoredResult[]> | undefined;

  /**
   * Keeps a result, replacing the previous one of the same test. Its fingerprints were taken from
   * disk when it ran; for the files `observed` accepts (those not open with unsaved text) that is
   * also the files' current text, even before the watcher reports the change.
   */
  put(result: StoredResult, observed: (file: string) => boolean = () => false): void {
    const key = keyOf(result.outcome.file, result.outcome.testName);
    const previous = this.results.get(key);
    if (previous) this.unwatch(previous);
    this.results.set(key, result);
    this.failuresIndex = undefined;
    for (const [file, print] of Object.entries(result.fingerprints)) {
      this.watched.set(file, (this.watched.get(file) ?? 0) + 1);
      if (!this.current.has(file) || observed(file)) this.current.set(file, print);
    }
  }

  private unwatch(result: StoredResult): void {
    for (const file of Object.keys(result.fingerprints)) {
      const count = (this.watched.get(file) ?? 1) - 1;
      if (count <= 0) {
        this.watched.delete(file);
        this.current.delete(file);
      } else this.watched.set(file, count);
    }
  }

  /** Drops the results of these tests (e.g. tests that no longer exist). */
  delete(file: string, testName: string): void {
    const key = keyOf(file, testName);
    const previous = this.results.get(key);
    if (previous) this.unwatch(previous);
    this.results.delete(key);
    this.failuresIndex = undefined;
  }

  /** The failed and errored results shown in `file`: its own tests' and those that failed inside it. */
  failuresIn(file: string): StoredResult[] {
    if (!this.failuresIndex) {
      const index = new Map<string, StoredResult[]>();
      const add = (at: string, result: StoredResult) => {
        const list = index.get(at);
        if (list) list.push(result);
        else index.set(at, [result]);
      };
      for (const result of this.results.values()) {
        if (result.outcome.outcome !== 'failed' && result.outcome.outcome !== 'errored') continue;
        add(result.outcome.file, result);
        if (result.outcome.failedAt && result.outcome.failedAt.file !== result.outcome.file) add(result.outcome.failedAt.file, result);
      }
      this.failuresIndex = index;
    }
    return this.failuresIndex.get(file) ?? [];
  }

  /** True when some result depends on this file (so its edits must be fingerprinted). */
  watches(file: string): boolean {
    return this.watched.has(file);
  }

  /** Records a file's current text; returns true when that changed any result's freshness. */
  fileChanged(file: string, text: string | undefined): boolean {
    if (!this.watched.has(file)) return false;
    const print = text === undefined ? '' : fingerprint(text);
    if (this.current.get(file) === print) return false;
    const dependents = [...this.results.values()].filter((result) => file in result.fingerprints);
    const before = dependents.map((result) => this.isStale(result));
    this.current.set(file, print);
    return dependents.some((result, i) => this.isStale(result) !== before[i]);
  }

  isStale(result: StoredResult): boolean {
    for (const [file, print] of Object.entries(result.fingerprints)) if (this.current.get(file) !== print) return true;
    return false;
  }

  get(file: string, testName: string): StoredResult | undefined {
    return this.results.get(keyOf(file, testName));
  }

  all(): StoredResult[] {
    return [...this.results.values()];
  }

  /** Results of the tests in one file. */
  inFile(file: string): StoredResult[] {
    return this.all().filter((result) => result.outcome.file === file);
  }

  /** The records the trace graph takes: latest outcome, time, duration, message, staleness. */
  records(): TestResultRecord[] {
    return this.all().map((result) => ({
      path: result.outcome.file,
      testName: result.outcome.testName,
      result: {
        outcome: result.outcome.outcome,
        at: result.at,
        stale: this.isStale(result),
        ...(result.outcome.durationMs !== undefined ? { durationMs: result.outcome.durationMs } : {}),
        ...(result.outcome.message !== undefined ? { message: result.outcome.message } : {}),
      },
      ...(result.requirements ? { requirements: result.requirements } : {}),
    }));
  }

  get size(): number {
    return this.results.size;
  }

  toJSON(): { version: 1; results: StoredResult[] } {
    return { version: 1, results: this.all() };
  }

  /** Loads saved results; results whose files changed on disk since are stale at once. */
  load(saved: unknown): number {
    const value = saved as { version?: number; results?: StoredResult[] } | undefined;
    if (!value || value.version !== 1 || !Array.isArray(value.results)) return 0;
    let loaded = 0;
    for (const result of value.results) {
      if (!result?.outcome?.file || typeof result.outcome.testName !== 'string' || typeof result.fingerprints !== 'object') continue;
      this.put(result);
      loaded++;
    }
    for (const [file, print] of Object.entries(diskFingerprints(this.watched.keys()))) this.current.set(file, print);
    return loaded;
  }
}
