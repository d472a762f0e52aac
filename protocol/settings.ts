/**
 * Configuration and server information shared by every area.
 */
import { RequestType0 } from 'vscode-languageserver-protocol';

/** The section name under which editors keep Tandem's settings (`workspace/configuration`). */
export const settingsSection = 'tandem' as const;

/** The settings file read at the root of every workspace folder. */
export const settingsFileName = 'tandem.json' as const;

export interface ServerInfoResult {
  version: string;
  /** The workspace folders the server indexes, as URIs. */
  folders: string[];
  /** Files in the index. */
  files: number;
  /** True while the first full index is still running. */
  indexing: boolean;
  /** How the workspace is watched: the editor's `workspace/didChangeWatchedFiles`, or the server's own watcher. */
  watcher: 'client' | 'server' | 'none';
}

/** Client → server: what the server is doing, for a status line or a troubleshooting command. */
export namespace ServerInfoRequest {
  export const method = 'tandem/serverInfo' as const;
  export const type = new RequestType0<ServerInfoResult, void>(method);
}
