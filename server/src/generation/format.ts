/**
 * The output format a model answers in, and its parser. The format is plain enough for any chat
 * model: each file is a header line followed by one fenced code block.
 *
 *     FILE src/slugify.ts REPLACE slugify
 *     ```ts
 *     export function slugify(title: string): string { … }
 *     ```
 *
 * Actions: `CREATE` (a new file; refused when it exists), `APPEND` (added at the end of an existing
 * file) and `REPLACE <symbol>` (replaces one declaration, `name` or `Class.method`, which must be a
 * stub or the symbol being refactored). Text outside blocks, and a reasoning model's `<think>`
 * section, is ignored. A fence may be longer than
 * three backticks (or use tildes) when the code itself holds a fence. docs/generation.md documents
 * the same for people who run their own models.
 */
import type { FileAction, ProposedFile } from './model';

export interface ParsedAnswer {
  files: ProposedFile[];
  /** Why the answer cannot be used, one message per problem, with its line; empty when it parsed. */
  errors: { line: number; message: string }[];
}

/** A block the task expects (from `expectedBlocks`), so a block named only by its path can be read. */
export interface ExpectedBlock {
  path: string;
  action: FileAction;
  symbol?: string;
}

/** An optional list marker, heading hashes, emphasis, backtick or quote before a header. */
const lead = String.raw`^\s*(?:(?:[-*+]|\d{1,3}[.)])\s+)?(?:#{1,6}\s*)?(?:\*\*|__)?\s*[\x60'"]?\s*`;
const header = new RegExp(
  lead +
    String.raw`FILE:?\s+[\x60'"]?([^\s\x60'"*]+)[\x60'"]?\s+(CREATE|APPEND|REPLACE)\b(?:\s+[\x60'"]?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)[\x60'"]?)?\s*[\x60'"]?\s*(?:\*\*|__)?\s*:?\s*$`,
  'i',
);
/** A line that means to be a header but is malformed: upper-case FILE and something path-like. */
const looseHeader = new RegExp(lead + String.raw`FILE:?\s+[\x60'"]?[\w./-]+\.\w+`);
/** An opening fence: indentation, three or more backticks or tildes, any info string (`js title="x"`, `ts {3-5}`). */
const fenceOpen = /^(\s*)(`{3,}|~{3,})(.*)$/;
/** A line naming only a path, before a fence: `**src/x.ts**`, `` `src/x.ts` ``, `src/x.ts:`. */
const pathLine = /^\s*(?:(?:[-*+]|\d{1,3}[.)])\s+)?(?:#{1,6}\s*)?(?:\*\*|__)?\s*[`'"]?([\w.@-]+(?:\/[\w.@-]+)*\.[A-Za-z]{1,5})[`'"]?\s*(?:\*\*|__)?\s*:?\s*$/;
/** A first code line naming only a path: `// src/x.ts`, `# src/x.ts`. */
const pathComment = /^\s*(?:\/\/|#|\/\*)\s*(?:file:?\s*)?([\w.@-]+(?:\/[\w.@-]+)*\.[A-Za-z]{1,5})\s*(?:\*\/)?\s*$/i;

function isFenceOpen(line: string): RegExpExecArray | null {
  const match = fenceOpen.exec(line);
  // A backtick fence's info string may not hold a backtick (CommonMark).
  if (!match || (match[2][0] === '`' && match[3].includes('`'))) return null;
  return match;
}

/** The text of a reasoning model's answer without its reasoning, line count kept. */
function withoutReasoning(answer: string): string {
  const blank = (thought: string) => thought.replace(/[^\n]/g, '');
  let visible = answer.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, blank);
  // A lone closing tag (the opening one was sent as a separate, hidden part): what comes before it is reasoning.
  const lone = /<\/(?:think|thinking|reasoning)>/i.exec(visible);
  if (lone) visible = blank(visible.slice(0, lone.index + lone[0].length)) + visible.slice(lone.index + lone[0].length);
  return visible;
}

/**
 * Parses a model's answer into file blocks; never throws. Lenient where the intent is
 * unambiguous: list markers, backticks or quotes around the header or its path, any fence info
 * string, fences indented inside a list (dedented), a lone `</think>`, and — given the blocks the
 * task expects — a block named only by a `**path**` line before it or a `// path` first line, when
 * exactly one expected block has that path.
 */
export function parseAnswer(answer: string, expected: readonly ExpectedBlock[] = []): ParsedAnswer {
  const lines = withoutReasoning(answer).split(/\r?\n/);
  const files: ProposedFile[] = [];
  const errors: ParsedAnswer['errors'] = [];
  const expectedFor = (path: string) => {
    const fits = expected.filter((e) => e.path === path);
    return fits.length === 1 ? fits[0] : undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    let match = header.exec(lines[i]);
    let implied: ExpectedBlock | undefined;
    /** Where the block's fence is when the fence line itself names the block. */
    let fenceAt: number | undefined;
    if (!match) {
      // A path line right before a fence, or a fence whose first line names the path.
      const named = pathLine.exec(lines[i]);
      let next = i + 1;
      while (named && next < lines.length && lines[next].trim() === '') next++;
      if (named && next < lines.length && isFenceOpen(lines[next])) implied = expectedFor(named[1].replace(/^\.\//, ''));
      if (!implied && isFenceOpen(lines[i]) && i + 1 < lines.length) {
        const comment = pathComment.exec(lines[i + 1]);
        const fits = comment ? expectedFor(comment[1].replace(/^\.\//, '')) : undefined;
        if (fits) {
          implied = fits;
          fenceAt = i;
        }
      }
      if (!implied) {
        if (looseHeader.test(lines[i]) && !isFenceOpen(lines[i])) {
          errors.push({ line: i + 1, message: `answer line ${i + 1} starts like a file header but does not read "FILE <path> CREATE|APPEND|REPLACE <symbol>": ${lines[i].trim().slice(0, 120)}` });
        }
        continue;
      }
      match = Object.assign([lines[i], implied.path, implied.action.toUpperCase(), implied.symbol], { index: 0, input: lines[i] }) as unknown as RegExpExecArray;
    }
    const [, path, actionWord, symbol] = match;
    const action = actionWord.toLowerCase() as FileAction;
    const headerLine = (fenceAt ?? i) + 1;
    if (action === 'replace' && !symbol) {
      errors.push({ line: headerLine, message: `answer line ${headerLine}: REPLACE needs the symbol to replace, e.g. "FILE ${path} REPLACE parseOrder"` });
    }
    let j = fenceAt ?? i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = j < lines.length ? isFenceOpen(lines[j]) : null;
    if (!fence) {
      errors.push({ line: headerLine, message: `answer line ${headerLine}: the header for ${path} must be followed by a fenced code block (\`\`\`)` });
      continue;
    }
    const indent = fence[1].length;
    const marker = fence[2];
    const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    let k = j + 1;
    while (k < lines.length && !close.test(lines[k])) k++;
    if (k >= lines.length) {
      errors.push({ line: headerLine, message: `answer line ${headerLine}: the code block for ${path} is not closed (the answer may have been cut off)` });
      break;
    }
    let body = lines.slice(j + 1, k);
    // A block named by its first line: that line is the name, not code.
    if (implied && pathComment.test(body[0] ?? '') && pathComment.exec(body[0])![1].replace(/^\.\//, '') === path) body = body.slice(1);
    // A fence indented inside a list item: its code is indented as much; take that indentation off.
    if (indent > 0) body = body.map((line) => (line.slice(0, indent).trim() === '' ? line.slice(Math.min(indent, line.length - line.trimStart().length)) : line));
    const text = body.join('\n');
    if (files.some((file) => file.path === path && file.action === action && file.symbol === symbol)) {
      errors.push({ line: headerLine, message: `answer line ${headerLine}: ${path} ${actionWord.toUpperCase()}${symbol ? ` ${symbol}` : ''} appears twice` });
    }
    files.push({ path, action, symbol: action === 'replace' ? symbol : undefined, text: text.endsWith('\n') ? text : `${text}\n`, line: headerLine });
    i = k;
  }
  if (files.length === 0 && errors.length === 0) {
    errors.push({ line: 1, message: 'the answer holds no file block: write each file as a line "FILE <path> CREATE|APPEND|REPLACE <symbol>" followed by a fenced code block' });
  }
  return { files, errors };
}

/** Writes file blocks in the format, choosing a fence longer than any run of backticks inside. */
export function formatAnswer(files: Pick<ProposedFile, 'path' | 'action' | 'symbol' | 'text'>[], language = 'ts'): string {
  return files
    .map((file) => {
      const longest = Math.max(2, ...[...file.text.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = '`'.repeat(longest + 1);
      const head = `FILE ${file.path} ${file.action.toUpperCase()}${file.symbol ? ` ${file.symbol}` : ''}`;
      return `${head}\n${fence}${language}\n${file.text.replace(/\n$/, '')}\n${fence}\n`;
    })
    .join('\n');
}
