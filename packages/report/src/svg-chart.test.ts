import { describe, expect, it } from 'vitest';
import { barChartSvg, niceTicks, xyChartSvg } from './svg-chart.ts';

describe('niceTicks', () => {
  it('covers the range with round steps of 1, 2 or 5 × 10^k', () => {
    expect(niceTicks(0, 1)).toEqual({ lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(3, 97)).toEqual({ lo: 0, hi: 100, ticks: [0, 20, 40, 60, 80, 100] });
    expect(niceTicks(0.0012, 0.0049).ticks).toEqual([0.001, 0.002, 0.003, 0.004, 0.005]); // no float noise
  });

  it('widens an empty range instead of dividing by zero', () => {
    const t = niceTicks(5, 5);
    expect(t.lo).toBeLessThan(5);
    expect(t.hi).toBeGreaterThan(5);
    expect(niceTicks(0, 0).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('charts', () => {
  it('escape series names and titles, in the legend and the tooltips', () => {
    const svg = xyChartSvg({
      title: 'a <b>',
      xLabel: 'x',
      yLabel: 'y',
      kind: 'step',
      series: [
        {
          name: '<script>x</script>',
          points: [
            [1, 0.5],
            [2, 1],
          ],
        },
      ],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain('aria-label="a &lt;b&gt;"');
    expect(svg).toMatch(/<path class="series" d="M[\d.]+,[\d.]+H[\d.]+V[\d.]+"/); // a step: horizontal, then vertical
  });

  it('say "no data" rather than draw empty axes; a bar without a value has zero width', () => {
    expect(xyChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', kind: 'line', series: [] })).toContain('>no data<');
    const bars = barChartSvg({
      title: 't',
      xLabel: 'x',
      bars: [
        { name: 'a', value: 10 },
        { name: 'b', value: null },
      ],
    });
    expect(bars.match(/<rect x="64" y="[\d.]+" width="([\d.]+)"/g)).toHaveLength(2);
    expect(bars).toContain('width="0" height="14"');
  });

  it('draw in the given colours, with x ticks as the caller words them (escaped)', () => {
    const svg = xyChartSvg({
      title: 't',
      xLabel: 'finished',
      yLabel: 'ms',
      kind: 'line',
      colors: ['#0072B2', '#E69F00'],
      xTick: (x) => `<${x}>`,
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [10, 2],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 2],
            [10, 3],
          ],
        },
      ],
    });
    expect(svg).toContain('stroke="#0072B2"');
    expect(svg).toContain('fill="#E69F00"'); // b's legend swatch
    expect(svg).toContain('>&lt;10&gt;<');
    expect(barChartSvg({ title: 't', xLabel: 'x', bars: [{ name: 'a', value: 1 }], colors: ['#009E73'] })).toContain('fill="#009E73"');
  });
});
