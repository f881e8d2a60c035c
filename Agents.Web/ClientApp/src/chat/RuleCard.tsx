import { useState } from 'react';
import { BarChart } from '../rules/BarChart';
import { chartFor } from '../rules/chart';
import { ResultTable, type Sort, sortRows } from '../rules/ResultTable';
import { ruleHref } from '../routes';
import { Suggestions } from './Timeline';
import type { RuleRun } from './threadState';

/** `run <rule>` in a thread: the generated SQL, then the result's first rows (or why it could not be done). */
export function RuleCard({ run, onSuggest }: { run: RuleRun; onSuggest: (text: string) => void }) {
  const [sort, setSort] = useState<Sort>();
  const columns = (run.result?.columns ?? []).map((name) => ({ name }));
  const rows = run.result?.preview ?? [];
  const chart = chartFor(columns, rows);
  return (
    <section className="rule-card" aria-label={`Rule ${run.rule}`} data-testid="rule-card">
      <header>
        <h3>Rule {run.rule || '…'}</h3>
        {run.translator && <span className="pill">{run.translator}</span>}
      </header>
      {run.text && <p className="muted">{run.text}</p>}
      {run.sql && (
        <details open>
          <summary>Generated SQL</summary>
          <pre className="sql" data-testid="rule-sql"><code>{run.sql}</code></pre>
        </details>
      )}
      {run.result && (
        <>
          <p>
            {run.result.rows.toLocaleString()} rows in <code>{run.result.view}</code> ({Math.round(run.result.durationMs)} ms).{' '}
            <a href={ruleHref(run.result.ruleId)}>Open in Rules</a> for every row, sorting, the chart and CSV.
          </p>
          <ResultTable columns={columns} rows={sortRows(columns, rows, sort)} sort={sort} onSort={setSort} caption={`First ${rows.length} rows`} />
          {chart && <BarChart columns={columns} rows={rows} spec={chart} />}
        </>
      )}
      {run.error && (
        <div className="error-card" role="alert">
          <p>The rule could not be run: {run.error.message}</p>
          {run.error.suggestions.length > 0 && <Suggestions items={run.error.suggestions} onSuggest={onSuggest} prefix="run " />}
        </div>
      )}
      {!run.result && !run.error && <p className="muted">Running…</p>}
    </section>
  );
}
