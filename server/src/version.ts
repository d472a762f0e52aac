/**
 * The server's version, read once from the package manifest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export function serverVersion(): string {
  if (cached) return cached;
  try {
    // out/server/src/version.js → the package root is three folders up; server/src/version.ts likewise.
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    cached = String(manifest.version);
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
