/**
 * Fixture workspaces for generation tests: a copy of test/fixtures/generation/shop in a temp folder
 * (with the repository's node_modules linked, so type checks and mocha find their packages), the
 * workspace as generation reads it, and snapshots to prove what did not change on disk.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkspaceView } from '../../../server/src/generation/gather';
import type { RequirementContext } from '../../../server/src/generation/task';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures', 'generation');

/** The secret-looking and ignored files every shop copy gets (they are not committed as files). */
export const secretMarker = 'hunter2-do-not-send';
export const privateMarker = 'PRIVATE-MARKER-7731';

/** A copy of a fixture project under test/fixtures/generation, with the repository's node_modules linked. */
export function fixtureWorkspace(name: string): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-gen-test-')));
  fs.cpSync(path.join(fixtures, name), root, { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  return root;
}

export function shopWorkspace(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-gen-test-')));
  fs.cpSync(path.join(fixtures, 'shop'), root, { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(root, '.env'), `SHOP_DATABASE_PASSWORD=${secretMarker}\n`);
  fs.mkdirSync(path.join(root, 'private'));
  fs.writeFileSync(path.join(root, 'private', 'notes.ts'), `// ${privateMarker}\nexport const margin = 0.42;\n`);
  return root;
}

export function removeWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export function answer(name: string): string {
  return fs.readFileSync(path.join(fixtures, 'answers', `${name}.md`), 'utf8');
}

function walk(root: string, dir = root, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(root, full, out);
    else out.push(full);
  }
  return out;
}

/** Every file under root (node_modules aside) with a hash of its content. */
export function snapshot(root: string): Map<string, string> {
  return new Map(walk(root).map((file) => [path.relative(root, file), createHash('sha256').update(fs.readFileSync(file)).digest('hex')]));
}

/** The differences between two snapshots, as "+added", "-removed", "~changed" lines. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, hash] of after) if (!before.has(file)) out.push(`+${file}`);
  else if (before.get(file) !== hash) out.push(`~${file}`);
  for (const file of before.keys()) if (!after.has(file)) out.push(`-${file}`);
  return out.sort();
}

/** Requirements of a Markdown file written as `## ID: Title`, text, and bullet criteria. */
function readRequirements(text: string): Map<string, RequirementContext> {
  const found = new Map<string, RequirementContext>();
  for (const block of text.split(/^## /m).slice(1)) {
    const [headline, ...body] = block.split('\n');
    const match = /^([A-Z]+-\d+):\s*(.*)$/.exec(headline.trim());
    if (!match) continue;
    const acceptanceCriteria = body.filter((l) => l.startsWith('- ')).map((l) => l.slice(2).trim());
    found.set(match[1], { id: match[1], title: match[2], text: body.filter((l) => !l.startsWith('- ')).join('\n').trim(), acceptanceCriteria });
  }
  return found;
}

/**
 * The workspace as generation reads it, from disk plus `overlays` (unsaved editor text). The index
 * leaves out what the fixture's .gitignore names, as the server's index does.
 */
export function diskView(root: string, overlays = new Map<string, string>(), neverSend: string[] = []): WorkspaceView & { indexed: Set<string> } {
  const { maySend } = require('../../../server/src/generation/paths') as typeof import('../../../server/src/generation/paths');
  const ignored = ['private'];
  const indexed = new Set(walk(root).filter((f) => !ignored.some((dir) => path.relative(root, f).startsWith(`${dir}${path.sep}`))));
  const requirements = readRequirements(fs.readFileSync(path.join(root, 'requirements.md'), 'utf8'));
  return {
    folder: root,
    indexed,
    readText: (file) => overlays.get(file) ?? (fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined),
    files: () => [...indexed],
    isTest: (file) => path.relative(root, file).split(path.sep)[0] === 'test' || /\.test\.[jt]s$/.test(file),
    maySend: (file) => maySend(file, root, (f) => indexed.has(f), neverSend),
    requirement: (id) => requirements.get(id),
  };
}
