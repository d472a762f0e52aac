/**
 * OpenFastTrace short tags `[[name:revision]]`: read only where `trace.shortTags` says, with the
 * meaning its entry gives (OpenFastTrace's path configuration), through the real workspace index.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySettings, defaultSettings } from '../../server/src/workspace/config';
import { Workspace } from '../../server/src/workspace/workspace';

function writeWorkspace(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-short-')));
  for (const [relative, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  }
  return root;
}

const design = '# Design\n\n### Parser\n`dsn~shop.parser~1`\n\nNeeds: impl\n\n### Writer\n`dsn~shop.writer~2`\n\nNeeds: impl\n';

describe('trace: OpenFastTrace short tags', () => {
  it('covers the configured type and prefixed name, in the configured folders only', async () => {
    const root = writeWorkspace({
      'doc/design.md': design,
      'src/main/Parser.java': '/** Parses. [[parser:1]] */\nclass Parser {\n  String s = "[[writer:2]]"; // in a string: not a tag\n}\n',
      'src/main/Writer.java': '// [[writer:1]] names an old revision\nclass Writer {}\n',
      'other/Elsewhere.java': '// [[writer:2]] outside the configured folder\nclass Elsewhere {}\n',
      'tandem.json': JSON.stringify({ trace: { shortTags: [{ paths: ['src/main/**'], tagArtifactType: 'impl', coveredArtifactType: 'dsn', namePrefix: 'shop.' }] } }),
    });
    const workspace = new Workspace({ toUri: (p) => `file://${p}`, log: () => undefined });
    workspace.setFolders([root]);
    await workspace.fullIndex();
    const parser = workspace.graph.trace('dsn~shop.parser~1')!;
    assert.equal(parser.requirement.status, 'covered');
    assert.deepEqual(parser.implementations.map((link) => [path.basename(new URL(link.location.uri).pathname), link.artifactType]), [['Parser.java', 'impl']]);
    const writer = workspace.graph.trace('dsn~shop.writer~2')!;
    assert.equal(writer.requirement.status, 'unimplemented');
    assert.ok(writer.defects.some((d) => d.kind === 'outdated'), JSON.stringify(writer.defects));
  });

  it('reports a revision that is not a number, as OpenFastTrace refuses it', async () => {
    const root = writeWorkspace({
      'doc/design.md': design,
      'src/A.java': '// [[parser:x]]\nclass A {}\n',
      'tandem.json': JSON.stringify({ trace: { shortTags: [{ paths: ['src/**'], tagArtifactType: 'impl', coveredArtifactType: 'dsn' }] } }),
    });
    const workspace = new Workspace({ toUri: (p) => `file://${p}`, log: () => undefined });
    workspace.setFolders([root]);
    await workspace.fullIndex();
    assert.deepEqual(workspace.graph.problems(path.join(root, 'src/A.java')).map((p) => p.code), ['short-tag-revision']);
  });

  it('refuses an entry without globs or with an artifact type that is not letters', () => {
    const settings = defaultSettings();
    const problems = applySettings(settings, { trace: { shortTags: [{ paths: [], tagArtifactType: 'impl', coveredArtifactType: 'd s n' }, 'x'] } });
    const messages = problems.map((p) => p.message).join('\n');
    assert.match(messages, /shortTags\[0\]\.paths/);
    assert.match(messages, /shortTags\[0\]\.coveredArtifactType/);
    assert.match(messages, /shortTags\[1\] is not one/);
    assert.deepEqual(settings.trace.shortTags, []);
  });
});
