/**
 * Minified and generated files: written by a tool, never by the people whose requirements and
 * tests Tandem traces, and costly to read on every keystroke (a 1.9 MB one-line bundle yields tens
 * of thousands of findings). They are left out of the index and of the diagnostics by default
 * (setting `excludeGenerated`), recognised by their name and by their content.
 */

/** Names minifiers and bundlers give their output. */
const minifiedName = /[.-]min\.(?:js|mjs|cjs|css)$|\.(?:js|css)\.map$/i;

/**
 * Average characters of code per line above which a file is minified: GitHub's Linguist uses 110
 * for JavaScript and CSS. Hand-written code averages 25–45; only files with at least `minSize`
 * characters of code count, so a short one-liner is not taken for a bundle.
 */
const maxAverageLine = 110;
const minSize = 2048;

/** Markers code generators write near the top of their output. */
const generatedMarker = /@generated\b|\bDO NOT EDIT\b|\bgenerated\b[^\n]{0,60}\bdo not (?:edit|modify)\b/i;

/**
 * Why a file looks minified or generated, in a few words, or undefined when it does not. Linear in
 * the text at worst (one pass counting line breaks); requirement documents are never asked.
 */
export function generatedReason(filePath: string, text: string): string | undefined {
  if (minifiedName.test(filePath)) return 'its name is that of minified output';
  const head = text.length > 1024 ? text.slice(0, 1024) : text;
  if (generatedMarker.test(head)) return 'it says near its top that it is generated';
  if (text.length >= minSize) {
    // Average over the code: a line comment (`//`, `#`) is prose however long, never minified output.
    // Stop as soon as there are enough lines for a short average. A file without `\n` may end its lines with `\r`.
    const enough = Math.ceil(text.length / maxAverageLine);
    const lineEnd = text.includes('\n') ? '\n' : '\r';
    let lines = 0;
    let code = 0;
    for (let from = 0; lines <= enough; ) {
      const found = text.indexOf(lineEnd, from);
      const end = found === -1 ? text.length : found;
      lines++;
      let first = from;
      while (first < end && (text.charCodeAt(first) === 32 || text.charCodeAt(first) === 9)) first++;
      const c = text.charCodeAt(first);
      if (!(c === 35 || (c === 47 && text.charCodeAt(first + 1) === 47))) code += end - from;
      if (found === -1) break;
      from = found + 1;
    }
    if (lines <= enough && code >= minSize && code / lines > maxAverageLine) {
      return `its lines are ${Math.round(code / lines)} characters long on average, as minified code's are`;
    }
  }
  return undefined;
}
