/**
 * Cobertura and JaCoCo XML, read with `saxes` (a maintained streaming parser: no regular
 * expressions, no tree of the whole document). The text is fed in chunks, so a report of many
 * megabytes costs one pass and little memory. A DOCTYPE (JaCoCo declares one) is read, never
 * fetched; a malformed document ends the read with a problem naming its line, keeping what was
 * read before it.
 *
 * - Cobertura (coverage.py `xml`, gcovr `--cobertura`, many CI tools): `<source>` folders, then
 *   `<class filename="…">` with `<lines><line number hits/>` — the method-level copies of the same
 *   lines are not counted twice.
 * - JaCoCo: `<package name="com/acme">` holds `<sourcefile name="X.java">` with
 *   `<line nr mi ci mb cb/>`; a line ran when it has covered instructions (`ci > 0`).
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { LineHits, ReadCoverage } from './model';

const maxDepth = 256;
const maxFiles = 200000;

class Stop extends Error {}

/** Parses the XML text (whole, or as an iterable of chunks) as a Cobertura or JaCoCo report. */
export function parseCoverageXml(chunks: string | Iterable<string>, expected?: 'cobertura' | 'jacoco'): ReadCoverage {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const result: ReadCoverage = { format: expected ?? 'cobertura', files: [], sourceRoots: [], problems: [] };
  const stack: string[] = [];
  let root: string | undefined;
  let text = '';
  let cobClass: { name: string; lines: LineHits } | undefined;
  let jacocoPackage = '';
  let jacocoFile: { name: string; lines: LineHits } | undefined;
  const addFile = (file: { name: string; lines: LineHits }) => {
    if (result.files.length >= maxFiles) {
      result.problems.push(`more than ${maxFiles} files: the rest is left out`);
      throw new Stop();
    }
    result.files.push(file);
  };
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (stack.length >= maxDepth) {
      result.problems.push(`elements nest deeper than ${maxDepth} (line ${parser.line})`);
      throw new Stop();
    }
    const parent = stack[stack.length - 1];
    stack.push(tag.name);
    const attrs = tag.attributes as Record<string, string>;
    if (!root) {
      root = tag.name;
      if (root === 'report') result.format = 'jacoco';
      else if (root === 'coverage') result.format = 'cobertura';
      else {
        result.problems.push(`the root element is <${root}>, not Cobertura's <coverage> or JaCoCo's <report>`);
        throw new Stop();
      }
      return;
    }
    if (result.format === 'cobertura') {
      if (tag.name === 'source' && parent === 'sources') text = '';
      else if (tag.name === 'class' && attrs.filename) {
        cobClass = { name: attrs.filename, lines: new Map() };
        addFile(cobClass);
      } else if (tag.name === 'line' && parent === 'lines' && stack[stack.length - 3] === 'class' && cobClass) {
        const line = Number(attrs.number);
        const hits = Number(attrs.hits);
        if (Number.isInteger(line) && line > 0 && Number.isFinite(hits) && hits >= 0) cobClass.lines.set(line, (cobClass.lines.get(line) ?? 0) + hits);
      }
    } else {
      if (tag.name === 'package') jacocoPackage = attrs.name ?? '';
      else if (tag.name === 'sourcefile' && parent === 'package' && attrs.name) {
        jacocoFile = { name: jacocoPackage ? `${jacocoPackage}/${attrs.name}` : attrs.name, lines: new Map() };
        addFile(jacocoFile);
      } else if (tag.name === 'line' && parent === 'sourcefile' && jacocoFile) {
        const line = Number(attrs.nr);
        const covered = Number(attrs.ci ?? 0);
        const missed = Number(attrs.mi ?? 0);
        if (Number.isInteger(line) && line > 0 && covered + missed > 0) jacocoFile.lines.set(line, Math.max(jacocoFile.lines.get(line) ?? 0, covered));
      }
    }
  });
  parser.on('text', (chunk: string) => {
    if (stack[stack.length - 1] === 'source') text += chunk;
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    stack.pop();
    if (tag.name === 'source' && result.format === 'cobertura') {
      const folder = text.trim();
      if (folder) result.sourceRoots.push(folder);
    } else if (tag.name === 'class') cobClass = undefined;
    else if (tag.name === 'sourcefile') jacocoFile = undefined;
    else if (tag.name === 'package') jacocoPackage = '';
  });
  parser.on('error', (error: Error) => {
    result.problems.push(`not well-formed XML: ${error.message}`);
    throw new Stop();
  });
  try {
    for (const chunk of typeof chunks === 'string' ? [chunks] : chunks) parser.write(chunk);
    parser.close();
    if (!root) result.problems.push('the file holds no XML element');
  } catch (error) {
    if (!(error instanceof Stop)) result.problems.push(`the report could not be read: ${(error as Error).message}`);
  }
  if (expected && root && result.format !== expected) result.problems.push(`expected a ${expected} report, found ${result.format}`);
  return result;
}
