/**
 * Which paths an answer may write, and which files may be sent to a model.
 *
 * Architecture Invariant: a path a model wrote is untrusted. It is resolved against the workspace
 * folder and refused when it is absolute, climbs out with `..`, passes through a symbolic link that
 * leads outside, or lands in `node_modules`, `.git` or Tandem's scratch folder. Secret-looking files
 * are neither written nor read into a prompt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { matchesAny } from '../text/glob';

/** Names that look like secrets: environment files, keys, certificates, credential stores. */
const secretName = /^(?:\.env(?:\..*)?|.*\.(?:pem|key|p12|pfx|crt|cer|der|jks|keystore|kdbx|asc|gpg)|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|credentials(?:\..*)?|\.npmrc|\.netrc|\.pypirc|\.git-credentials|secrets?\.(?:json|ya?ml|toml|txt)|.*\.secret(?:s)?(?:\..*)?)$/i;

/** Folders a generated file never goes into. */
const forbiddenFolders = new Set(['node_modules', '.git', '.tandem']);

export function looksSecret(filePath: string): boolean {
  return secretName.test(path.basename(filePath));
}

export type ResolvedPath = { ok: true; path: string; relative: string } | { ok: false; reason: string };

/** Resolves a path written by a model against the workspace folder, or says why it is refused. */
export function resolveProposedPath(folder: string, written: string): ResolvedPath {
  const cleaned = written.trim().replace(/\\/g, '/');
  if (cleaned === '' || cleaned.includes('\0')) return { ok: false, reason: `"${written}" is not a path` };
  if (path.isAbsolute(cleaned) || /^[A-Za-z]:\//.test(cleaned) || cleaned.startsWith('~')) {
    return { ok: false, reason: `${written} is absolute; paths must be relative to the workspace folder` };
  }
  const resolved = path.resolve(folder, cleaned);
  const relative = path.relative(folder, resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return { ok: false, reason: `${written} is outside the workspace folder` };
  }
  const parts = relative.split(path.sep);
  if (parts.some((part) => forbiddenFolders.has(part))) return { ok: false, reason: `${written} is inside ${parts.find((p) => forbiddenFolders.has(p))}, which generated code never touches` };
  if (looksSecret(resolved)) return { ok: false, reason: `${written} looks like a secrets file, which generated code never touches` };
  const escape = symlinkEscape(folder, resolved);
  if (escape) return { ok: false, reason: `${written} passes through the symbolic link ${escape}, which leads outside the workspace folder` };
  return { ok: true, path: resolved, relative: parts.join('/') };
}

/** The first existing ancestor of `target` (or itself) whose real path is outside the real folder. */
function symlinkEscape(folder: string, target: string): string | undefined {
  let realFolder: string;
  try {
    realFolder = fs.realpathSync(folder);
  } catch {
    return undefined;
  }
  let probe = target;
  while (probe.length > folder.length) {
    if (fs.existsSync(probe) || isDanglingLink(probe)) {
      let real: string;
      try {
        real = fs.realpathSync(probe);
      } catch {
        return path.relative(folder, probe);
      }
      const rel = path.relative(realFolder, real);
      return rel.startsWith('..') || path.isAbsolute(rel) ? path.relative(folder, probe) : undefined;
    }
    probe = path.dirname(probe);
  }
  return undefined;
}

function isDanglingLink(probe: string): boolean {
  try {
    return fs.lstatSync(probe).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Whether a workspace file may go into a prompt: it must be in the index (so `.gitignore` and the
 * configured excludes let it through), not look like a secret, and match none of `neverSend`.
 */
export function maySend(file: string, folder: string, indexed: (file: string) => boolean, neverSend: readonly string[]): boolean {
  if (looksSecret(file)) return false;
  const relative = path.relative(folder, file).split(path.sep).join('/');
  if (relative.startsWith('..')) return false;
  if (neverSend.length > 0 && matchesAny(relative, neverSend)) return false;
  return indexed(file);
}
