/**
 * The result channel every framework reporter writes to: one JSON object per line on file
 * descriptor 3, which the runner opens as a pipe. Reporters run inside the test framework's own
 * process, so this module imports nothing but Node built-ins, and a reporter started by hand
 * (without the pipe) stays silent instead of failing the run.
 */
import * as fs from 'node:fs';

/** The file descriptor the runner passes as the result pipe. */
export const resultChannelFd = 3;

/** One test's outcome, as a reporter sends it. */
export interface ChannelResult {
  type: 'result';
  file: string;
  /** Suite titles and the test title, in order. */
  titles: string[];
  outcome: 'passed' | 'failed' | 'skipped' | 'errored';
  durationMs?: number;
  message?: string;
  expected?: string;
  actual?: string;
  stack?: string;
  /** One-based line and column of the test's declaration, when the framework knows it. */
  line?: number;
  column?: number;
}

/** A failure that belongs to a file rather than to one test (an import error, a crashed worker). */
export interface ChannelFileError {
  type: 'fileError';
  file?: string;
  message: string;
  stack?: string;
}

export type ChannelMessage = ChannelResult | ChannelFileError;

let channelOpen = true;

export function sendToRunner(message: ChannelMessage): void {
  if (!channelOpen) return;
  try {
    fs.writeSync(resultChannelFd, `${JSON.stringify(message)}\n`);
  } catch {
    channelOpen = false;
  }
}

/** Renders an assertion's expected or actual value as text a person can read in one line or a few. */
export function describeValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? `${inner}n` : inner));
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}
