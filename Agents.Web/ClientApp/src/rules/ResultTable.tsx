import type { Column } from './chart';

export interface Sort {
  column: string;
  desc: boolean;
}

const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** A results table; sorting is done by whoever owns the rows (the server for rules, in place for previews). */
export function ResultTable({ columns, rows, sort, onSort, caption }: {
  columns: Column[];
  rows: unknown[][];
  sort?: Sort;
  onSort?: (sort: Sort) => void;
  caption?: string;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption ?? 'Results'}>
      <table data-testid="result-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => {
              const sorted = sort?.column === c.name;
              return (
                <th key={c.name} scope="col" aria-sort={sorted ? (sort!.desc ? 'descending' : 'ascending') : undefined}>
                  {onSort ? (
                    <button type="button" className="sort" onClick={() => onSort({ column: c.name, desc: sorted ? !sort!.desc : false })}>
                      {c.name} <span aria-hidden="true">{sorted ? (sort!.desc ? '▼' : '▲') : '↕'}</span>
                    </button>
                  ) : c.name}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr><td colSpan={Math.max(columns.length, 1)} className="muted">No rows.</td></tr>
          ) : (
            rows.map((row, i) => (
              <tr key={i}>{row.map((value, j) => <td key={j}>{cell(value)}</td>)}</tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Sorts rows in place of a server, for small previews. */
export function sortRows(columns: Column[], rows: unknown[][], sort?: Sort): unknown[][] {
  if (!sort) return rows;
  const index = columns.findIndex((c) => c.name === sort.column);
  if (index < 0) return rows;
  const compare = (a: unknown, b: unknown) => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  };
  return [...rows].sort((x, y) => (sort.desc ? -1 : 1) * compare(x[index], y[index]));
}
