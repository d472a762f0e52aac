/**
 * The plain walk the floors of the trace benchmark start with: every file below a folder, without
 * `node_modules` and `.git`, with no ignore rules or settings. The full index's own discovery is
 * what these floors are measured against.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function walkFiles(dir: string): string[] {
  const files: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.git') pending.push(full);
      } else if (entry.isFile()) files.push(full);
    }
  }
  return files;
}
