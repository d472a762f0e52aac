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
    if (first === 68 /* D */ && text.charCodeAt(start + 1) === 65 && text.charCodeAt(start + 2) === 58) {
      // DA:<line>,<hits>[,<checksum>], read digit by digit.
      let at = start + 3;
      let line = 0;
      let digits = 0;
      for (let c = text.charCodeAt(at); c >= 48 && c <= 57 && digits < 10; c = text.charCodeAt(++at), digits++) line = line * 10 + (c - 48);
      let hits = -1;
      if (digits > 0 && text.charCodeAt(at) === 44) {
        at++;
        let hitDigits = 0;
        hits = 0;
        for (let c = text.charCodeAt(at); c >= 48 && c <= 57 && hitDigits < 16; c = text.charCodeAt(++at), hitDigits++) hits = hits * 10 + (c - 48);
        if (hitDigits === 0 || (at < stop && text.charCodeAt(at) !== 44)) hits = -1;
      }
      if (current && line > 0 && hits >= 0) {
        const previous = current.lines.get(line);
        current.lines.set(line, previous === undefined ? hits : previous + hits);
      } else if (bad++ < 5) problems.push(`line ${lineNumber}: ${current ? 'malformed DA record' : "DA record outside a file's record"}`);
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
