import { useEffect, useId, useRef, useState } from 'react';

export interface BarDatum {
  key: string;
  /** Axis label (e.g. "24 Nov"). */
  label: string;
  /** Exact integer (cents for money, a count otherwise): geometry only. */
  value: number;
  /** The value as the user reads it, e.g. "−15.00". */
  valueLabel: string;
}

interface BarChartProps {
  title: string;
  data: BarDatum[];
  /** Formats an axis tick given in the same unit as `value`. */
  formatTick: (value: number) => string;
  /** Name of the value column in the data table. */
  valueName: string;
  height?: number;
  /** "alert" for counts of something bad (popugs in the red): bars in the warning colour. */
  tone?: 'normal' | 'alert';
}

const PAD = { top: 14, right: 12, bottom: 30, left: 68 };

/** A step of 1, 2 or 5 × 10^k that splits `span` into about four intervals. */
export function niceStep(span: number, intervals = 4): number {
  if (span <= 0) return 1;
  const raw = span / intervals;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return Math.max(1, Math.round(step));
}

/**
 * Which bars get an axis label when not all fit: every `every`-th one counted back from the
 * last, so the latest day (usually today) is always labelled.
 */
export function labelledBars(count: number, every: number): Set<number> {
  const out = new Set<number>();
  for (let i = count - 1; i >= 0; i -= Math.max(1, every)) out.add(i);
  return out;
}

export function axisTicks(values: number[]): number[] {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const step = niceStep(hi - lo || 1);
  const first = Math.floor(lo / step) * step;
  const last = Math.max(Math.ceil(hi / step) * step, first + step);
  const ticks: number[] = [];
  for (let t = first; t <= last; t += step) ticks.push(t);
  return ticks;
}

function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(280, Math.round(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * A dependency-free SVG bar chart with a zero line, for values that may be negative. Every bar
 * has a tooltip, and the same figures are available as a table for keyboard and screen readers.
 */
export function BarChart({
  title,
  data,
  formatTick,
  valueName,
  height = 240,
  tone = 'normal',
}: BarChartProps) {
  const { ref, width } = useWidth(720);
  const titleId = useId();
  const descId = useId();
  const ticks = axisTicks(data.map((d) => d.value));
  const min = ticks[0] ?? 0;
  const max = ticks[ticks.length - 1] ?? 1;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + ((max - v) / (max - min || 1)) * plotH;
  const band = data.length > 0 ? plotW / data.length : plotW;
  const barW = Math.max(2, Math.min(44, band * 0.68));
  const labelEvery = Math.max(1, Math.ceil(data.length / Math.max(2, Math.floor(plotW / 64))));
  const labelled = labelledBars(data.length, labelEvery);
  const best = data.reduce<BarDatum | null>((acc, d) => (!acc || d.value > acc.value ? d : acc), null);
  const worst = data.reduce<BarDatum | null>((acc, d) => (!acc || d.value < acc.value ? d : acc), null);
  const summary =
    data.length === 0
      ? 'No data for this range.'
      : `${data.length} days; highest ${best?.valueLabel} on ${best?.label}, lowest ${worst?.valueLabel} on ${worst?.label}.`;

  return (
    <figure className="chart">
      <figcaption id={titleId} className="chart__title">
        {title}
      </figcaption>
      <div ref={ref} className="chart__canvas">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-labelledby={titleId}
          aria-describedby={descId}
        >
          <desc id={descId}>{summary}</desc>
          {ticks.map((t) => (
            <g key={t}>
              <line
                x1={PAD.left}
                x2={width - PAD.right}
                y1={y(t)}
                y2={y(t)}
                className={t === 0 ? 'chart__zero' : 'chart__grid'}
              />
              <text
                x={PAD.left - 8}
                y={y(t)}
                className="chart__tick"
                textAnchor="end"
                dominantBaseline="middle"
              >
                {formatTick(t)}
              </text>
            </g>
          ))}
          {data.map((d, i) => {
            const x = PAD.left + band * i + (band - barW) / 2;
            const top = y(Math.max(0, d.value));
            const h = Math.max(d.value === 0 ? 0 : 1, Math.abs(y(d.value) - y(0)));
            return (
              <g key={d.key}>
                <rect
                  x={x}
                  y={top}
                  width={barW}
                  height={h}
                  rx={Math.min(3, barW / 4)}
                  className={
                    d.value < 0 || tone === 'alert' ? 'chart__bar chart__bar--negative' : 'chart__bar'
                  }
                >
                  <title>{`${d.label}: ${d.valueLabel}`}</title>
                </rect>
                {labelled.has(i) && (
                  <text x={x + barW / 2} y={height - 10} className="chart__tick" textAnchor="middle">
                    {d.label}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <details className="chart__table">
        <summary>Show as a table</summary>
        <table className="table table--compact">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="num">
                {valueName}
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.key}>
                <td>{d.label}</td>
                <td className="num">{d.valueLabel}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
