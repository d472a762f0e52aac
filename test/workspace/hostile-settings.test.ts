/**
 * A hostile repository's tandem.json: patterns that would backtrack for ever, invalid globs, keys
 * that reach prototypes, nesting that would exhaust a stack, a byte order mark. Each becomes a
 * diagnostic on tandem.json and its default, never a hang, a failed initialize or a polluted
 * prototype.
 */
import * as assert from 'node:assert/strict';
import { parseJson } from '../../server/src/trace/nesting';
import { idPatternProblem } from '../../server/src/trace/patternSafety';
import { applySettings, defaultSettings, parseSettingsFile } from '../../server/src/workspace/config';
import { automatonVerdict, globProblem, matchesAny } from '../../server/src/text/glob';
import { startServer, uriOf, writeWorkspace } from '../support/lsp';

describe('untrusted ID patterns', () => {
  // Schemes seen in requirement tools' documentation and defaults (OpenFastTrace-like, Doorstop-like, sphinx-needs-like, Jira keys).
  const safe = ['[A-Z][A-Z0-9]*-\\d+', 'REQ-\\d+(?:\\.\\d+)*', '[A-Z]{2,5}-[0-9]{1,6}', '(?:SYS|SW|HW)-\\d+', 'SRS_\\d{3}', '[A-Z0-9_]{5,}', '[A-Z][A-Z0-9_]*-\\d+[a-z]?', '(?<prefix>[A-Z]+)-\\d+', '[a-z]+(-[a-z]+)*-\\d+'];
  const hostile = ['(a+)+$', '(a|a)*', '(a|ab)*x', '\\w+\\w+', '\\d+\\.?\\d+', '(a*)*b', '(?:a{1,5}){1,5}', '(x+x+)+y', '[a-z ]+x', '(\\w)\\1', 'a?a?a?a?a?a?a?a?a?aaaaaaaaa', 'x'.repeat(400)];
  for (const pattern of safe) it(`accepts /${pattern}/`, () => assert.equal(idPatternProblem(pattern), undefined));
  for (const pattern of hostile) it(`refuses /${pattern.slice(0, 40)}/`, () => assert.ok(idPatternProblem(pattern), `${pattern} should be refused`));
});

describe('untrusted globs', () => {
  it('reports invalid globs instead of throwing, and they match nothing', () => {
    for (const glob of ['[', '{a,b', '[z-a].md', '[]', `{${'a,'.repeat(100)}b}`]) {
      assert.ok(globProblem(glob), `${glob} should be invalid`);
      assert.equal(matchesAny('a.md', [glob]), false);
      assert.equal(matchesAny('a.md', [glob, '*.md']), true, 'the valid globs of a list still match');
    }
    for (const glob of ['**/*.md', '{a,{b,c}}/*.ts', '[!x]*.js', 'docs/**', '**/a?c/**']) assert.equal(globProblem(glob), undefined, glob);
  });

  it('matches a glob with many stars in bounded time', () => {
    const glob = '*a*a*a*a*a*a*a*a*a*a*a*a*b';
    const name = `src/${'a'.repeat(250)}.md`;
    const started = performance.now();
    assert.equal(matchesAny(name, [glob]), false);
    assert.equal(matchesAny(`${name.slice(0, -3)}b`, [glob, '**/x/**']), true);
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
  });

  it('gives the same verdict on the automaton as on the regular expression', () => {
    const globs = ['**/test/**', '**/*.test.*', '*.md', 'src/{a,b}/*.ts', '[!x]*.js', '**/a?c/**', 'docs/**', '**/*_test.*', 'a/**/b/*c*', '{x,y}', '[a-c]?/**/*z'];
    const paths = ['test/a.ts', 'src/test/x/y.js', 'a.test.ts', 'x/y.md', 'src/a/f.ts', 'src/c/f.ts', 'y.js', 'x.js', 'q/abc/d', 'docs/', 'docs/x/y', 'a/b/c', 'a/x/y/b/zcz', 'x', 'z/x', 'a_test.go', '//a.md', 'a/b/', 'test', 'bq/r/s/z', 'bq/z'];
    for (const glob of globs) for (const file of paths) assert.equal(automatonVerdict(glob, file), matchesAny(file, [glob]), `${glob} on ${file}`);
  });
});

describe('untrusted JSON', () => {
  it('drops __proto__ keys wherever they are and pollutes nothing', () => {
    const value: any = parseJson('{"__proto__": {"polluted": 1}, "a": {"__proto__": {"polluted": 2}, "b": [{"__proto__": {"x": 1}}]}}');
    assert.equal(Object.hasOwn(value, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(value.a), Object.prototype);
    const settings = defaultSettings();
    const parsed = parseSettingsFile('{"__proto__": {"__proto__": {"polluted": 1}}, "trace": {"__proto__": {"idPattern": "(a+)+$"}}}');
    assert.match(parsed.problems[0].message, /"__proto__" is not a setting/);
    assert.doesNotThrow(() => applySettings(settings, parsed.value));
    assert.doesNotThrow(() => applySettings(settings, JSON.parse('{"__proto__": {"polluted": 1}, "trace": {"__proto__": {"polluted": 1}}}')));
    assert.equal(({} as any).polluted, undefined);
    assert.equal(settings.trace.idPattern, defaultSettings().trace.idPattern);
  });

  it('refuses nesting deeper than the bound before parsing, and accepts a byte order mark', () => {
    assert.throws(() => parseJson(`${'['.repeat(20000)}${']'.repeat(20000)}`), /nests deeper than 100 levels/);
    assert.deepEqual(parseJson('["[[[[", "]]]"]'), ['[[[[', ']]]'], 'brackets in strings do not count');
    assert.deepEqual(parseSettingsFile('\ufeff{"maxFileSize": 5000}'), { value: { maxFileSize: 5000 }, problems: [] });
  });
});

describe('a hostile tandem.json in the server', function () {
  this.timeout(60000);

  const cases: [string, string, RegExp][] = [
    ['a catastrophic ID pattern', '{ "trace": { "idPattern": "(a+)+$" } }', /trace\.idPattern .*could take exponential or polynomial time/],
    ['a glob with many stars in exclude', '{ "exclude": ["*a*a*a*a*a*a*a*a*a*a*a*a*b"] }', /^$/],
    ['an unclosed class in exclude', '{ "exclude": ["["] }', /exclude: the glob "\[" is invalid/],
    ['an unclosed brace in trace.tests', '{ "trace": { "tests": ["{a,b"] } }', /trace\.tests: the glob "\{a,b" is invalid/],
    ['a reversed range in trace.requirements', '{ "trace": { "requirements": ["[z-a].md"] } }', /trace\.requirements: the glob "\[z-a\]\.md" is invalid/],
    ['nested __proto__ keys', '{"__proto__": {"__proto__": {"polluted": true}}}', /"__proto__" is not a setting/],
    ['20,000 nested arrays', `{ "exclude": ${'['.repeat(20000)}${']'.repeat(20000)} }`, /nests deeper than 100 levels/],
    ['a byte order mark', '\ufeff{ "maxFileSize": 2000000 }', /^$/],
  ];
  for (const [name, json, expected] of cases) {
    it(`initializes, indexes with the defaults and reports ${name}`, async () => {
      const root = writeWorkspace({
        'tandem.json': json,
        'reqs.md': '## REQ-1: One\n',
        // 40 a's take (a+)+$ about 2^40 steps; a short line, so no minified-file rule leaves it out.
        [`src/${'a'.repeat(200)}.ts`]: `// @implements REQ-1 ${'a'.repeat(40)}!\nexport const x = 1;\n`,
        'node_modules/dep/reqs.md': '## REQ-9: Not ours\n',
      });
      const client = await startServer(root);
      try {
        const { requirements } = await client.request('tandem/requirements', {}, 5000);
        // A valid exclude list replaces the default one: node_modules is then indexed too.
        const ids = name.includes('many stars') ? [['REQ-1', true], ['REQ-9', false]] : [['REQ-1', true]];
        assert.deepEqual(requirements.map((r: any) => [r.id, r.status !== 'unimplemented']).sort(), ids, 'the defaults apply: node_modules excluded, the tag found');
        const diagnostics = await client.waitForDiagnostics(uriOf(`${root}/tandem.json`), (list) => expected.source === '^$' || list.some((d) => expected.test(d.message)), 5000).catch(() => client.diagnostics.get(uriOf(`${root}/tandem.json`)) ?? []);
        if (expected.source === '^$') assert.deepEqual(diagnostics.filter((d: any) => d.code === 'invalid-setting'), []);
        else assert.ok(diagnostics.some((d: any) => expected.test(d.message)), `expected a diagnostic matching ${expected}: ${JSON.stringify(diagnostics)}`);
      } finally {
        await client.shutdown();
      }
    });
  }
});
