/**
 * The floor of any index written for Node: walk the folder, read every file as UTF-8 and run
 * ripgrep's own expressions over it, counting matches and keeping nothing. Run in a fresh process
 * by bench/trace.ts, so that it pays what the index pays (a cold JIT, the same system calls) and
 * shows how much of the ratio to ripgrep is the runtime's rather than the index's.
 */
import * as fs from 'node:fs';
import { walkFiles } from './walk';

function main(): void {
  const dir = process.argv[2];
  const started = performance.now();
  const files = walkFiles(dir);
  // The expressions of bench/trace.ts's rg command, as one.
  const tags = /@(?:implements|verifies|req)\s+[A-Z][A-Z0-9]*-[0-9]+|\[[a-z]+(?:~[^\]]*)?->[^\]]+\]|^#+\s*[A-Z][A-Z0-9]*-[0-9]+/gm;
  let matches = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    tags.lastIndex = 0;
    while (tags.exec(text)) matches++;
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, files: files.length, matches }));
}

main();
