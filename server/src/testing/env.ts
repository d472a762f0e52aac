/**
 * The one environment policy for every child process Tandem starts (the project's own test runs
 * and the runs of generated tests), and the launcher those children are started through.
 *
 * The policy: a child gets the server's environment without the variables named in the
 * `secretEnv` setting (and the model key's variable), without any variable whose name looks like
 * a secret (`*API_KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, …), and without the variables by
 * which Node processes talk to their parent (`NODE_CHANNEL_FD`, `NODE_UNIQUE_ID`,
 * `NODE_TEST_CONTEXT`). Untrusted (generated) code additionally loses `NODE_OPTIONS` and mocha's
 * variables, so nothing in the server's environment can widen its sandbox, and runs with `CI=true`.
 *
 * The launcher: a process's `/proc/<pid>/environ` keeps the environment it was started with, so a
 * child that reads its parent's would find the server's secrets. Children are therefore started by
 * a small launcher that is itself started with the scrubbed environment; the test process's parent
 * holds nothing secret. (The server is still an ancestor: only the sandbox's file-system limits
 * keep a test from reading the server's `/proc` entry, see docs/generation.md.) Run as a script,
 * this file is that launcher: `node env.js <command> [args…]` starts the command with the same
 * stdio (file descriptors 0–3), forwards termination signals and exits as the command did.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** Names that look like they hold a secret, whatever the settings say. */
export const secretNamePattern = /(?:API_?KEY|ACCESS_?KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_?KEY|_PAT$)/i;

/** Variables by which Node processes find their parent; a child must not inherit them. */
const nodeInternals = new Set(['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_UNIQUE_ID', 'NODE_TEST_CONTEXT']);

export interface EnvPolicyOptions {
  /** The child runs untrusted (generated) code: no `NODE_OPTIONS` or `MOCHA_*` from the server, `CI=true`. */
  untrusted?: boolean;
}

/** Whether the policy keeps `name` out of a child's environment because it is, or looks like, a secret. */
export function isSecretName(name: string, secretNames: readonly string[]): boolean {
  const upper = name.toUpperCase();
  return secretNames.some((secret) => secret.toUpperCase() === upper) || secretNamePattern.test(name);
}

/** The environment for a child process: `base` under the policy above, with colour off. */
export function scrubbedEnv(base: NodeJS.ProcessEnv, secretNames: readonly string[], options: EnvPolicyOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || isSecretName(name, secretNames) || nodeInternals.has(name.toUpperCase())) continue;
    if (options.untrusted && (/^NODE_OPTIONS$/i.test(name) || /^MOCHA/i.test(name))) continue;
    env[name] = value;
  }
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  if (options.untrusted) env.CI = 'true';
  return env;
}

/** The values the policy removes from `base` (at least `minLength` characters), for redaction. */
export function scrubbedValues(base: NodeJS.ProcessEnv, secretNames: readonly string[], minLength = 6): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && value.length >= minLength && isSecretName(name, secretNames)) values.add(value);
  }
  return [...values];
}

/** This file, which is also the launcher script. */
export const launcherPath = __filename;

/** The command and arguments that start `command args…` through the launcher. */
export function throughLauncher(command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [launcherPath, command, ...args] };
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Runs `argv[0] argv[1…]` with this process's stdio and exits as it does. */
function launch(argv: string[]): void {
  const [command, ...args] = argv;
  if (!command) {
    process.stderr.write('usage: env.js <command> [args…]\n');
    process.exit(2);
  }
  const child = spawn(command, args, { stdio: [0, 1, 2, isOpen(3) ? 3 : 'ignore'], windowsHide: true });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`could not start ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

if (require.main === module) launch(process.argv.slice(2));
