/**
 * Escaping for every output format. Requirement IDs, titles and texts come from the workspace and
 * are untrusted: a title may hold markup, quotes, commas, line breaks, terminal escape sequences or
 * characters that XML forbids. Each format gets one function here, so each report escapes alike.
 */

/**
 * ECMA-48 escape sequences: CSI (`ESC [` … final byte, or the 8-bit U+009B), OSC (`ESC ]` up to BEL
 * or `ESC \`), DCS/SOS/PM/APC strings, and the two-character escapes. Every part is a single pass
 * over a character class, so the match is linear.
 */
const escapeSequence =
  /\u001b\[[0-?]*[ -/]*[@-~]?|\u009b[0-?]*[ -/]*[@-~]?|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[ -~]?/g;

/** C0 controls other than tab, line feed and carriage return; DEL; C1 controls; the noncharacters U+FFFE and U+FFFF. */
const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;

/** Bidirectional embeddings, overrides and isolates: they make text read differently from its order. */
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/g;

/** Characters outside XML 1.0's `Char` production, including lone surrogates, U+FFFE and U+FFFF. */
const notXmlChar = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

const lineBreaks = /\r\n|[\r\n\u2028\u2029\u0085]/g;

/** Characters some function here changes: most texts have none, and are returned as they are. */
const special = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff&<>"'\\|]/;

/** Removes terminal escape sequences. */
export function stripEscapes(value: string): string {
  return value.indexOf('\u001b') < 0 && value.indexOf('\u009b') < 0 ? value : value.replace(escapeSequence, '');
}

/** Text safe to print to a terminal: no escape sequences, no control characters but tab and line breaks, no bidi overrides. */
export function plainText(value: string): string {
  if (!special.test(value)) return value;
  return stripEscapes(value).replace(controls, '').replace(bidiControls, '');
}

/** Plain text on one line: every line break becomes a space. */
export function oneLine(value: string): string {
  return plainText(value).replace(lineBreaks, ' ');
}

/** Character data of XML text content. */
export function xmlText(value: string): string {
  return stripEscapes(value).replace(notXmlChar, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An XML attribute value (inside double quotes); tab and line breaks are kept as character references. */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

/** HTML text or a double- or single-quoted attribute value. */
export function htmlText(value: string): string {
  if (!special.test(value)) return value;
  return plainText(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A cell of a Markdown table: one line, pipes and backslashes escaped, markup shown as text. */
export function markdownCell(value: string): string {
  return oneLine(value)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * A CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A leading formula
 * character is neutralised so that spreadsheets show the text rather than run it.
 */
export function csvField(value: string): string {
  const text = plainText(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
