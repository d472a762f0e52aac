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

const header = /^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*FILE:?\s+`?([^\s`*]+)`?\s+(CREATE|APPEND|REPLACE)\b(?:\s+`?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)`?)?\s*(?:\*\*|__)?\s*$/i;
/** A line that means to be a header but is malformed: upper-case FILE and something path-like. */
const looseHeader = /^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*FILE:?\s+`?[\w./-]+\.\w+/;
const fenceOpen = /^\s*(`{3,}|~{3,})\s*([\w+-]*)\s*$/;

/** Parses a model's answer into file blocks; never throws. */
export function parseAnswer(answer: string): ParsedAnswer {
  // Reasoning models think aloud first; what they think is not the answer, whatever it looks like.
  const visible = answer.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, (thought) => thought.replace(/[^\n]/g, ''));
  const lines = visible.split(/\r?\n/);
  const files: ProposedFile[] = [];
  const errors: ParsedAnswer['errors'] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = header.exec(lines[i]);
    if (!match) {
      if (looseHeader.test(lines[i]) && !fenceOpen.test(lines[i])) {
        errors.push({ line: i + 1, message: `line ${i + 1} starts like a file header but does not read "FILE <path> CREATE|APPEND|REPLACE <symbol>": ${lines[i].trim().slice(0, 120)}` });
      }
      continue;
    }
    const [, path, actionWord, symbol] = match;
    const action = actionWord.toLowerCase() as FileAction;
    const headerLine = i + 1;
    if (action === 'replace' && !symbol) {
      errors.push({ line: headerLine, message: `line ${headerLine}: REPLACE needs the symbol to replace, e.g. "FILE ${path} REPLACE parseOrder"` });
    }
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = j < lines.length ? fenceOpen.exec(lines[j]) : null;
    if (!fence) {
      errors.push({ line: headerLine, message: `line ${headerLine}: the header for ${path} must be followed by a fenced code block (\`\`\`)` });
      continue;
    }
    const marker = fence[1];
    const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    let k = j + 1;
    while (k < lines.length && !close.test(lines[k])) k++;
    if (k >= lines.length) {
      errors.push({ line: headerLine, message: `line ${headerLine}: the code block for ${path} is not closed (the answer may have been cut off)` });
      break;
    }
    const text = lines.slice(j + 1, k).join('\n');
    if (files.some((file) => file.path === path && file.action === action && file.symbol === symbol)) {
      errors.push({ line: headerLine, message: `line ${headerLine}: ${path} ${actionWord.toUpperCase()}${symbol ? ` ${symbol}` : ''} appears twice` });
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
