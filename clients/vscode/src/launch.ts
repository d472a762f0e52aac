/**
 * How the extension starts the server: the user's `tandemServer.path`, else `tandem-ls` on PATH,
 * else the server of the Tandem checkout or package the extension sits in. Pure: the file system
 * and PATH are reached through the functions passed in, so the rules are tested without VS Code.
 */

/** A server to run as a command (`tandem-ls --stdio`) or as a Node module run by the editor's Node. */
export type ServerLaunch =
  | { kind: 'command'; command: string; args: string[]; source: LaunchSource }
  | { kind: 'module'; module: string; args: string[]; source: LaunchSource };

/** Where the launch came from, shown in the output channel and in errors. */
export type LaunchSource = 'setting' | 'path' | 'bundled';

export interface LaunchInputs {
  /** `tandemServer.path`: an executable, or a `.js` file run with Node; empty for none. */
  configuredPath?: string;
  /** `tandemServer.args`: extra arguments after `--stdio`. */
  configuredArgs?: string[];
  /** Looks an executable name up on PATH; undefined when absent. */
  findOnPath: (name: string) => string | undefined;
  /** The server script beside the extension (`<root>/server/bin/tandem-ls.js`), when there is one. */
  bundledScript?: string;
  exists: (file: string) => boolean;
  platform: NodeJS.Platform;
}

/** The error when no server is found: one sentence that says what to do. */
export class ServerNotFound extends Error {}

/** The executable name of the server on this platform. */
export function serverExecutableName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'tandem-ls.cmd' : 'tandem-ls';
}

/** Decides how to start the server; throws `ServerNotFound` when nothing can be started. */
export function resolveServerLaunch(inputs: LaunchInputs): ServerLaunch {
  const args = ['--stdio', ...(inputs.configuredArgs ?? [])];
  const configured = inputs.configuredPath?.trim();
  if (configured) {
    if (!inputs.exists(configured) && !inputs.findOnPath(configured)) {
      throw new ServerNotFound(`The setting tandemServer.path names ${configured}, which does not exist.`);
    }
    return /\.[cm]?js$/i.test(configured)
      ? { kind: 'module', module: configured, args, source: 'setting' }
      : { kind: 'command', command: configured, args, source: 'setting' };
  }
  const onPath = inputs.findOnPath(serverExecutableName(inputs.platform));
  if (onPath) return { kind: 'command', command: onPath, args, source: 'path' };
  if (inputs.bundledScript && inputs.exists(inputs.bundledScript)) {
    return { kind: 'module', module: inputs.bundledScript, args, source: 'bundled' };
  }
  throw new ServerNotFound(
    'The Tandem server (tandem-ls) was not found: install it (run npm link in a Tandem checkout) or set tandemServer.path.',
  );
}

/** One line describing a launch, for the output channel. */
export function describeLaunch(launch: ServerLaunch): string {
  const what = launch.kind === 'command' ? launch.command : `node ${launch.module}`;
  return `${what} ${launch.args.join(' ')} (from ${launch.source === 'setting' ? 'the tandemServer.path setting' : launch.source === 'path' ? 'PATH' : 'the extension'})`;
}
