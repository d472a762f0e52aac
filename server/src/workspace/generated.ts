/**
 * Minified and generated files: written by a tool, never by the people whose requirements and
 * tests Tandem traces, and costly to read on every keystroke (a 1.9 MB one-line bundle yields tens
 * of thousands of findings). They are left out of the index and of the diagnostics by default
 * (setting `excludeGenerated`), recognised by their name and by their content.
 */

/** Names minifiers and bundlers give their output. */
const minifiedName = /[.-]min\.(?:js|mjs|cjs|css)$|\.(?:js|css)\.map$/i;

/**
 * Average characters per line above which code is minified: GitHub's Linguist uses 110 for
 * JavaScript and CSS. Hand-written code averages 25–45; only files of at least `minSize` count,
 * so a short one-liner is not taken for a bundle.
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
    let lines = 1;
    // Stop counting as soon as the lines are short enough on average. A file without `\n` may end its lines with `\r`.
    const enough = Math.ceil(text.length / maxAverageLine);
    const lineEnd = text.includes('\n') ? '\n' : '\r';
    for (let at = text.indexOf(lineEnd); at !== -1 && lines <= enough; at = text.indexOf(lineEnd, at + 1)) lines++;
    if (lines <= enough) return `its lines are ${Math.round(text.length / lines)} characters long on average, as minified code's are`;
  }
  return undefined;
}
