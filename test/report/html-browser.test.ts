/**
 * The HTML report in a real browser (headless Debian Chromium through playwright-core): the
 * summary matches `tandem/coverage` of the real server, a filter and a sort work without a server,
 * a link leads to its requirement's section, the print stylesheet hides the controls, and no
 * request leaves the page. `tandem serve` serves the same page on loopback and reloads it when the
 * workspace changes.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliBin, repoRoot, startServer } from '../support/lsp';
import { launchChromium, requireChromium, type Browser } from '../support/browser';

function tandem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);
}

describe('report: HTML in a browser', function () {
  this.timeout(120000);
  let browser: Browser | undefined;
  const examples = path.join(repoRoot, 'examples');
  const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-html-')), 'report.html');

  before(async function () {
    requireChromium(this);
    const result = tandem(['trace', '--format', 'html', '--link-base', 'https://forge.invalid/acme/orders/blob/0123abc', '--out', reportFile, examples]);
    assert.equal(result.status, 0, result.stderr);
    browser = await withTimeout(launchChromium(), 60000, 'starting chromium');
  });

  after(async () => {
    await browser?.close();
  });

  it('opens from a file, shows the summary of tandem/coverage, filters, sorts and follows links, with no request leaving the page', async () => {
    const client = await startServer(examples);
    let coverage: any;
    try {
      coverage = await client.request('tandem/coverage', {});
    } finally {
      await client.shutdown();
    }
    const page = await browser!.context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(reportFile).href;
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    await page.waitForSelector('html[data-ready="1"]', { timeout: 10000 });

    const count = async (key: string) => Number(await page.textContent(`[data-count="${key}"]`));
    assert.equal(await count('total'), coverage.total);
    for (const [status, n] of Object.entries(coverage.byStatus)) assert.equal(await count(status), n, status);
    assert.equal(await count('defective'), coverage.defective);
    assert.equal(await count('unknownIdTags'), coverage.unknownIdTags);
    assert.equal(await count('coveredPercent'), Math.floor(coverage.coveredRatio * 1000) / 10);

    const visibleIds = () => page.$$eval('#matrix-table tbody tr:not([hidden]) td:first-child', (cells) => cells.map((c) => c.textContent ?? ''));
    const all = await visibleIds();
    assert.equal(all.length, coverage.total);

    // Filter by status, then by text.
    await page.selectOption('#f-status', 'unimplemented');
    const unimplemented = await visibleIds();
    assert.equal(unimplemented.length, coverage.byStatus.unimplemented);
    assert.match((await page.textContent('#f-count')) ?? '', new RegExp(`^${unimplemented.length} of ${coverage.total}$`));
    await page.selectOption('#f-status', '');
    await page.fill('#f-text', 'ord-2');
    assert.deepEqual(await visibleIds(), all.filter((id) => id.toLowerCase().includes('ord-2')));
    await page.fill('#f-text', '');

    // Sort by ID, both ways; then by status (worst first).
    await page.click('#matrix-table th[data-col="0"] button');
    const ascending = await visibleIds();
    assert.deepEqual(ascending, [...all].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    assert.equal(await page.getAttribute('#matrix-table th[data-col="0"]', 'aria-sort'), 'ascending');
    await page.click('#matrix-table th[data-col="0"] button');
    assert.deepEqual(await visibleIds(), [...ascending].reverse());

    // Follow a requirement's link to its section; its evidence links into the repository.
    await page.click('#matrix-table a[href="#req-ORD-2"]');
    assert.equal(await page.evaluate('location.hash'), '#req-ORD-2');
    assert.equal(await page.evaluate("document.querySelector(':target')?.id"), 'req-ORD-2');
    // Page code is given as text: the tests compile without the DOM's types.
    const inView = await page.evaluate("(() => { const box = document.getElementById('req-ORD-2').getBoundingClientRect(); return box.top >= -1 && box.top < innerHeight; })()");
    assert.ok(inView, 'the section is scrolled into view');
    const section = (await page.textContent('#req-ORD-2')) ?? '';
    assert.match(section, /Implementations \(\d+\)/);
    assert.match(section, /src\/orders\.js:\d+/);
    const evidence = await page.getAttribute('#req-ORD-2 a.loc', 'href');
    assert.match(evidence ?? '', /^https:\/\/forge\.invalid\/acme\/orders\/blob\/0123abc\/(requirements\/orders\.md|src\/orders\.js|test\/orders\.test\.js)#L\d+$/);

    // Print: the controls are hidden and every row shows.
    await page.selectOption('#f-status', 'verified');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.evaluate("getComputedStyle(document.getElementById('filters')).display"), 'none');
    // The page redraws every row on the print media query's change event, which arrives after emulateMedia returns.
    const visibleRows = "[...document.querySelectorAll('#matrix-table tbody tr')].filter((r) => getComputedStyle(r).display !== 'none').length";
    await page.waitForFunction(`${visibleRows} === ${coverage.total}`, undefined, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await page.evaluate(visibleRows), coverage.total);
    if (process.env.TANDEM_PDF) await page.pdf({ path: process.env.TANDEM_PDF, format: 'A4' });
    await page.emulateMedia({ media: 'screen' });

    // Nothing but the page itself was requested.
    assert.deepEqual([...new Set(requests.map((r) => r.split('#')[0]))], [url]);
    if (process.env.TANDEM_SCREENSHOT) {
      await page.goto(url, { waitUntil: 'load', timeout: 30000 });
      await page.screenshot({ path: process.env.TANDEM_SCREENSHOT, fullPage: false });
    }
    await page.close();
  });

  it('tandem serve: the page on loopback, reloaded when the workspace changes; other hosts are refused', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-serve-')));
    fs.cpSync(examples, root, { recursive: true });
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [cliBin, 'serve', '--port', '0', root], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const port = await withTimeout(
        new Promise<number>((resolve, reject) => {
          const poll = setInterval(() => {
            const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
            if (match) {
              clearInterval(poll);
              resolve(Number(match[1]));
            }
          }, 50);
          child!.once('exit', (code) => {
            clearInterval(poll);
            reject(new Error(`serve exited with ${code}: ${out}`));
          });
        }),
        30000,
        'tandem serve to start',
      );
      const refused = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', headers: { host: `attacker.invalid:${port}` } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(refused, 403);

      const page = await browser!.context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load', timeout: 30000 });
      await page.waitForSelector('html[data-ready="1"]', { timeout: 10000 });
      assert.equal(await page.$('#req-ORD-42'), null);
      fs.appendFileSync(path.join(root, 'requirements', 'orders.md'), '\n## ORD-42: Served live\n\nA requirement added while the page is open.\n');
      await page.waitForSelector('#matrix-table a[href="#req-ORD-42"]', { timeout: 20000 });
      await page.click('#matrix-table a[href="#req-ORD-42"]');
      await page.waitForSelector('#req-ORD-42 h3', { timeout: 10000 });
      assert.match((await page.textContent('#req-ORD-42 h3')) ?? '', /ORD-42: Served live/);
      await page.close();
    } finally {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await withTimeout(new Promise((resolve) => child!.once('exit', resolve)), 10000, 'tandem serve to stop').catch(() => child!.kill('SIGKILL'));
      }
    }
  });
});
