/**
 * The syntax Tandem needs of each language: where comments and strings are, what a declaration
 * line looks like (to bind a tag to the symbol that follows it), and how tests are written.
 * Languages are grouped by family; a family shares comment and string rules.
 */
import { isSpace } from './text';

/** How strings are written, which decides how the scanner skips them. */
export type StringStyle =
  | 'c' // "…" and '…' with backslash escapes (C, C++, Java, C#, Kotlin, Swift, PHP, Dart…)
  | 'js' // plus template literals `…${…}…` and regular expression literals
  | 'python' // plus '''…''' and """…""" (a triple-quoted string at statement start is a docstring)
  | 'go' // plus raw `…` strings
  | 'rust' // "…", r#"…"#, and 'x' char literals that are not lifetimes
  | 'shell' // "…" with escapes, '…' without, `…` command substitution
  | 'sql' // '…' with '' as the escape, "…" identifiers
  | 'lua' // "…", '…', and long brackets [[…]], [==[…]==]
  | 'lisp' // "…" only; ' is a quote operator
  | 'ruby'; // "…", '…', `…`

export interface LanguageSyntax {
  family: string;
  lineComments: string[];
  blockComments: [open: string, close: string][];
  /** Block comments nest (Rust, Swift, Haskell, Scala). */
  nestedBlocks?: boolean;
  strings: StringStyle;
  /** Triple-quoted strings `"""…"""` exist (Python, Kotlin, Java text blocks, C# raw strings, Swift, Scala). */
  tripleQuotes?: boolean;
  /** `#` starts a comment only at the start of a word (shell). */
  hashAtWordStart?: boolean;
  /** C# verbatim `@"…"`, C++ raw `R"(…)"`. */
  verbatim?: 'csharp' | 'cpp';
  /** Recognises a declaration on one line; group 1 (or the first defined group) is the name. */
  declaration: RegExp;
  /** A cheap test of a line, false when `declaration` cannot match it; run before the regex. */
  declarationHint?: (line: string) => boolean;
  /** The language's test-calls take a title as first argument: `it('…')`, `t.Run("…")`, `@DisplayName("…")`. */
  testTitleCall?: RegExp;
  /** A cheap test of the text `[from, to)`, false when `testTitleCall` cannot match it; run before the regex. */
  testTitleHint?: (text: string, from: number, to: number) => boolean;
  /** Ruby's RSpec calls take their title without parentheses. */
  bareTestCalls?: boolean;
}

const cDeclaration =
  /^\s*(?:(?:public|private|protected|internal|static|final|abstract|virtual|override|async|sealed|extern|inline|const|constexpr|unsafe|open|suspend|data|partial|readonly|export|default|synchronized)\s+)*(?:class|interface|enum|struct|record|object|trait|fun|func|fn|def|function)\s+`?([A-Za-z_$][\w$]*)|^\s*(?:(?:public|private|protected|internal|static|final|abstract|virtual|override|async|sealed|extern|inline|const|constexpr|unsafe|synchronized)\s+)*[\w$<>[\],.*&:\s]*?\b([A-Za-z_$][\w$]*)\s*\([^)]*\)?\s*(?:const\s*)?(?:throws\s+[\w.,\s]+)?(?:\{.*|=>.*|:.*)?$/;

/** The callees whose first argument is a test's title (`describe('…'`), and their modifiers (`it.only(`). */
const jsTestCallees = ['describe', 'context', 'suite', 'it', 'test', 'specify', 'bench'];
const jsTestModifiers = ['only', 'skip', 'todo', 'concurrent', 'failing', 'sequential'];
const jsTestTitleCall = new RegExp(`(?:^|[^\\w$.])(?:${jsTestCallees.join('|')})(?:\\.(?:${jsTestModifiers.join('|')}))?\\s*\\(\\s*$`);

const jsDeclaration =
  /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|enum|type|namespace)\s+([A-Za-z_$][\w$]*)|^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)|^\s*(?:(?:public|private|protected|static|readonly|async|override|get|set)\s+)*\*?([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\([^)]*\)?\s*(?::[^={]*)?\{?\s*$/;

/** The first two alternatives of `jsDeclaration` start with one of these words (and white space or `*`). */
const jsDeclarationStart = /^\s*(?:export|default|declare|abstract|async|function|class|interface|enum|type|namespace|const|let|var)(?![A-Za-z])/;

/**
 * False when `jsDeclaration` cannot match `line`. The first two alternatives start with a keyword;
 * the third needs a `(` and then, for the last `(` of the line, either no `)` after it or no `=`
 * after the first such `)` (what may follow the parameters, `: Type {`, holds no `=`).
 */
function jsDeclarationHint(line: string): boolean {
  if (jsDeclarationStart.test(line)) return true;
  let equals = false;
  let closeThenEquals = false;
  for (let at = line.length - 1; at >= 0; at--) {
    const c = line.charCodeAt(at);
    if (c === 40) return !closeThenEquals;
    if (c === 61) equals = true;
    else if (c === 41 && equals) closeThenEquals = true;
  }
  return false;
}

/** The last letters of the callees `jsTestTitleCall` names (`describe`, `it.only`, …), from the same words. */
const jsTestCallEnds = new Set([...jsTestCallees, ...jsTestModifiers].map((word) => word.charCodeAt(word.length - 1)));

/**
 * False when `jsTestTitleCall` cannot match `text[from, to)`: it ends with a callee's last letter, a
 * `(` and white space.
 */
function jsTestTitleHint(text: string, from: number, to: number): boolean {
  let at = to - 1;
  while (at >= from && isSpace(text.charCodeAt(at))) at--;
  if (at < from || text.charCodeAt(at) !== 40) return false;
  at--;
  while (at >= from && isSpace(text.charCodeAt(at))) at--;
  return at >= from && jsTestCallEnds.has(text.charCodeAt(at));
}

const jsKeywords = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'typeof', 'await', 'new', 'do', 'else']);

export const languages: Record<string, LanguageSyntax> = {
  js: {
    family: 'js',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    strings: 'js',
    declaration: jsDeclaration,
    declarationHint: jsDeclarationHint,
    testTitleCall: jsTestTitleCall,
    testTitleHint: jsTestTitleHint,
  },
  python: {
    family: 'python',
    lineComments: ['#'],
    blockComments: [],
    strings: 'python',
    tripleQuotes: true,
    declaration: /^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/,
  },
  go: {
    family: 'go',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    strings: 'go',
    declaration: /^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)|^\s*type\s+([A-Za-z_]\w*)|^\s*(?:var|const)\s+([A-Za-z_]\w*)/,
    testTitleCall: /(?:^|[^\w])(?:t|s|b)\.Run\s*\(\s*$/,
  },
  java: {
    family: 'java',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    strings: 'c',
    tripleQuotes: true,
    declaration: cDeclaration,
    testTitleCall: /@DisplayName\s*\(\s*$|(?:^|[^\w.])(?:describe|context|it|test|should)\s*\(\s*$/,
  },
  c: {
    family: 'c',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    strings: 'c',
    verbatim: 'cpp',
    declaration: cDeclaration,
    testTitleCall: /(?:^|[^\w])(?:TEST_CASE|SECTION|SCENARIO|GIVEN|WHEN|THEN|DOCTEST_TEST_CASE)\s*\(\s*$/,
  },
  csharp: {
    family: 'csharp',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    strings: 'c',
    tripleQuotes: true,
    verbatim: 'csharp',
    declaration: cDeclaration,
    testTitleCall: /(?:DisplayName\s*=\s*|Description\s*\(\s*|TestCase\s*\([^)]*TestName\s*=\s*)$/,
  },
  rust: {
    family: 'rust',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    nestedBlocks: true,
    strings: 'rust',
    declaration: /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:async|const|unsafe|extern(?:\s+"[^"]*")?)\s+)*(?:fn|struct|enum|trait|mod|type|union|static|const)\s+([A-Za-z_]\w*)|^\s*impl(?:<[^>]*>)?\s+(?:[\w:<>]+\s+for\s+)?([A-Za-z_]\w*)/,
  },
  swift: {
    family: 'swift',
    lineComments: ['//'],
    blockComments: [['/*', '*/']],
    nestedBlocks: true,
    strings: 'c',
    tripleQuotes: true,
    declaration: cDeclaration,
  },
  ruby: {
    family: 'ruby',
    lineComments: ['#'],
    blockComments: [['=begin', '=end']],
    strings: 'ruby',
    declaration: /^\s*def\s+(?:self\.)?([A-Za-z_]\w*[?!=]?)|^\s*(?:class|module)\s+([A-Z][\w:]*)/,
    testTitleCall: /(?:^|[^\w.])(?:describe|context|it|specify|scenario|feature|test)\s*\(?\s*$/,
    bareTestCalls: true,
  },
  shell: {
    family: 'shell',
    lineComments: ['#'],
    blockComments: [],
    strings: 'shell',
    hashAtWordStart: true,
    declaration: /^\s*(?:function\s+([A-Za-z_][\w-]*)|([A-Za-z_][\w-]*)\s*\(\s*\)\s*\{?)/,
    testTitleCall: /(?:^|\s)@test\s+$/,
  },
  sql: {
    family: 'sql',
    lineComments: ['--'],
    blockComments: [['/*', '*/']],
    strings: 'sql',
    declaration: /^\s*create\s+(?:or\s+replace\s+)?(?:temporary\s+|temp\s+)?(?:function|procedure|table|view|trigger|index|type|schema|materialized\s+view)\s+(?:if\s+not\s+exists\s+)?([\w."]+)/i,
  },
  lua: {
    family: 'lua',
    lineComments: ['--'],
    blockComments: [],
    strings: 'lua',
    declaration: /^\s*(?:local\s+)?function\s+([\w.:]+)|^\s*(?:local\s+)?([\w.]+)\s*=\s*function\b/,
    testTitleCall: /(?:^|[^\w.])(?:describe|it|test|pending)\s*\(\s*$/,
  },
  lisp: {
    family: 'lisp',
    lineComments: [';'],
    blockComments: [['#|', '|#']],
    strings: 'lisp',
    declaration: /^\s*\((?:cl-)?(?:defun|defmacro|defvar|defparameter|defconst|defcustom|defgeneric|defmethod|defclass|defstruct|define|define-syntax|defn|defn-|def|ert-deftest|deftest)\s+\(?([^\s()]+)/,
    testTitleCall: /\((?:deftest|ert-deftest|testing|it|describe)\s+$/,
  },
  haskell: {
    family: 'haskell',
    lineComments: ['--'],
    blockComments: [['{-', '-}']],
    nestedBlocks: true,
    strings: 'c',
    declaration: /^([a-z_][\w']*)\s*::|^(?:data|newtype|type|class)\s+([A-Z]\w*)/,
  },
  hash: {
    family: 'hash',
    lineComments: ['#'],
    blockComments: [],
    strings: 'c',
    declaration: /^\s*(?:sub|def|function|proc)\s+([A-Za-z_][\w:]*)|^\s*([A-Za-z_][\w.]*)\s*(?:<-|=)\s*function\b/,
  },
  percent: {
    family: 'percent',
    lineComments: ['%'],
    blockComments: [],
    strings: 'c',
    declaration: /^([a-z][\w]*)\s*\(/,
  },
};

const byExtension: Record<string, string> = {};
function register(family: string, extensions: string): void {
  for (const extension of extensions.split(' ')) byExtension[extension] = family;
}
register('js', 'ts tsx mts cts js jsx mjs cjs vue svelte');
register('python', 'py pyi pyw');
register('go', 'go');
register('java', 'java kt kts scala groovy gradle dart php');
register('c', 'c h cc cpp cxx hpp hh hxx ino m mm');
register('csharp', 'cs fs fsx');
register('rust', 'rs');
register('swift', 'swift');
register('ruby', 'rb rake gemspec');
register('shell', 'sh bash zsh ksh fish bats ps1');
register('sql', 'sql psql plsql ddl');
register('lua', 'lua');
register('lisp', 'lisp el cl scm clj cljs cljc edn rkt lsp');
register('haskell', 'hs lhs elm');
register('hash', 'r pl pm ex exs nim cr coffee tcl yaml yml toml cmake');
register('percent', 'erl hrl tex m4');

/** The syntax of a file from its extension; undefined for languages Tandem does not know. */
export function languageOf(filePath: string): LanguageSyntax | undefined {
  const slash = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  const dot = filePath.lastIndexOf('.');
  if (dot <= slash) {
    const base = filePath.slice(slash + 1).toLowerCase();
    return base === 'makefile' || base === 'dockerfile' ? languages.hash : undefined;
  }
  // Only the extension needs lower case (lower-casing the whole name would give the same one).
  const family = byExtension[filePath.slice(dot + 1).toLowerCase()];
  return family ? languages[family] : undefined;
}

/** True when a declaration regex matched a control-flow keyword rather than a name. */
export function isKeyword(name: string): boolean {
  return jsKeywords.has(name);
}
