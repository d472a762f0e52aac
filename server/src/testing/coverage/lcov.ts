/**
 * LCOV tracefiles (`lcov.info`), as c8, nyc/Istanbul, lcov/geninfo (gcov), cargo-llvm-cov and Go
 * converters write them: `SF:` opens a file's record, `DA:line,hits[,checksum]` gives a line,
 * `end_of_record` closes it. Only line data counts; branch and function records are passed over.
 * The text is read line by line without building an array of its lines, so a large tracefile
 * costs one pass.
 */
import type { LineHits, ReadCoverage } from './model';

/** Records kept from one tracefile; beyond it the rest is reported and dropped. */
const maxFiles = 200000;

export function parseLcov(text: string): ReadCoverage {
  const files: ReadCoverage['files'] = [];
  const problems: string[] = [];
  let current: { name: string; lines: LineHits } | undefined;
  let bad = 0;
  let lineNumber = 0;
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    lineNumber++;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    const first = text.charCodeAt(start);
    if (first === 68 /* D */ && text.startsWith('DA:', start)) {
      const comma = text.indexOf(',', start + 3);
      if (current && comma > 0 && comma < stop) {
        const line = Number(text.slice(start + 3, comma));
        const next = text.indexOf(',', comma + 1);
        const hits = Number(text.slice(comma + 1, next > 0 && next < stop ? next : stop));
        if (Number.isInteger(line) && line > 0 && Number.isFinite(hits) && hits >= 0) current.lines.set(line, (current.lines.get(line) ?? 0) + hits);
        else if (bad++ < 5) problems.push(`line ${lineNumber}: malformed DA record`);
      } else if (bad++ < 5) problems.push(`line ${lineNumber}: DA record outside a file's record`);
    } else if (first === 83 /* S */ && text.startsWith('SF:', start)) {
      if (files.length >= maxFiles) {
        problems.push(`more than ${maxFiles} files: the rest is left out`);
        break;
      }
      current = { name: text.slice(start + 3, stop).trim(), lines: new Map() };
      files.push(current);
    } else if (first === 101 /* e */ && text.startsWith('end_of_record', start)) {
      current = undefined;
    }
    start = end + 1;
  }
  if (bad > 5) problems.push(`${bad - 5} more malformed records`);
  return { format: 'lcov', files, sourceRoots: [], problems };
}
