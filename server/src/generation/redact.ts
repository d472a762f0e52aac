/**
 * Redaction of every text that goes to a model. The sandbox keeps generated tests from reading
 * secrets where it can; this is the second wall, for what it cannot stop (jest and vitest, a test
 * that prints what it found): before a request leaves, the values of the environment variables
 * the policy of testing/env.ts scrubs, the values in the workspace's secret-looking files (`.env`,
 * keys, credentials), and anything shaped like a key are replaced with `[redacted]`.
 *
 * Also here: whether a module holds a key-like string, so that it is never picked as context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scrubbedValues } from '../testing/env';
import type { ChatMessage } from './model';
import { looksSecret } from './paths';
import type { ModelProvider } from './providers/provider';

export const redactedMark = '[redacted]';

/** Shapes of keys that are secret wherever they appear. */
const keyShapes: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}\b/g,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}\b/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
];

/** A literal of at least 16 characters with the spread of random text: letters, digits, and many distinct ones. */
function looksRandom(value: string): boolean {
  if (value.length < 16 || /\s/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) entropy -= (n / value.length) * Math.log2(n / value.length);
  return entropy >= 3.5;
}

/** A string literal assigned to a key-like name: `apiKey = "…"`, `token: '…'`, `PASSWORD="…"`. */
const secretAssignment = /\b[\w$]*(?:key|token|secret|passw(?:or)?d|credential)[\w$]*\s*[:=]\s*(['"`])([^'"`\n]{12,})\1/gi;

/**
 * Whether a module holds something key-like: a known key shape, or a long random-looking literal
 * assigned to a name like key/token/secret/password. Such a module is never quoted to a model.
 */
export function holdsKeyLikeString(text: string): boolean {
  if (keyShapes.some((shape) => new RegExp(shape.source).test(text))) return true;
  for (const match of text.matchAll(secretAssignment)) if (looksRandom(match[2])) return true;
  return false;
}

/** Values of `NAME=value` lines and `"name": "value"` pairs (and the whole of other lines) of a secret-looking file. */
function valuesOfSecretFile(text: string): string[] {
  const values: string[] = [];
  for (const raw of text.split(/\r?\n/).slice(0, 2000)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const quotedPairs = [...line.matchAll(/"[^"]*"\s*:\s*"([^"]{6,})"/g)].map((m) => m[1]);
    if (quotedPairs.length > 0) {
      values.push(...quotedPairs);
      continue;
    }
    const assignment = /^(?:export\s+)?[\w.-]+\s*[=:]\s*(.*)$/.exec(line);
    const value = (assignment ? assignment[1] : line).trim().replace(/^(['"])(.*)\1$/, '$2');
    // A plain word (`production`, `localhost`) would blank that word everywhere; anything else goes.
    if (value.length >= 12 || (value.length >= 6 && !/^[A-Za-z]+$/.test(value))) values.push(value);
  }
  return values;
}

/** Secret-looking files in the workspace folder and the folders right below it (bounded). */
function secretFiles(folder: string, maxFiles = 200): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= maxFiles) return;
      const full = path.join(dir, entry.name);
      if (entry.isFile() && looksSecret(full)) found.push(full);
      else if (entry.isDirectory() && depth < 2 && entry.name !== 'node_modules' && entry.name !== '.git') visit(full, depth + 1);
    }
  };
  visit(folder, 0);
  return found;
}

export class Redactor {
  private readonly values: string[];

  constructor(values: Iterable<string>) {
    // Longest first, so a value that holds another is replaced whole.
    this.values = [...new Set(values)].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
  }

  /**
   * The redactor of a run: the values the environment policy scrubs from `env`, and the values in
   * the folder's secret-looking files (read once, at most 1 MB each).
   */
  static forWorkspace(folder: string, env: NodeJS.ProcessEnv, secretNames: readonly string[]): Redactor {
    const values = scrubbedValues(env, secretNames);
    for (const file of secretFiles(folder)) {
      try {
        if (fs.statSync(file).size > 1024 * 1024) continue;
        values.push(...valuesOfSecretFile(fs.readFileSync(file, 'utf8')));
      } catch {
        // Unreadable: nothing from it can be sent either.
      }
    }
    return new Redactor(values);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(redactedMark);
    for (const shape of keyShapes) out = out.replace(shape, redactedMark);
    return out;
  }

  redactMessages(messages: ChatMessage[]): ChatMessage[] {
    return messages.map((m) => ({ ...m, content: this.redact(m.content) }));
  }
}

/** A provider that redacts every message before the wrapped provider sends it. */
export function redacting(provider: ModelProvider, redactor: Redactor): ModelProvider {
  return {
    name: provider.name,
    model: provider.model,
    complete: (messages, signal) => provider.complete(redactor.redactMessages(messages), signal),
  };
}
