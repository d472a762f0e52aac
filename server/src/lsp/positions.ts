/**
 * The line tables of the documents results describe, for the clamping edge (`clampPositions` in
 * `convert.ts`): an open document's by its version, a file's on disk by its size and time, a few
 * hundred kept. Reading is the workspace's (overlays first, the size limit applies).
 */
import * as fs from 'node:fs';
import { lineTable, type LineTable } from './convert';
import { uriToPath } from './uri';

const keep = 256;

export class DocumentLines {
  private readonly tables = new Map<string, { stamp: string; table: LineTable | undefined }>();

  constructor(
    private readonly readText: (path: string) => string | undefined,
    private readonly versionOf: (path: string) => number | undefined,
  ) {}

  /** The lines of the document at `uri` as the server sees it now; undefined when it cannot be read. */
  tableOf(uri: string): LineTable | undefined {
    const path = uriToPath(uri);
    if (!path) return undefined;
    const version = this.versionOf(path);
    let stamp: string;
    if (version !== undefined) stamp = `open ${version} ${this.readText(path)?.length}`;
    else {
      try {
        const stat = fs.statSync(path);
        stamp = `disk ${stat.size} ${stat.mtimeMs}`;
      } catch {
        return undefined;
      }
    }
    const cached = this.tables.get(path);
    if (cached?.stamp === stamp) return cached.table;
    const text = this.readText(path);
    const table = text === undefined ? undefined : lineTable(text);
    this.tables.delete(path);
    this.tables.set(path, { stamp, table });
    if (this.tables.size > keep) this.tables.delete(this.tables.keys().next().value!);
    return table;
  }
}
