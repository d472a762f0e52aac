/**
 * What a report states about how it was made: the workspace, its commit and whether the work tree
 * was dirty (from `git`, when the workspace is a checkout and `git` is installed), the time, the
 * version and the settings that shaped the verdict.
 */
import { spawnSync } from 'node:child_process';
import type { TandemSettings } from '../workspace/config';
import { serverVersion } from '../version';
import type { Provenance } from './html';

function git(folder: string, args: string[]): string | undefined {
  try {
    // A bounded child: no shell, no input, a timeout, and nothing from the workspace as arguments.
    const result = spawnSync('git', ['-C', folder, ...args], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 });
    return result.status === 0 ? result.stdout : undefined;
  } catch {
    return undefined;
  }
}

export function provenanceOf(folder: string, settings: TandemSettings, now = new Date()): Provenance {
  const commit = git(folder, ['rev-parse', 'HEAD'])?.trim();
  const status = commit ? git(folder, ['status', '--porcelain', '--untracked-files=normal']) : undefined;
  const trace = settings.trace as TandemSettings['trace'] & Record<string, unknown>;
  const shaping: [string, string][] = [
    ['ID pattern (trace.idPattern)', trace.idPattern],
    ['Required status (trace.checkRequire)', trace.checkRequire],
  ];
  // Set by the coverage evidence when it is present.
  for (const key of ['minimumCoverage', 'minCoverage', 'coverageMinimum']) {
    if (trace[key] !== undefined) shaping.push([`Minimum coverage (trace.${key})`, String(trace[key])]);
  }
  return {
    workspace: folder,
    ...(commit ? { commit, dirty: status !== undefined ? status.trim().length > 0 : undefined } : {}),
    generatedAt: now.toISOString(),
    version: serverVersion(),
    settings: shaping,
  };
}
