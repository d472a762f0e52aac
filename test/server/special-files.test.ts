/**
 * Only regular files of the workspace are read: a FIFO (which blocks a reader until a writer
 * comes), a device, or anything in `/proc`, `/sys` or `/dev` is skipped with a log line, and the
 * server goes on answering.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readTextFile } from '../../server/src/workspace/files';
import { cliBin, startServer, uriOf, writeWorkspace } from '../support/lsp';

const canMakeFifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

/** A workspace with FIFOs where a requirement file, a .gitignore and the settings file would be. */
function fifoWorkspace(): string {
  const root = writeWorkspace({
    'docs/reqs.md': '## REQ-1: Parse\n\nParse it.\n',
    'src/a.ts': '/** @implements REQ-1 */\nexport function parse() {}\n',
    'test/a.test.ts': "it('REQ-1 parses', () => {});\n",
  });
  for (const rel of ['docs/.gitignore', '.gitignore', 'docs/pipe.md', 'src/pipe.ts', 'tandem.json']) {
    assert.equal(spawnSync('mkfifo', [path.join(root, rel)]).status, 0, `mkfifo ${rel}`);
  }
  return root;
}

describe('files that are not regular files', () => {
  before(function () {
    if (!canMakeFifo) {
      if (process.env.CI === 'true') assert.fail('mandatory in CI: mkfifo is missing');
      console.log('      skipped: mkfifo is not available on this system');
      this.skip();
    }
  });

  it('are refused by the reader without blocking', () => {
    const root = fifoWorkspace();
    const read = readTextFile(path.join(root, 'docs/pipe.md'), 1 << 20);
    assert.equal(!read.ok && read.reason, 'not-a-file');
    assert.match(!read.ok ? read.detail : '', /is a FIFO, not a regular file/);
    for (const system of ['/proc/self/status', '/proc/kmsg', '/dev/zero', '/dev/null', '/sys/kernel/mm']) {
      const result = readTextFile(system, 1 << 20);
      assert.equal(result.ok, false, system);
      assert.equal(!result.ok && result.reason, 'not-a-file', system);
    }
  });

  it('leave the CLI check to finish, and pass on the regular files', () => {
    const root = fifoWorkspace();
    const result = spawnSync(process.execPath, [cliBin, 'check', root], { encoding: 'utf8', timeout: 30000 });
    assert.equal(result.error, undefined, 'the check must not block on a FIFO');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /passed/);
  });

  it('are skipped by the server, at the first index and when the watcher reports one', async () => {
    const root = fifoWorkspace();
    const client = await startServer(root);
    try {
      const { requirements } = await client.request('tandem/requirements', {});
      assert.deepEqual(requirements.map((r: any) => r.id), ['REQ-1']);
      const late = path.join(root, 'docs', 'late.md');
      assert.equal(spawnSync('mkfifo', [late]).status, 0);
      client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(late), type: 1 }, { uri: uriOf(path.join(root, 'docs/pipe.md')), type: 2 }] });
      await client.waitFor((m) => m.method === 'window/logMessage' && /late\.md is a FIFO, not a regular file/.test(m.params.message), 'the FIFO skipped with a log line', 10000);
      const after = await client.request('tandem/requirements', {});
      assert.deepEqual(after.requirements.map((r: any) => r.id), ['REQ-1']);
    } finally {
      await client.shutdown();
    }
  });
});
