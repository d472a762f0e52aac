/**
 * Every framework through the built server over stdio: a file run from the editor gives the same
 * outcomes, the failure diagnostic on the failing assertion, and the trace statuses.
 */
import * as assert from 'node:assert';
import * as path from 'node:path';
import { startServer, uriOf, type LspClient } from '../support/lsp';
import { copyProject, fixtureFrameworks, markerLine, missingInstall, removeProject } from './support';

for (const { name, package: packageName } of fixtureFrameworks) {
  describe(`${name} over stdio`, function () {
    this.timeout(60000);
    let root: string;
    let client: LspClient;

    before(async function () {
      const missing = missingInstall(name, packageName);
      if (missing) {
        console.log(`      skipped: ${missing}`);
        this.skip();
      }
      root = copyProject(name);
      client = await startServer(root);
    });
    after(async () => {
      await client?.shutdown();
      if (root) removeProject(root);
    });

    it('runs a file from the editor: outcomes, the failure at its assertion, verified and failing requirements', async () => {
      const testFile = path.join(root, 'test', 'calc.test.js');
      const result = await client.request('tandem/runTests', { scope: 'file', uri: uriOf(testFile) }, 45000);
      assert.deepStrictEqual(
        Object.fromEntries(result.results.map((r: any) => [r.testName, r.outcome])),
        {
          'calc adds two numbers REQ-1': 'passed',
          'calc divides evenly REQ-2': 'failed',
          'calc multiplies (not written yet)': 'skipped',
          'calc waits for a reply that never comes': 'failed',
        },
        `problems: ${JSON.stringify(result.problems)}`,
      );
      const fail = markerLine(testFile, '$fail');
      const diagnostics = await client.waitForDiagnostics(uriOf(testFile), (list) => list.some((d) => d.message.includes('divides evenly')));
      const failure = diagnostics.find((d) => d.message.includes('divides evenly'))!;
      assert.strictEqual(failure.range.start.line, fail.line, `expected the failure on line ${fail.line}, got ${JSON.stringify(failure)}`);
      assert.match(failure.message, /expected: 2\nactual: {3}3/);
      const statuses = await Promise.all(['REQ-1', 'REQ-2'].map(async (id) => (await client.request('tandem/trace', { id })).requirement.status));
      assert.deepStrictEqual(statuses, ['verified', 'failing']);
    });
  });
}
