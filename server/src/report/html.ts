/**
 * The traceability report as one self-contained HTML file: styles and script inline, nothing
 * fetched (a Content-Security-Policy forbids every request), so it opens from a USB stick and
 * prints to a clean PDF.
 *
 * It holds: what was traced (workspace, commit and whether the tree was dirty, time, version, the
 * settings that shaped the verdict), a summary (counts per status and artifact type, coverage,
 * defects), the requirement matrix with filters and sorting that work without a server, and a
 * section per requirement with its text, acceptance criteria, links and every piece of evidence as
 * `path:line` (a link into the repository when `linkBase` is given). The page is complete without
 * its script: filters and sorting are the only things the script adds.
 *
 * Every text from the workspace goes through `htmlText`; the only markup is this module's.
 */
import { createHash } from 'node:crypto';
import type { CoverageResult, Location, RequirementStatus, RequirementSummary, RequirementTrace, TraceLink } from '../../../protocol/trace';
import { requirementStatuses } from '../../../protocol/trace';
import type { TraceGraph } from '../trace/graph';
import { displayPath, plural } from '../trace/reports';
import { anyCodeCoverage, codeCoverageRatio, codeCoverageText } from './coverage';
import { htmlText, plainText } from './escape';

/** What was traced, for the header: an auditor reads the verdict together with what produced it. */
export interface Provenance {
  workspace: string;
  /** `git rev-parse HEAD`, when the workspace is a git checkout. */
  commit?: string;
  /** Whether the work tree had changes not in the commit. */
  dirty?: boolean;
  /** ISO 8601 time of the report. */
  generatedAt: string;
  version: string;
  /** Settings that shaped the verdict, as name → value (ID pattern, required status, minimum coverage). */
  settings: [string, string][];
}

export interface HtmlOptions {
  provenance: Provenance;
  /** Paths are shown relative to this folder. */
  relativeTo: string;
  /** A base URL that relative paths are appended to (a forge's blob URL at the commit); `#L<line>` is added. */
  linkBase?: string;
  /** Extra script for the live page of `tandem serve` (its hash joins the policy). */
  liveScript?: string;
}

const statusLabel: Record<RequirementStatus, string> = {
  unimplemented: 'Unimplemented',
  untested: 'Untested',
  failing: 'Failing',
  covered: 'Covered',
  verified: 'Verified',
};

/** An element ID for a requirement: its characters outside `[A-Za-z0-9_.-]` spelled as `_hex_`. */
export function anchorOf(id: string): string {
  let out = 'req-';
  for (const char of id) out += /[A-Za-z0-9.-]/.test(char) ? char : `_${char.codePointAt(0)!.toString(16)}_`;
  return out;
}

export function formatHtml(graph: TraceGraph, options: HtmlOptions): string {
  const summaries = graph.requirements({});
  const traces = new Map<string, RequirementTrace>();
  for (const summary of summaries) {
    const trace = graph.trace(summary.id);
    if (trace) traces.set(summary.id, trace);
  }
  const coverage = graph.coverage();
  const withCoverage = anyCodeCoverage(summaries);
  const view = new View(options);
  const script = pageScript;
  const scripts = [script, ...(options.liveScript ? [options.liveScript] : [])];
  const hashes = scripts.map((text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`).join(' ');
  const connect = options.liveScript ? "connect-src 'self'" : "connect-src 'none'";
  const policy = `default-src 'none'; style-src 'unsafe-inline'; script-src ${hashes}; img-src data:; ${connect}; form-action 'none'; base-uri 'none'`;
  const title = `Traceability report: ${baseName(options.provenance.workspace)}`;
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)}</title>`,
    `<style>${styles}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${htmlText(title)}</h1>${view.provenance()}</header>`,
    '<main>',
    view.summary(coverage, summaries, traces),
    view.matrix(summaries, withCoverage),
    '<section id="requirements" aria-label="Requirements"><h2>Requirements</h2><div id="requirements-list"></div></section>',
    '<noscript><p class="none">The matrix and the requirements are drawn by the page\'s own script, which is turned off; the summary above is complete. <code>tandem trace --format markdown</code> or <code>csv</code> give the same trace without it.</p></noscript>',
    '</main>',
  );
  // The rows and sections as data: a 20,000-requirement page parses in a fraction of the time its
  // markup would take, and the script draws what is on screen (everything, when printing).
  parts.push('<script type="application/json" id="tandem-data">{"r":[');
  for (let i = 0; i < summaries.length; i++) parts.push(`${view.record(summaries[i], traces.get(summaries[i].id), withCoverage)}${i + 1 < summaries.length ? ',' : ''}`);
  parts.push(']}</script>');
  for (const text of scripts) parts.push(`<script>${text}</script>`);
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}

/**
 * JSON inside a `<script>` element: `</` becomes `<\/` (no end tag can close the element early) and
 * `<!--` becomes `<\u0021--` (no comment state); both are the same JSON string.
 */
function scriptSafe(json: string): string {
  return json.replace(/<\//g, '<\\/').replace(/<!--/g, '<\\u0021--');
}

function baseName(folder: string): string {
  const trimmed = folder.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1) || trimmed;
}

class View {
  /** Display paths by URI: a report names the same few thousand files many times. */
  private readonly paths = new Map<string, string>();

  constructor(private readonly options: HtmlOptions) {}

  private pathOf(uri: string): string {
    let path = this.paths.get(uri);
    if (path === undefined) this.paths.set(uri, (path = displayPath(uri, { relativeTo: this.options.relativeTo })));
    return path;
  }

  provenance(): string {
    const p = this.options.provenance;
    const rows: [string, string][] = [
      ['Workspace', htmlText(p.workspace)],
      ['Commit', p.commit ? `<code>${htmlText(p.commit)}</code>${p.dirty ? ' <strong class="dirty">with uncommitted changes</strong>' : p.dirty === false ? ' (clean work tree)' : ''}` : 'not a git checkout'],
      ['Generated', `<time datetime="${htmlText(p.generatedAt)}">${htmlText(p.generatedAt)}</time>`],
      ['Tandem', htmlText(p.version)],
      ...p.settings.map(([name, value]): [string, string] => [htmlText(name), `<code>${htmlText(value)}</code>`]),
    ];
    return `<dl class="provenance">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  }

  summary(coverage: CoverageResult, summaries: RequirementSummary[], traces: Map<string, RequirementTrace>): string {
    const cards = requirementStatuses
      .map((status) => `<div class="card s-${status}"><span class="n" data-count="${status}">${coverage.byStatus[status]}</span> ${statusLabel[status].toLowerCase()}</div>`)
      .join('');
    const types = Object.entries(coverage.byArtifactType).sort(([a], [b]) => a.localeCompare(b));
    const typeRows = types
      .map(([type, counts]) => `<tr><th scope="row">${htmlText(type)}</th><td>${counts.total}</td>${requirementStatuses.map((s) => `<td>${counts.byStatus[s]}</td>`).join('')}</tr>`)
      .join('');
    let defects = 0;
    for (const trace of traces.values()) defects += trace.defects.length;
    const codeCoverage = summaries.map(codeCoverageRatio).filter((r): r is number => r !== undefined);
    const meanCode = codeCoverage.length > 0 ? ` · code coverage ${Math.floor((codeCoverage.reduce((a, b) => a + b, 0) / codeCoverage.length) * 1000) / 10}% on average over ${codeCoverage.length}` : '';
    return [
      '<section id="summary" aria-label="Summary"><h2>Summary</h2>',
      `<p class="headline"><span data-count="total">${coverage.total}</span> requirement${plural(coverage.total)}; <span data-count="coveredPercent">${Math.floor(coverage.coveredRatio * 1000) / 10}</span>% covered or verified; <span data-count="defective">${coverage.defective}</span> with defects (${defects} defect${plural(defects)}); <span data-count="unknownIdTags">${coverage.unknownIdTags}</span> tag${plural(coverage.unknownIdTags)} naming unknown IDs${meanCode}.</p>`,
      `<div class="cards">${cards}</div>`,
      `<table class="types"><caption>Per artifact type</caption><thead><tr><th scope="col">Type</th><th scope="col">Total</th>${requirementStatuses.map((s) => `<th scope="col">${statusLabel[s]}</th>`).join('')}</tr></thead><tbody>${typeRows}</tbody></table>`,
      '</section>',
    ].join('\n');
  }

  matrix(summaries: RequirementSummary[], withCoverage: boolean): string {
    const types = [...new Set(summaries.map((s) => s.artifactType))].sort();
    const filters = [
      '<form class="filters" id="filters" role="search" onsubmit="return false">',
      `<label>Status <select id="f-status"><option value="">any</option>${requirementStatuses.map((s) => `<option value="${s}">${statusLabel[s]}</option>`).join('')}<option value="gaps">gaps and defects</option></select></label>`,
      `<label>Type <select id="f-type"><option value="">any</option>${types.map((t) => `<option value="${htmlText(t)}">${htmlText(t)}</option>`).join('')}</select></label>`,
      '<label>Text <input id="f-text" type="search" placeholder="ID, title, path…" autocomplete="off"></label>',
      `<output id="f-count" aria-live="polite">${summaries.length} of ${summaries.length}</output>`,
      '</form>',
    ].join('');
    const head = ['ID', 'Title', 'Type', 'Status', 'Implementations', 'Tests', 'Latest results', ...(withCoverage ? ['Code coverage'] : []), 'Defects', 'Suspect links'];
    const numeric = new Set(['Status', 'Implementations', 'Tests', 'Code coverage', 'Defects', 'Suspect links']);
    const headCells = head.map((h, i) => `<th scope="col" data-col="${i}"${numeric.has(h) ? ' data-numeric="1"' : ''} aria-sort="none"><button type="button">${h}</button></th>`).join('');
    return [
      '<section id="matrix" aria-label="Requirement matrix"><h2>Requirement matrix</h2>',
      filters,
      `<table class="matrix" id="matrix-table"><thead><tr>${headCells}</tr></thead><tbody></tbody></table>`,
      '<p><button type="button" id="matrix-more" hidden></button></p>',
      '</section>',
    ].join('\n');
  }

  /**
   * One requirement as the page's data: `[anchor, id, status, type, gap, search, keys, row, section]`.
   * `keys` are the sort keys of the columns; `row` and `section` are markup built here, with every
   * workspace text escaped, and are the only markup the script inserts.
   */
  record(s: RequirementSummary, trace: RequirementTrace | undefined, withCoverage: boolean): string {
    const results = latestResults(trace?.tests ?? []);
    const suspects = suspectCount(trace);
    const path = this.pathOf(s.location.uri);
    const gap = s.status !== 'covered' && s.status !== 'verified';
    const coverageRatio = codeCoverageRatio(s);
    const cells = [
      `<td><a href="#${anchorOf(s.id)}">${htmlText(s.id)}</a></td>`,
      `<td>${htmlText(s.title)}</td>`,
      `<td>${htmlText(s.artifactType)}</td>`,
      `<td><span class="badge s-${s.status}">${statusLabel[s.status]}</span></td>`,
      `<td>${s.implementations}${trace && trace.implementations.length > 0 ? `<div class="ev">${this.evidenceList(trace.implementations, 3)}</div>` : ''}</td>`,
      `<td>${s.tests}</td>`,
      `<td>${results.text}</td>`,
      ...(withCoverage ? [`<td>${htmlText(codeCoverageText(s) || '–')}</td>`] : []),
      `<td>${s.defects.length > 0 ? htmlText(s.defects.join(', ')) : '–'}</td>`,
      `<td>${suspects || '–'}</td>`,
    ];
    // Filters compare with what the page shows: the text as `htmlText` leaves it.
    const keys = [
      plainText(s.id).toLowerCase(),
      plainText(s.title).toLowerCase(),
      plainText(s.artifactType).toLowerCase(),
      requirementStatuses.indexOf(s.status),
      s.implementations,
      s.tests,
      results.latest ?? '',
      ...(withCoverage ? [coverageRatio ?? -1] : []),
      s.defects.length,
      suspects,
    ];
    const row = `<tr data-status="${s.status}">${cells.join('')}</tr>`;
    const search = plainText(`${s.id} ${s.title} ${path}`).toLowerCase();
    const record = [anchorOf(s.id), plainText(s.id), s.status, plainText(s.artifactType), gap || s.defects.length > 0 ? 1 : 0, search, keys, row, this.requirement(s, trace)];
    return scriptSafe(JSON.stringify(record));
  }

  requirement(s: RequirementSummary, trace: RequirementTrace | undefined): string {
    const out: string[] = [];
    out.push(`<h3>${htmlText(s.id)}${s.title ? `: ${htmlText(s.title)}` : ''} <span class="badge s-${s.status}">${statusLabel[s.status]}</span></h3>`);
    out.push(`<p class="meta">${htmlText(s.format)} · ${htmlText(s.artifactType)} · defined at ${this.place(s.location)}${codeCoverageText(s) ? ` · code coverage ${htmlText(codeCoverageText(s))}` : ''}</p>`);
    if (!trace) return out.join('');
    if (trace.section && trace.section.length > 0) out.push(`<p class="meta">In ${trace.section.map((part) => htmlText(part)).join(' › ')}</p>`);
    if (trace.text.trim()) out.push(`<div class="text">${htmlText(trace.text.trim())}</div>`);
    if (trace.acceptanceCriteria.length > 0) out.push(`<h4>Acceptance criteria</h4><ul>${trace.acceptanceCriteria.map((c) => `<li>${htmlText(c)}</li>`).join('')}</ul>`);
    if (trace.needs.length > 0) out.push(`<p>Needs: ${trace.needs.map((n) => `<code>${htmlText(n)}</code>`).join(', ')}</p>`);
    if (trace.definitions.length > 1) out.push(`<h4>Definitions</h4><ul>${trace.definitions.map((d) => `<li>${this.place(d)}</li>`).join('')}</ul>`);
    const linked = (title: string, list: RequirementTrace['upstream']) =>
      list.length === 0
        ? ''
        : `<h4>${title}</h4><ul>${list
            .map((l) => `<li><a href="#${anchorOf(l.id)}">${htmlText(l.id)}</a>${l.title ? ` ${htmlText(l.title)}` : ''} <span class="badge s-${l.status}">${statusLabel[l.status]}</span>${l.suspect ? ' <strong class="suspect">suspect</strong>' : ''}</li>`)
            .join('')}</ul>`;
    out.push(linked('Upstream', trace.upstream), linked('Downstream', trace.downstream));
    out.push(`<h4>Implementations (${trace.implementations.length})</h4>${trace.implementations.length > 0 ? `<ul class="evidence">${this.evidenceItems(trace.implementations)}</ul>` : '<p class="none">None.</p>'}`);
    out.push(`<h4>Tests (${trace.tests.length})</h4>${trace.tests.length > 0 ? `<ul class="evidence">${this.evidenceItems(trace.tests)}</ul>` : '<p class="none">None.</p>'}`);
    if (trace.defects.length > 0) {
      out.push(
        `<h4>Defects (${trace.defects.length})</h4><ul class="defects">${trace.defects
          .map((d) => `<li><strong>${htmlText(d.kind)}</strong>${d.location ? ` at ${this.place(d.location)}` : ''}: ${htmlText(d.message)}</li>`)
          .join('')}</ul>`,
      );
    }
    return out.join('\n');
  }

  private evidenceItems(links: TraceLink[]): string {
    return links
      .map((link) => {
        const what = link.testName ?? link.symbol;
        const result = link.result
          ? ` <span class="result r-${link.result.outcome}${link.result.stale ? ' stale' : ''}">${link.result.outcome}${link.result.stale ? ' (stale)' : ''}</span> <time datetime="${htmlText(link.result.at)}">${htmlText(link.result.at)}</time>${link.result.durationMs !== undefined ? ` ${link.result.durationMs} ms` : ''}`
          : '';
        return `<li>${this.place(link.location)}${what ? ` <code>${htmlText(what)}</code>` : ''} <span class="kind">${htmlText(link.kind)}</span>${result}</li>`;
      })
      .join('');
  }

  private evidenceList(links: TraceLink[], max: number): string {
    const shown = links.slice(0, max).map((link) => this.place(link.location));
    return shown.join('<br>') + (links.length > max ? `<br>… ${links.length - max} more` : '');
  }

  /** `path:line`, linked into the repository when a link base is given. */
  place(location: Location): string {
    const path = this.pathOf(location.uri);
    const line = location.range.start.line + 1;
    const text = `${htmlText(path)}:${line}`;
    if (!this.options.linkBase || path.startsWith('/') || /^[a-z]+:/i.test(path)) return `<span class="loc">${text}</span>`;
    const base = this.options.linkBase.endsWith('/') ? this.options.linkBase : `${this.options.linkBase}/`;
    const href = `${base}${path.split('/').map(encodeURIComponent).join('/')}#L${line}`;
    return `<a class="loc" href="${htmlText(href)}">${text}</a>`;
  }
}

function latestResults(tests: TraceLink[]): { text: string; latest?: string } {
  const counts = new Map<string, number>();
  let latest: string | undefined;
  let stale = 0;
  for (const link of tests) {
    if (!link.result) continue;
    counts.set(link.result.outcome, (counts.get(link.result.outcome) ?? 0) + 1);
    if (link.result.stale) stale++;
    if (!latest || link.result.at > latest) latest = link.result.at;
  }
  if (counts.size === 0) return { text: '–' };
  const parts = ['passed', 'failed', 'errored', 'skipped'].filter((o) => counts.has(o)).map((o) => `<span class="result r-${o}">${counts.get(o)} ${o}</span>`);
  if (stale > 0) parts.push(`<span class="stale">${stale} stale</span>`);
  return { text: `${parts.join(', ')}<br><time datetime="${htmlText(latest!)}">${htmlText(latest!.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>`, latest };
}

function suspectCount(trace: RequirementTrace | undefined): number {
  if (!trace) return 0;
  // A suspect link shows on both ends: upstream of the child (its defect), downstream of the parent.
  let n = 0;
  for (const link of trace.upstream) if (link.suspect) n++;
  for (const link of trace.downstream) if (link.suspect) n++;
  return n;
}

const styles = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa;--unimplemented:#b42318;--untested:#b54708;--failing:#c11574;--covered:#175cd3;--verified:#067647}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1400px;padding:16px 24px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:0 0 4px}h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;color:var(--muted)}.provenance dt{font-weight:600}.provenance dd{margin:0}
.dirty{color:var(--unimplemented)}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.card{border:1px solid var(--line);border-left:4px solid;border-radius:4px;padding:6px 12px;min-width:140px}.card .n{font-size:20px;font-weight:700}
.s-unimplemented{border-color:var(--unimplemented)}.s-untested{border-color:var(--untested)}.s-failing{border-color:var(--failing)}.s-covered{border-color:var(--covered)}.s-verified{border-color:var(--verified)}
.badge{display:inline-block;border:1px solid;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.s-unimplemented{color:var(--unimplemented)}.badge.s-untested{color:var(--untested)}.badge.s-failing{color:var(--failing)}.badge.s-covered{color:var(--covered)}.badge.s-verified{color:var(--verified)}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
table.types{width:auto}table.types td{text-align:right}caption{text-align:left;font-weight:600;padding:4px 0}
.matrix thead th{position:sticky;top:0;background:var(--alt)}.matrix th button{all:unset;cursor:pointer;font-weight:600}.matrix th button:focus-visible{outline:2px solid var(--covered)}
.matrix th[aria-sort=ascending] button::after{content:" ▲"}.matrix th[aria-sort=descending] button::after{content:" ▼"}
.matrix tbody tr:nth-child(even){background:var(--alt)}.ev{color:var(--muted);font-size:12px}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}.filters input,.filters select{font:inherit;padding:2px 6px}
.req{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0}.req:empty{min-height:180px}
.req:target{outline:3px solid var(--covered)}
.meta{color:var(--muted);margin:0 0 6px}.text{white-space:pre-wrap;margin:6px 0}.none{color:var(--muted);margin:0}
ul{margin:0;padding-left:20px}.loc{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}.kind{color:var(--muted);font-size:12px}
.r-passed{color:var(--verified)}.r-failed,.r-errored{color:var(--failing);font-weight:600}.r-skipped,.stale{color:var(--muted)}.suspect{color:var(--untested)}
@media print{
 body{max-width:none;padding:0;font-size:10pt}
 .filters,.matrix th button::after{display:none}
 .matrix thead th{position:static}
 .matrix tr,.req{break-inside:avoid}
 .req{border:none;border-top:1px solid #999;border-radius:0;padding:6px 0}.req:empty{display:none}#matrix-more{display:none}
 h2{break-after:avoid}#requirements{break-before:page}
 a{color:inherit;text-decoration:none}
 .badge,.card{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

/**
 * Draws the matrix and the sections from the page's data. The matrix shows the rows that pass the
 * filters in the chosen order, a batch at a time (the next batch when the end comes into view);
 * sections are empty placeholders filled as they near the screen, or at once when a link names
 * one. Printing draws everything. Sorting is stable; `data-ready` on the root says the page is
 * interactive. Only markup built by the report (escaped there) is inserted.
 */
const pageScript = `(function(){
var data=JSON.parse(document.getElementById('tandem-data').textContent),reqs=data.r,total=reqs.length,BATCH=300;
var table=document.getElementById('matrix-table'),body=table.tBodies[0],more=document.getElementById('matrix-more'),list=document.getElementById('requirements-list');
var fs=document.getElementById('f-status'),ft=document.getElementById('f-type'),fx=document.getElementById('f-text'),count=document.getElementById('f-count');
var heads=table.tHead.rows[0].cells,order=[],shown=[],drawn=0,printing=false;
for(var i=0;i<total;i++)order.push(i);
function pass(r){var s=fs.value,t=ft.value,x=fx.value.trim().toLowerCase();
return(!s||(s==='gaps'?r[4]===1:r[2]===s))&&(!t||r[3]===t)&&(!x||r[5].indexOf(x)>=0);}
function draw(upto){var html=[],end=Math.min(upto,shown.length);for(var k=drawn;k<end;k++)html.push(reqs[shown[k]][7]);
if(html.length)body.insertAdjacentHTML('beforeend',html.join(''));drawn=end;
more.hidden=drawn>=shown.length;more.textContent='Show '+Math.min(BATCH,shown.length-drawn)+' more of '+(shown.length-drawn);}
function apply(){shown=printing?order:order.filter(function(i){return pass(reqs[i]);});body.textContent='';drawn=0;draw(printing?shown.length:BATCH);
count.textContent=shown.length+' of '+total;}
fs.addEventListener('change',apply);ft.addEventListener('change',apply);fx.addEventListener('input',apply);
more.addEventListener('click',function(){draw(drawn+BATCH);});
if(window.IntersectionObserver)new IntersectionObserver(function(es){if(es[0].isIntersecting)draw(drawn+BATCH);},{rootMargin:'800px'}).observe(more);
function sort(c){var th=heads[c],numeric=th.hasAttribute('data-numeric'),dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
for(var h=0;h<heads.length;h++)heads[h].setAttribute('aria-sort','none');th.setAttribute('aria-sort',dir===1?'ascending':'descending');
var pos=[];for(var p=0;p<order.length;p++)pos[order[p]]=p;
order.sort(function(a,b){var x=reqs[a][6][c],y=reqs[b][6][c];if(numeric){x=Number(x);y=Number(y);}return x<y?-dir:x>y?dir:pos[a]-pos[b];});apply();}
for(var h=0;h<heads.length;h++)(function(c){heads[c].querySelector('button').addEventListener('click',function(){sort(c);});})(h);
var parts=[];for(var j=0;j<total;j++)parts.push('<article class="req" id="'+reqs[j][0]+'" data-i="'+j+'"></article>');
list.innerHTML=parts.join('');
function fill(el){if(el&&!el.hasAttribute('data-filled')){el.innerHTML=reqs[Number(el.getAttribute('data-i'))][8];el.setAttribute('data-filled','1');}}
var io=window.IntersectionObserver?new IntersectionObserver(function(es){for(var e=0;e<es.length;e++)if(es[e].isIntersecting){fill(es[e].target);io.unobserve(es[e].target);}},{rootMargin:'1500px'}):null;
for(var a=list.firstChild;a;a=a.nextSibling){if(io)io.observe(a);else fill(a);}
function target(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var el=document.getElementById(id);if(!el||el.parentNode!==list)return;fill(el);
el.scrollIntoView();requestAnimationFrame(function(){el.scrollIntoView();});}
window.addEventListener('hashchange',target);
function printAll(on){printing=on;if(on)for(var a=list.firstChild;a;a=a.nextSibling)fill(a);apply();}
window.addEventListener('beforeprint',function(){printAll(true);});window.addEventListener('afterprint',function(){printAll(false);});
var pm=window.matchMedia&&window.matchMedia('print');if(pm&&pm.addEventListener)pm.addEventListener('change',function(e){printAll(e.matches);});
apply();target();
document.documentElement.setAttribute('data-ready','1');
})();`;
