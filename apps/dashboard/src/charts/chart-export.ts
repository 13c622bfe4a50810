import type uPlot from 'uplot';
import { download } from '../csv.ts';
import { h } from '../dom.ts';

// A chart saved as a file: PNG is what the page shows (uPlot's canvas, with the title and legend
// that uPlot keeps in the DOM drawn around it); SVG is the same data through the report's vector
// renderer (chart-svg.ts), for print.

const FONT = 'system-ui, sans-serif';
const PAD = 10;
const TITLE_HEIGHT = 28;
const LEGEND_ROW = 18;

type LegendEntry = { label: string; color: string };

/** The legend rows uPlot shows (not the x row, not rows a chart hid, such as CI band edges). */
function legendEntries(u: uPlot): LegendEntry[] {
  const rows = Array.from(u.root.querySelectorAll<HTMLElement>('.u-legend .u-series')).slice(1);
  return rows.flatMap((row) => {
    if (row.style.display === 'none') return [];
    const marker = row.querySelector<HTMLElement>('.u-marker');
    const style = marker ? getComputedStyle(marker) : null;
    const color = style && style.borderColor !== 'rgba(0, 0, 0, 0)' ? style.borderColor : (style?.backgroundColor ?? '#000');
    return [{ label: row.querySelector('.u-label')?.textContent ?? '', color }];
  });
}

/** Legend entries in rows that fit `width` (CSS px): [x, y] of each entry. */
function layout(ctx: CanvasRenderingContext2D, entries: readonly LegendEntry[], width: number): { at: [number, number][]; height: number } {
  const at: [number, number][] = [];
  let x = PAD;
  let y = 0;
  for (const e of entries) {
    const w = 18 + ctx.measureText(e.label).width + 16;
    if (x > PAD && x + w > width - PAD) {
      x = PAD;
      y += LEGEND_ROW;
    }
    at.push([x, y]);
    x += w;
  }
  return { at, height: entries.length === 0 ? 0 : y + LEGEND_ROW + PAD };
}

/**
 * The chart as a PNG at the screen's resolution: a white page with the title, uPlot's canvas
 * (axes, grid, series, bands) and the legend. Canvas: (height·ratio, width·ratio) device pixels.
 */
export function chartPng(u: uPlot): Promise<Blob> {
  const plot = u.ctx.canvas;
  const ratio = plot.width / u.width; // device pixels per CSS pixel (uPlot sizes its canvas by devicePixelRatio)
  const entries = legendEntries(u);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (ctx === null) return Promise.reject(new Error('this browser gives no 2D canvas: save the chart as SVG instead'));
  ctx.font = `12px ${FONT}`;
  const legend = layout(ctx, entries, u.width);
  canvas.width = plot.width;
  canvas.height = Math.round((TITLE_HEIGHT + u.height + legend.height) * ratio);
  // Resizing the canvas reset its state: scale to CSS pixels, then draw.
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, u.width, TITLE_HEIGHT + u.height + legend.height);
  ctx.fillStyle = '#111';
  ctx.font = `600 14px ${FONT}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(u.root.querySelector('.u-title')?.textContent ?? '', PAD, TITLE_HEIGHT / 2);
  ctx.drawImage(plot, 0, TITLE_HEIGHT, u.width, u.height);
  ctx.font = `12px ${FONT}`;
  entries.forEach((e, i) => {
    const [x, y] = legend.at[i] ?? [PAD, 0];
    const top = TITLE_HEIGHT + u.height + y;
    ctx.fillStyle = e.color;
    ctx.fillRect(x, top + 4, 12, 10);
    ctx.fillStyle = '#111';
    ctx.fillText(e.label, x + 18, top + 9);
  });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be encoded as PNG'))), 'image/png'),
  );
}

/** "PNG" and "SVG" buttons under a chart; `name` names the files (`itl.png`). */
export function saveButtons(name: string, chart: () => uPlot | null, svg: () => string): HTMLElement {
  const status = h('span', { class: 'chart-save-status', role: 'status' });
  const png = async () => {
    const u = chart();
    if (u === null) return;
    try {
      download(`${name}.png`, 'image/png', await chartPng(u));
      status.textContent = '';
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  };
  return h(
    'figcaption',
    { class: 'chart-save' },
    'save ',
    h('button', { type: 'button', class: 'link-button', 'data-action': 'save-png', onclick: () => void png() }, 'PNG'),
    ' · ',
    h(
      'button',
      { type: 'button', class: 'link-button', 'data-action': 'save-svg', onclick: () => download(`${name}.svg`, 'image/svg+xml', svg()) },
      'SVG',
    ),
    status,
  );
}
