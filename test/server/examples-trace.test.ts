/**
 * The trace answers every client shows, over stdio against a copy of the bundled example
 * workspace: `tandem/traceAt` returns every requirement whose tags bind to the code at the
 * position (both tag styles, whatever span each binds to), consecutive comment lines are one tag
 * block, `tandem.showTrace` names tests by their titles, and a covered requirement is offered no
 * generating action.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, startServer, uriOf, type LspClient } from '../support/lsp';

function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found`);
  const before = text.slice(0, at + offset);
  return { line: before.split('\n').length - 1, character: at + offset - (before.lastIndexOf('\n') + 1) };
}

describe('the example workspace over stdio: traceAt, tag blocks, showTrace, generating actions', function () {
  this.timeout(30_000);
  let root: string;
  let client: LspClient;
  const file = (relative: string) => path.join(root, relative);
  const read = (relative: string) => fs.readFileSync(file(relative), 'utf8');

  before(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-examples-')));
    fs.cpSync(path.join(repoRoot, 'examples'), root, { recursive: true });
    client = await startServer(root);
  });

  after(async () => {
    await client?.shutdown();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function traceAt(relative: string, needle: string, offset = 0): Promise<{ ids: string[]; symbol?: string }> {
    const at = await client.request('tandem/traceAt', { textDocument: { uri: uriOf(file(relative)) }, position: positionOf(read(relative), needle, offset) });
    return { ids: at.requirements.map((r: { id: string }) => r.id), symbol: at.symbol };
  }

  it('returns every requirement tagged on the function around the position, in both tag styles', async () => {
    const total = await traceAt('src/orders.js', 'const discounted');
    assert.deepEqual(total.ids.sort(), ['ORD-2', 'dsn~tax-rounding~1'], JSON.stringify(total));
    assert.equal(total.symbol, 'orderTotal');
    const parse = await traceAt('src/orders.js', 'text.split');
    assert.deepEqual(parse.ids.sort(), ['ORD-1', 'ORD-4', 'SRS001', 'dsn~order-line-parser~1'], JSON.stringify(parse));
    assert.equal(parse.symbol, 'parseOrder');
  });

  it('binds consecutive comment lines above a test to that test, whatever their tag style', async () => {
    const inTest = await traceAt('test/orders.test.js', 'assert.equal(orderTotal([{ sku: \'A-1\', quantity: 4');
    assert.deepEqual(inTest.ids.sort(), ['ORD-2', 'dsn~tax-rounding~1'], JSON.stringify(inTest));
    assert.equal(inTest.symbol, 'orderTotal adds tax to the subtotal');
    const trace = await client.request('tandem/trace', { id: 'ORD-2' });
    const names = trace.tests.map((t: { testName?: string }) => t.testName).sort();
    assert.deepEqual(names, ['orderTotal adds tax to the subtotal', 'orderTotal rounds half up to cents'], 'the @verifies line binds to the it below both comment lines, not to the describe');
    const other = await traceAt('test/orders.test.js', "assert.deepEqual(parseOrder('BOOK-1 x 2");
    assert.deepEqual(other.ids.sort(), ['ORD-1', 'SRS001', 'dsn~order-line-parser~1'], JSON.stringify(other));
  });

  it('keeps comments apart when a blank line or code separates them', async () => {
    const root2 = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-blocks-')));
    fs.writeFileSync(path.join(root2, 'reqs.md'), '# R\n\n## REQ-1: One\n\n## REQ-2: Two\n');
    fs.mkdirSync(path.join(root2, 'test'));
    fs.writeFileSync(
      path.join(root2, 'test', 'a.test.js'),
      "describe('suite', () => {\n  // @verifies REQ-1\n\n  // a note\n  it('first', () => {});\n  it('second', () => {}); // @verifies REQ-2\n  // trailing\n  it('third', () => {});\n});\n",
    );
    const other = await startServer(root2);
    try {
      const one = await other.request('tandem/trace', { id: 'REQ-1' });
      assert.deepEqual(one.tests.map((t: { testName?: string }) => t.testName), ['suite'], 'a blank line ends the block: the tag stays with the describe');
      const two = await other.request('tandem/trace', { id: 'REQ-2' });
      assert.deepEqual(two.tests.map((t: { testName?: string }) => t.testName), ['suite'], 'a trailing comment is not joined to the comment line below it, which would bind it to "third"');
    } finally {
      await other.shutdown();
      fs.rmSync(root2, { recursive: true, force: true });
    }
  });

  it('names tests by their titles in the tandem.showTrace message', async () => {
    const shown = client.waitForNotification('window/showMessage', (p) => /^ORD-2 /.test(p.message), 5000);
    await client.request('workspace/executeCommand', { command: 'tandem.showTrace', arguments: ['ORD-2'] });
    const { message } = await shown;
    assert.match(message, /Tested by: "orderTotal adds tax to the subtotal" \(test\/orders\.test\.js:29\), "orderTotal rounds half up to cents" \(test\/orders\.test\.js:35\)\./, message);
    assert.match(message, /Implemented by: orderTotal \(src\/orders\.js:30\)/, message);
  });

  it('offers "Implement" only where nothing implements the requirement, "Add tests" where nothing tests it, and nothing on covered ones', async () => {
    const titles = async (relative: string, needle: string) => {
      const actions = await client.request('textDocument/codeAction', { textDocument: { uri: uriOf(file(relative)) }, range: { start: positionOf(read(relative), needle), end: positionOf(read(relative), needle) }, context: { diagnostics: [] } });
      return actions.filter((a: { kind?: string }) => a.kind === 'refactor.generate').map((a: { title: string }) => a.title);
    };
    assert.deepEqual(await titles('requirements/orders.md', 'ORD-2:'), [], 'ORD-2 is covered');
    assert.deepEqual(await titles('requirements/orders.md', 'ORD-5:'), ['Implement ORD-5 with tests']);
    assert.deepEqual(await titles('requirements/orders.md', 'ORD-6:'), ['Add tests for ORD-6'], 'formatReceipt implements ORD-6 and no test verifies it');
    assert.deepEqual(await titles('requirements/orders.md', 'ORD-7:'), ['Implement ORD-7 with tests'], 'ORD-7 is implemented by a stub only');
  });
});
