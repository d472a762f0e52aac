/**
 * One cold full index in a fresh process, as the server does it at start-up: prints its time, the
 * process's peak RSS, and what it found, as JSON. Run by bench/trace.ts.
 */
import { pathToUri } from '../server/src/lsp/uri';
import { Workspace } from '../server/src/workspace/workspace';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const started = performance.now();
  const workspace = new Workspace({ toUri: pathToUri, log: () => undefined });
  workspace.setFolders([dir]);
  const result = await workspace.fullIndex();
  const coverage = workspace.graph.coverage();
  const ms = performance.now() - started;
  process.stdout.write(
    JSON.stringify({ ms, indexMs: result.ms, files: result.files, requirements: coverage.total, peakRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
}

void main();
