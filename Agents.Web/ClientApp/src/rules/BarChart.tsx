import { type ChartSpec, type Column, bars } from './chart';

/** Hand-drawn SVG bars (no chart library: this is all the app needs, and it keeps the bundle small). */
export function BarChart({ columns, rows, spec }: { columns: Column[]; rows: unknown[][]; spec: ChartSpec }) {
  const data = bars(rows, spec);
  const max = Math.max(...data.map((d) => d.value), 0) || 1;
  const rowHeight = 22;
  const height = data.length * rowHeight + 4;
  const title = `${columns[spec.value].name} by ${columns[spec.label].name}`;
  return (
    <figure className="chart" data-testid="chart">
      <figcaption>{title}</figcaption>
      <svg role="img" aria-label={title} viewBox={`0 0 400 ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        {data.map((d, i) => {
          const width = Math.max(1, (Math.max(d.value, 0) / max) * 240);
          return (
            <g key={d.label} transform={`translate(0 ${i * rowHeight})`}>
              <text x="0" y="15" fontSize="12" className="label">{d.label.length > 18 ? `${d.label.slice(0, 17)}…` : d.label}</text>
              <rect x="120" y="3" width={width} height="16" rx="2" className="bar" />
              <text x={124 + width} y="15" fontSize="12" className="value">{d.value.toLocaleString()}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
