/**
 * Markdown requirements, data-driven: each case is a document and the definitions it must yield
 * (ID, title, text, acceptance criteria). The ID's span is checked against the text it covers.
 */
import * as assert from 'node:assert/strict';
import { extract, textAt } from './helpers';

interface Case {
  name: string;
  markdown: string;
  expected: { id: string; title: string; text?: string; criteria?: string[] }[];
  idPattern?: string;
}

const cases: Case[] = [
  {
    name: 'nothing inside an HTML comment over several lines, which renders nothing',
    markdown: '## REQ-10: Kept\n\nShown.\n\n<!--\n## REQ-11: Hidden\n\n- REQ-12 hidden too\n-->\n\n## REQ-13: After\n<!-- one line --> \n## REQ-14: Also kept\n```\n<!--\n```\n## REQ-15: After code\n',
    expected: [
      { id: 'REQ-10', title: 'Kept', text: 'Shown.' },
      { id: 'REQ-13', title: 'After' },
      { id: 'REQ-14', title: 'Also kept' },
      { id: 'REQ-15', title: 'After code' },
    ],
  },
  {
    name: 'an HTML comment never closed hides the rest of the file',
    markdown: '## REQ-16: Kept\n<!-- draft\n## REQ-17: Draft\n',
    expected: [{ id: 'REQ-16', title: 'Kept' }],
  },
  {
    name: 'a heading that starts with the ID',
    markdown: '# Spec\n\n## REQ-1: Log in\n\nUsers log in with a password.\n',
    expected: [{ id: 'REQ-1', title: 'Log in', text: 'Users log in with a password.', criteria: [] }],
  },
  {
    name: 'separators after the ID: dash, dot, bold, brackets',
    markdown: '### REQ-2 - Dash\n### REQ-3. Dot\n### **REQ-4** Bold\n### [REQ-5] Bracketed\n### Title last (REQ-6)\n',
    expected: [
      { id: 'REQ-2', title: 'Dash' },
      { id: 'REQ-3', title: 'Dot' },
      { id: 'REQ-4', title: 'Bold' },
      { id: 'REQ-5', title: 'Bracketed' },
      { id: 'REQ-6', title: 'Title last' },
    ],
  },
  {
    name: 'list items define, prose and code blocks do not',
    markdown: 'Intro mentions REQ-9 in passing.\n\n- REQ-10: First item\n  - criterion one\n- REQ-11 Second item\n1. REQ-12: Numbered\n\n```\n- REQ-13: in code\n```\n',
    expected: [
      { id: 'REQ-10', title: 'First item', criteria: ['criterion one'] },
      { id: 'REQ-11', title: 'Second item', criteria: [] },
      { id: 'REQ-12', title: 'Numbered' },
    ],
  },
  {
    name: 'Given/When/Then lines and acceptance-criteria bullets',
    markdown: '## REQ-20: Checkout\n\nThe cart is paid.\nIt is paid once.\n\n**Acceptance criteria:**\n\n- Given a cart\n- When paid twice\n\nThen the second payment is refused\n\n## Other section\n\n- not a criterion\n',
    expected: [{ id: 'REQ-20', title: 'Checkout', text: 'The cart is paid. It is paid once.', criteria: ['Given a cart', 'When paid twice', 'Then the second payment is refused'] }],
  },
  {
    name: 'a heading without a title takes the first sentence of its text',
    markdown: '## REQ-30\n\nThe system keeps an audit log. Entries are immutable.\n',
    expected: [{ id: 'REQ-30', title: 'The system keeps an audit log.' }],
  },
  {
    name: 'a configured ID pattern',
    markdown: '## SRS_001: Custom\n## REQ-1: Not matched by the custom pattern\n',
    idPattern: 'SRS_\\d{3}',
    expected: [{ id: 'SRS_001', title: 'Custom' }],
  },
  {
    name: 'setext headings',
    markdown: 'REQ-40: Setext title\n====================\n\nBody.\n',
    expected: [{ id: 'REQ-40', title: 'Setext title', text: 'Body.' }],
  },
  {
    name: 'table rows that start with an ID; other rows and tables are left alone',
    markdown: '| ID | Title | Text |\n|----|-------|------|\n| REQ-80 | Export | Reports are exported. |\n| **REQ-81** | Import | |\n| see REQ-82 | not a definition | |\n',
    expected: [
      { id: 'REQ-80', title: 'Export', text: 'Reports are exported.' },
      { id: 'REQ-81', title: 'Import', text: '' },
    ],
  },
  {
    name: 'a byte order mark and indented headings',
    markdown: '\uFEFF## REQ-60: After a BOM\n\n   ### REQ-61: Indented\n',
    expected: [
      { id: 'REQ-60', title: 'After a BOM' },
      { id: 'REQ-61', title: 'Indented' },
    ],
  },
  {
    name: 'an unterminated code block hides what follows, and nothing throws',
    markdown: '## REQ-50: Before\n\n```\n## REQ-51: inside\n',
    expected: [{ id: 'REQ-50', title: 'Before' }],
  },
];

describe('trace: Markdown requirements', () => {
  for (const c of cases) {
    it(c.name, () => {
      const facts = extract('/p/docs/spec.md', c.markdown, 'requirements', c.idPattern ? { idPattern: c.idPattern } : {});
      const actual = facts.requirements.map((r, i) => {
        const wanted = c.expected[i] ?? { id: '', title: '' };
        const out: Record<string, unknown> = { id: r.id, title: r.title };
        if (wanted.text !== undefined) out.text = r.text;
        if (wanted.criteria !== undefined) out.criteria = r.acceptanceCriteria;
        return out;
      });
      const expected = c.expected.map((e) => {
        const out: Record<string, unknown> = { id: e.id, title: e.title };
        if (e.text !== undefined) out.text = e.text;
        if (e.criteria !== undefined) out.criteria = e.criteria;
        return out;
      });
      assert.deepEqual(actual, expected);
      for (const r of facts.requirements) assert.equal(textAt(c.markdown, r.span), r.id, `the span of ${r.id}`);
    });
  }

  it('reads OpenFastTrace items with every section', () => {
    const markdown = [
      '### Login',
      '`req~login~3`',
      'Status: proposed',
      '',
      'Users log in.',
      'Given a user, when they log in, then a session starts.',
      '',
      'Rationale:',
      'Security.',
      '',
      'Covers:',
      '* `feat~auth~1`',
      '',
      'Depends:',
      '- `req~users~1`',
      '',
      'Needs: dsn, itest',
      '',
      'Tags: security, web',
      '',
      'arch --> dsn, impl : req~login~3',
    ].join('\n');
    const facts = extract('/p/doc/spec.md', markdown, 'requirements');
    const [login, forward] = facts.requirements;
    assert.deepEqual(
      { id: login.id, type: login.artifactType, name: login.name, revision: login.revision, title: login.title, status: login.itemStatus, text: login.text, needs: login.needs, tags: login.tags, covers: login.covers.map((c) => c.target), depends: login.depends.map((d) => d.target) },
      { id: 'req~login~3', type: 'req', name: 'login', revision: 3, title: 'Login', status: 'proposed', text: 'Users log in. Given a user, when they log in, then a session starts.', needs: ['dsn', 'itest'], tags: ['security', 'web'], covers: ['feat~auth~1'], depends: ['req~users~1'] },
    );
    assert.deepEqual({ id: forward.id, needs: forward.needs, covers: forward.covers.map((c) => c.target) }, { id: 'arch~login~3', needs: ['dsn', 'impl'], covers: ['req~login~3'] });
    for (const r of facts.requirements) for (const link of r.covers) assert.equal(textAt(markdown, link.span), link.target);
  });

  it('reads a needs list and ends an item at the next heading', () => {
    const markdown = '# A\n`dsn~a~1`\nNeeds:\n* impl\n* utest\n\n# B\nNo item here.\n';
    const facts = extract('/p/doc/spec.md', markdown, 'requirements');
    assert.deepEqual(facts.requirements.map((r) => [r.id, r.title, r.needs, r.fullSpan.end.line]), [['dsn~a~1', 'A', ['impl', 'utest'], 4]]);
  });

  it('reports an unclosed code block and a Covers entry without an ID, and keeps the rest', () => {
    const markdown = '## REQ-1: Kept\n\n# Item\n`dsn~x~1`\nCovers:\n* the login requirement\n* `req~login~1`\n\n# Examples\n\n```\n## REQ-2: Hidden\n';
    const facts = extract('/p/doc/spec.md', markdown, 'requirements');
    assert.deepEqual(facts.requirements.map((r) => [r.id, r.covers.map((c) => c.target)]), [['REQ-1', []], ['dsn~x~1', ['req~login~1']]]);
    assert.deepEqual(facts.problems.map((p) => [p.code, p.span.start.line]), [
      ['oft-bad-reference', positionLine(markdown, '* the login')],
      ['markdown-unclosed-fence', positionLine(markdown, '```')],
    ]);
  });

  it('skips passages between oft:off and oft:on, keeping the item around them open', () => {
    const markdown = '# A\n`dsn~a~1`\nText.\n<!-- oft:off -->\n    arch --> dsn : req~example~1\n`dsn~hidden~1`\n<!-- oft:on -->\nCovers:\n* `req~a~1`\n';
    const facts = extract('/p/doc/spec.md', markdown, 'requirements');
    assert.deepEqual(facts.requirements.map((r) => [r.id, r.covers.map((c) => c.target)]), [['dsn~a~1', ['req~a~1']]]);
  });
});

function positionLine(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length - 1;
}
