/**
 * The audit formats on the trace benchmark's workspace (20,000 requirements): time and size of the
 * HTML report against the JSON of the same trace (its peer: the same data, no markup), the time
 * until the page is interactive in headless Chromium (targets: 2 s each), and the ReqIF export of
 * the workspace read back by the streaming reader.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pathToUri } from '../server/src/lsp/uri';
import { formatReport } from '../server/src/report/index';
import { readReqifFile } from '../server/src/trace/reqif';
import { formatTrace } from '../server/src/trace/reports';
import { Workspace } from '../server/src/workspace/workspace';
import { chromiumAvailable, launchChromium } from '../test/support/browser';
import { generateTraceCorpus } from './trace-corpus';
import { percentile, type BenchRow } from './types';

function median(values: number[]): number {
  return percentile(values, 50);
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

export async function benchReport(): Promise<BenchRow[]> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-report-')));
  const rows: BenchRow[] = [];
  try {
    const corpus = generateTraceCorpus(dir);
    const workspace = new Workspace({ toUri: pathToUri, log: () => undefined });
    workspace.setFolders([dir]);
    await workspace.fullIndex();
    const now = new Date('2026-01-01T00:00:00Z');
    // Warm once, then take the median of three.
    formatReport(workspace, 'html', { now });
    const html: number[] = [];
    const json: number[] = [];
    let page = '';
    for (let i = 0; i < 3; i++) {
      const h = timed(() => formatReport(workspace, 'html', { now }));
      html.push(h.ms);
      page = h.value;
      json.push(timed(() => formatTrace(workspace.graph, 'json')).ms);
    }
    rows.push({ name: 'html report: generation', value: median(html), unit: 'ms', note: `${corpus.requirements} requirements; target ≤ 2000 ms` });
    rows.push({ name: 'html report: vs the JSON of the same trace', value: median(html) / median(json), unit: '×', note: `JSON ${median(json).toFixed(0)} ms` });
    rows.push({ name: 'html report: size', value: Buffer.byteLength(page) / (1024 * 1024), unit: 'MiB' });

    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, page);
    if (chromiumAvailable()) {
      const browser = await launchChromium();
      try {
        const interactive: number[] = [];
        const loaded: number[] = [];
        for (let i = 0; i < 3; i++) {
          const tab = await browser.context.newPage();
          const started = performance.now();
          await tab.goto(pathToFileURL(file).href, { waitUntil: 'commit', timeout: 60000 });
          await tab.waitForSelector('html[data-ready="1"]', { timeout: 60000, state: 'attached' });
          interactive.push(performance.now() - started);
          await tab.waitForLoadState('load', { timeout: 60000 });
          loaded.push(performance.now() - started);
          await tab.close();
        }
        rows.push({ name: 'html report: interactive in Chromium', value: median(interactive), unit: 'ms', note: 'navigation to filters and sorting ready; target ≤ 2000 ms' });
        rows.push({ name: 'html report: load event in Chromium', value: median(loaded), unit: 'ms' });
      } finally {
        await browser.close();
      }
    } else rows.push({ name: 'html report: interactive in Chromium', value: NaN, unit: 'ms', note: 'skipped: chromium not found' });

    const reqif = timed(() => formatReport(workspace, 'reqif', { now }));
    const reqifFile = path.join(dir, 'export.reqif');
    fs.writeFileSync(reqifFile, reqif.value);
    rows.push({ name: 'reqif export', value: reqif.ms, unit: 'ms', note: `${(Buffer.byteLength(reqif.value) / (1024 * 1024)).toFixed(1)} MiB` });
    const before = process.memoryUsage().heapUsed;
    const read = timed(() => readReqifFile(reqifFile));
    rows.push({ name: 'reqif read (streaming)', value: read.ms, unit: 'ms', note: `${read.value.requirements.length} requirements; heap +${((process.memoryUsage().heapUsed - before) / (1024 * 1024)).toFixed(0)} MiB held` });
    rows.push({ name: 'reqif read: throughput', value: fs.statSync(reqifFile).size / (1024 * 1024) / (read.ms / 1000), unit: 'MiB/s' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
