/**
 * `tandem serve [--port N] [PATH]`: the HTML report served live on 127.0.0.1. The workspace is
 * watched like the server watches it when the editor cannot; each batch of changes updates the
 * trace incrementally, and open pages reload when the trace changed (server-sent events).
 *
 * Only loopback is listened on, and requests whose `Host` is not the loopback address of this
 * server are refused, so a web page elsewhere cannot read the report through DNS rebinding.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import type { TestResultRecord } from '../trace/model';
import { formatReport } from '../report/index';
import { ChangeBatcher, watchFolders, type ServerWatcher } from '../workspace/watcher';
import type { FileChange, Workspace } from '../workspace/workspace';

export interface ServeOptions {
  port: number;
  linkBase?: string;
  results: string[];
  log(message: string): void;
  loadResults(files: string[]): Promise<TestResultRecord[]>;
}

/** Reloads the page when the server says the trace changed; keeps the scroll position. */
const liveScript = `(function(){if(!window.EventSource)return;var y=sessionStorage.getItem('tandem-scroll');if(y!==null){sessionStorage.removeItem('tandem-scroll');window.scrollTo(0,Number(y));}
var es=new EventSource('/events');es.addEventListener('changed',function(){sessionStorage.setItem('tandem-scroll',String(window.scrollY));location.reload();});})();`;

export async function serveReport(workspace: Workspace, options: ServeOptions): Promise<number> {
  const resultFiles = options.results.map((file) => path.resolve(file));
  const loadResults = async () => {
    if (resultFiles.length > 0) workspace.graph.setTestResults(await options.loadResults(resultFiles));
  };
  await loadResults();
  let page: { version: number; html: string } | undefined;
  const render = (): string => {
    const version = workspace.graph.version;
    if (!page || page.version !== version) page = { version, html: formatReport(workspace, 'html', { linkBase: options.linkBase, liveScript }) };
    return page.html;
  };
  const listeners = new Set<http.ServerResponse>();
  let lastVersion = workspace.graph.version;
  const announce = () => {
    if (workspace.graph.version === lastVersion) return;
    lastVersion = workspace.graph.version;
    for (const response of listeners) response.write(`event: changed\ndata: ${lastVersion}\n\n`);
  };

  let busy: Promise<void> = Promise.resolve();
  const batcher = new ChangeBatcher((changes: FileChange[]) => {
    busy = busy.then(async () => {
      try {
        const { reindex } = workspace.applyChanges(changes);
        if (reindex) await workspace.fullIndex();
        if (changes.some((change) => resultFiles.includes(path.resolve(change.path)))) await loadResults();
      } catch (error) {
        options.log(`Updating the trace failed: ${(error as Error).message}`);
      }
      announce();
    });
  });

  const server = http.createServer((request, response) => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden: this server answers only requests to its loopback address.\n');
      return;
    }
    const url = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed.\n');
      return;
    }
    if (url === '/' || url === '/index.html') {
      let html: string;
      try {
        html = render();
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`The report could not be built: ${(error as Error).message}\n`);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      response.end(request.method === 'HEAD' ? undefined : html);
      return;
    }
    if (url === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`event: hello\ndata: ${workspace.graph.version}\n\n`);
      listeners.add(response);
      request.on('close', () => listeners.delete(response));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'EADDRINUSE' ? `port ${options.port} is in use; choose another with --port` : error.message);
  });
  let watcher: ServerWatcher | undefined;
  try {
    watcher = await watchFolders(
      workspace.folders().map((folder) => folder.path),
      (file, isDirectory) => {
        const folder = workspace.folderOf(file);
        return folder ? folder.rules.ignores(file, isDirectory) : true;
      },
      (change) => batcher.add(change),
      (message) => options.log(message),
    );
  } catch (error) {
    options.log(`Watching the workspace failed; the report will not follow changes: ${(error as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  process.stdout.write(`Serving the trace report of ${workspace.folders()[0].path} at http://127.0.0.1:${port}/ (Ctrl+C stops)\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  batcher.dispose();
  await watcher?.close();
  for (const response of listeners) response.end();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
