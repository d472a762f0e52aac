/**
 * The answer format: what parses, what is refused and with which message, and that what Tandem
 * writes (the offline provider's answers) parses back to the same files.
 */
import { strict as assert } from 'node:assert';
import { formatAnswer, parseAnswer, type ExpectedBlock } from '../../server/src/generation/format';

const fence = '```';

interface Case {
  name: string;
  answer: string;
  files?: { path: string; action: string; symbol?: string; text: string }[];
  error?: RegExp;
  /** The blocks the task expects (for blocks named only by their path). */
  expected?: ExpectedBlock[];
}

const expected: ExpectedBlock[] = [
  { path: 'src/slugify.ts', action: 'replace', symbol: 'slugify' },
  { path: 'test/slugify.test.ts', action: 'create' },
];

const cases: Case[] = [
  {
    name: 'plain headers with prose around them',
    answer: `Here you go.\n\nFILE src/a.ts CREATE\n${fence}ts\nexport const a = 1;\n${fence}\n\nFILE src/b.ts REPLACE Cart.add\n${fence}\nadd() {}\n${fence}\nDone.`,
    files: [
      { path: 'src/a.ts', action: 'create', text: 'export const a = 1;\n' },
      { path: 'src/b.ts', action: 'replace', symbol: 'Cart.add', text: 'add() {}\n' },
    ],
  },
  {
    name: 'Markdown-decorated headers and a blank line before the fence',
    answer: `### FILE: \`test/a.test.ts\` APPEND\n\n${fence}ts\nit('x', () => {});\n${fence}\n**FILE src/c.ts create**\n~~~\nc\n~~~\n`,
    files: [
      { path: 'test/a.test.ts', action: 'append', text: "it('x', () => {});\n" },
      { path: 'src/c.ts', action: 'create', text: 'c\n' },
    ],
  },
  {
    name: 'a longer fence around code that holds a fence',
    answer: `FILE docs/x.md CREATE\n\`\`\`\`md\n${fence}ts\ncode\n${fence}\n\`\`\`\`\n`,
    files: [{ path: 'docs/x.md', action: 'create', text: `${fence}ts\ncode\n${fence}\n` }],
  },
  {
    name: "a reasoning model's thoughts before the answer",
    answer: `<think>\nMaybe FILE src/wrong.ts CREATE? No.\nFILE src/wrong.ts CREATE\n</think>\nFILE src/a.ts CREATE\n${fence}ts\nexport const a = 1;\n${fence}\n`,
    files: [{ path: 'src/a.ts', action: 'create', text: 'export const a = 1;\n' }],
  },
  {
    name: 'prose that merely starts with the word file',
    answer: `File names follow the project's convention.\nFILE src/a.ts CREATE\n${fence}ts\nexport const a = 1;\n${fence}\n`,
    files: [{ path: 'src/a.ts', action: 'create', text: 'export const a = 1;\n' }],
  },
  {
    name: 'list markers before headers',
    answer: `1. FILE src/a.ts CREATE\n${fence}ts\na\n${fence}\n- FILE src/b.ts CREATE\n${fence}ts\nb\n${fence}\n* FILE src/c.ts CREATE\n${fence}ts\nc\n${fence}\n`,
    files: ['a', 'b', 'c'].map((n) => ({ path: `src/${n}.ts`, action: 'create', text: `${n}\n` })),
  },
  {
    name: 'backticks or quotes around the header or the path',
    answer: `\`FILE src/a.ts REPLACE a\`\n${fence}ts\na\n${fence}\nFILE "src/b.ts" CREATE\n${fence}ts\nb\n${fence}\nFILE 'src/c.ts' CREATE:\n${fence}ts\nc\n${fence}\n`,
    files: [
      { path: 'src/a.ts', action: 'replace', symbol: 'a', text: 'a\n' },
      { path: 'src/b.ts', action: 'create', text: 'b\n' },
      { path: 'src/c.ts', action: 'create', text: 'c\n' },
    ],
  },
  {
    name: 'any fence info string',
    answer: `FILE src/a.js CREATE\n${fence}js title="src/a.js"\na\n${fence}\nFILE src/b.ts CREATE\n${fence}ts {3-5}\nb\n${fence}\n`,
    files: [
      { path: 'src/a.js', action: 'create', text: 'a\n' },
      { path: 'src/b.ts', action: 'create', text: 'b\n' },
    ],
  },
  {
    name: 'a fence indented inside a list item is dedented',
    answer: `1. FILE src/a.ts CREATE\n   ${fence}ts\n   export function a() {\n     return 1;\n   }\n   ${fence}\n`,
    files: [{ path: 'src/a.ts', action: 'create', text: 'export function a() {\n  return 1;\n}\n' }],
  },
  {
    name: 'a lone closing think tag: what comes before it is reasoning',
    answer: `The stub needs FILE src/wrong.ts CREATE, I think.\nFILE src/wrong.ts CREATE\n</think>\nFILE src/a.ts CREATE\n${fence}ts\na\n${fence}\n`,
    files: [{ path: 'src/a.ts', action: 'create', text: 'a\n' }],
  },
  {
    name: 'a bold path line before a fence, when exactly one expected block has that path',
    answer: `**src/slugify.ts**\n${fence}ts\nexport function slugify() {}\n${fence}\n\n\`test/slugify.test.ts\`:\n${fence}ts\nit('x');\n${fence}\n`,
    expected,
    files: [
      { path: 'src/slugify.ts', action: 'replace', symbol: 'slugify', text: 'export function slugify() {}\n' },
      { path: 'test/slugify.test.ts', action: 'create', text: "it('x');\n" },
    ],
  },
  {
    name: 'a first line naming the path, when exactly one expected block has that path',
    answer: `${fence}ts\n// test/slugify.test.ts\nit('x');\n${fence}\n`,
    expected,
    files: [{ path: 'test/slugify.test.ts', action: 'create', text: "it('x');\n" }],
  },
  { name: 'a path line that no expected block has', answer: `**src/other.ts**\n${fence}ts\nx\n${fence}\n`, expected, error: /holds no file block/ },
  { name: 'no blocks at all', answer: 'I would lower-case the title.', error: /holds no file block/ },
  { name: 'a header without a block', answer: 'FILE src/a.ts CREATE\nexport const a = 1;\n', error: /must be followed by a fenced code block/ },
  { name: 'a block cut off', answer: `FILE src/a.ts CREATE\n${fence}ts\nexport const a = `, error: /not closed/ },
  { name: 'REPLACE without a symbol', answer: `FILE src/a.ts REPLACE\n${fence}\nx\n${fence}\n`, error: /REPLACE needs the symbol/ },
  { name: 'an unknown action', answer: `FILE src/a.ts DELETE\n${fence}\nx\n${fence}\n`, error: /answer line 1 starts like a file header but does not read "FILE <path> CREATE\|APPEND\|REPLACE/ },
  { name: 'the same block twice', answer: `FILE a.ts CREATE\n${fence}\n1\n${fence}\nFILE a.ts CREATE\n${fence}\n2\n${fence}\n`, error: /appears twice/ },
];

describe('generation: answer format', () => {
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseAnswer(c.answer, c.expected);
      if (c.error) {
        assert.ok(parsed.errors.some((e) => c.error!.test(e.message)), `expected an error matching ${c.error}, got ${JSON.stringify(parsed.errors)}`);
        return;
      }
      assert.deepEqual(parsed.errors, []);
      assert.deepEqual(parsed.files.map(({ path, action, symbol, text }) => ({ path, action, ...(symbol ? { symbol } : {}), text })), c.files);
    });
  }

  it('reads back what it writes, whatever backticks the code holds', () => {
    const files = [
      { path: 'src/a.ts', action: 'create' as const, text: 'const s = `template ${1}`;\nconst md = "```";\n' },
      { path: 'src/b.ts', action: 'replace' as const, symbol: 'b', text: 'export function b() {}\n' },
    ];
    const parsed = parseAnswer(formatAnswer(files));
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.files.map(({ path, action, symbol, text }) => ({ path, action, ...(symbol ? { symbol } : {}), text })), files);
  });
});
