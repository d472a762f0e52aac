/**
 * File URIs and paths. The core speaks paths; only the LSP edge speaks URIs.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function pathToUri(filePath: string): string {
  return pathToFileURL(filePath).href;
}

/** The path of a `file:` URI, or undefined for any other scheme (untitled buffers, remote files). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}
