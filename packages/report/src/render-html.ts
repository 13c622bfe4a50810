import { escapeHtml as esc } from './escape.ts';
import { INSUFFICIENT_NOTE } from './format.ts';
import { reportCharts } from './report-charts.ts';
import type { ReportInput } from './report-input.ts';
import { environmentTable, promptsOf, summaryLines } from './report-sections.ts';
import { cellDetailTable, percentileTable, seedTable } from './result-tables.ts';
import type { Table } from './table.ts';

/** No script, no remote load: the file opens anywhere, and injected markup (there is none) could not run. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** One self-contained HTML file: tables, inline SVG charts (each downloadable as SVG), environment, matrix. */
export function renderReportHtml(input: ReportInput): string {
  const name = input.experiment.name || input.experiment.id;
  const charts = reportCharts(input).map(
    (c) =>
      `<figure class="chart" id="chart-${c.id}">${c.svg}<figcaption>${esc(c.title)} · ` +
      `<a download="${c.id}.svg" href="data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.svg)}">save SVG</a></figcaption></figure>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`inferlab report: ${name}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1 id="experiment-name">${esc(name)}</h1>
<dl class="summary">${summaryLines(input)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl></header>
<section id="seed"><h2>Seed table</h2>${htmlTable(seedTable(input.results))}</section>
<section id="percentiles"><h2>Percentiles, ms: value [95% CI]</h2>${htmlTable(percentileTable(input.results))}<p class="note">${esc(INSUFFICIENT_NOTE)}</p></section>
<section id="charts"><h2>Charts</h2>${charts.join('\n')}</section>
<section id="cells"><h2>Cells</h2>${htmlTable(cellDetailTable(input.results))}</section>
<section id="prompts"><h2>Prompts</h2><ol>${promptsOf(input)
    .map((p) => `<li>${esc(p)}</li>`)
    .join('')}</ol></section>
<section id="environment"><h2>Environment</h2>${htmlTable(environmentTable(input))}</section>
<section id="matrix"><h2>Matrix</h2><pre>${esc(JSON.stringify(input.experiment.matrix, null, 2))}</pre></section>
<footer>inferlab · metric definitions: docs/metrics.md</footer>
</body>
</html>
`;
}

function htmlTable(table: Table): string {
  const head = table.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const rows = table.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('');
  return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
dl.summary dt { color: #666; } dl.summary dd { margin: 0; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e2e2e2; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
figure.chart { margin: 1rem 0; } figure.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 12px; color: #555; }
pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
li { overflow-wrap: anywhere; }
p.note { font-size: 12px; color: #555; }
footer { margin-top: 2rem; color: #888; font-size: 12px; }
`;
