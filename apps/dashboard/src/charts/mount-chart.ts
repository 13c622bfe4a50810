import type uPlot from 'uplot';
import { saveButtons } from './chart-export.ts';

/**
 * Builds the chart once `el` is in the page and has a width, resizes it when that width changes,
 * puts its save buttons (PNG, and `svg` for the SVG file) under it, and says how to take it down:
 * the sizing, saving and lifecycle every dashboard chart shares.
 */
export function mountChart(
  el: HTMLElement,
  height: number,
  chart: () => uPlot | null,
  build: (width: number) => void,
  svg: () => string,
): { el: HTMLElement; destroy: () => void } {
  el.append(saveButtons(el.dataset['chart'] ?? 'chart', chart, svg));
  let lastWidth = 0;
  const observer = new ResizeObserver(() => {
    const width = Math.max(260, Math.floor(el.clientWidth));
    if (width === lastWidth) return;
    lastWidth = width;
    const current = chart();
    if (current === null) build(width);
    else current.setSize({ width, height });
  });
  observer.observe(el);
  return {
    el,
    destroy: () => {
      observer.disconnect();
      chart()?.destroy();
    },
  };
}
