import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

// Only what the pages draw is registered, so the bundle carries only these parts of ECharts.
echarts.use([LineChart, BarChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/**
 * One ECharts chart. `label` is the chart's accessible name; `summary` says in words what the
 * chart shows, for screen readers and for anyone who wants the figures, not the picture.
 */
export function Chart(props: { option: ChartOption; label: string; summary?: string; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (!el.current) return undefined;
    const c = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.current = c;
    const onResize = () => c.resize();
    addEventListener('resize', onResize);
    return () => {
      removeEventListener('resize', onResize);
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...props.option }, true);
  }, [props.option]);
  return (
    <figure class="chart">
      <div ref={el} role="img" aria-label={props.label} style={{ height: `${props.height ?? 220}px` }} />
      {props.summary && <figcaption>{props.summary}</figcaption>}
    </figure>
  );
}

export const PALETTE = ['#2f6fb3', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490'];
