import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/http';
import { ruleHref } from '../routes';
import { BarChart } from './BarChart';
import { chartFor } from './chart';
import { ResultTable, type Sort } from './ResultTable';
import { type Preview, type Rule, type RowsPage, createRule, deleteRule, downloadCsv, getRule, listRules, previewRule, refreshRule, ruleRows } from './rulesApi';

const pageSize = 50;

const explain = (e: unknown, what: string) => (e instanceof ApiError ? `${what}: ${e.detail ?? e.title}. ${e.advice}` : `${what}: ${String(e)}`);

export function RulesPage({ ruleId }: { ruleId?: string }) {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setRules(await listRules());
      setError(null);
    } catch (e) {
      setError(explain(e, 'The rules could not be loaded'));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, ruleId]);

  return (
    <div className={`rules ${ruleId ? 'rule-open' : ''}`}>
      <nav className="rule-list" aria-label="Rules">
        <a href={ruleHref()} className="button-like" aria-current={!ruleId ? 'page' : undefined}>New rule</a>
        {error && <p className="error" role="alert">{error}</p>}
        {rules === null ? <p className="muted">Loading rules…</p> : rules.length === 0 ? <p className="muted">No rules yet.</p> : (
          <ul>
            {rules.map((r) => (
              <li key={r.id}>
                <a href={ruleHref(r.id)} aria-current={r.id === ruleId ? 'page' : undefined}>
                  <span className="title">{r.name}</span> <span className="muted">{r.rowCount.toLocaleString()} rows</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </nav>
      <main className="rule-main">
        {ruleId ? <RuleDetails key={ruleId} id={ruleId} onChanged={load} /> : <NewRule onCreated={load} />}
      </main>
    </div>
  );
}

function NewRule({ onCreated }: { onCreated: () => Promise<void> }) {
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<{ message: string; suggestions: string[] } | null>(null);
  const [busy, setBusy] = useState(false);

  async function runPreview(event?: FormEvent, value = text) {
    event?.preventDefault();
    setBusy(true);
    setProblem(null);
    setPreview(null);
    try {
      setPreview(await previewRule(value.trim()));
    } catch (e) {
      setProblem({
        message: e instanceof ApiError && e.status === 422 ? `Not understood: ${e.detail ?? e.title}. Rephrase it, or pick a suggestion.` : explain(e, 'No preview'),
        suggestions: e instanceof ApiError ? e.suggestions : [],
      });
    } finally {
      setBusy(false);
    }
  }

  async function create() {
    setBusy(true);
    try {
      const rule = await createRule(text.trim(), name.trim() || undefined);
      await onCreated();
      location.hash = ruleHref(rule.id);
    } catch (e) {
      setProblem({ message: e instanceof ApiError && e.status === 409 ? 'That name is taken: choose another name.' : explain(e, 'Not created'), suggestions: e instanceof ApiError ? e.suggestions : [] });
    } finally {
      setBusy(false);
    }
  }

  const chart = preview ? chartFor(preview.columns, preview.rows) : null;
  return (
    <section aria-labelledby="new-rule-heading">
      <h2 id="new-rule-heading">New rule</h2>
      <p className="muted">Write what you want in plain words; the agent turns it into SQL. Preview it (a dry run: nothing is created), then create it.</p>
      <form onSubmit={runPreview} className="rule-form">
        <label htmlFor="rule-text">Rule</label>
        <textarea id="rule-text" rows={2} value={text} placeholder="Find all patterns where kind equals pattern"
          onChange={(e) => { setText(e.target.value); setPreview(null); }} />
        <label htmlFor="rule-name">Name (optional)</label>
        <input id="rule-name" value={name} maxLength={63} onChange={(e) => setName(e.target.value)} />
        <div className="row">
          <button type="submit" disabled={busy || !text.trim()}>Preview</button>
          <button type="button" disabled={busy || !preview} onClick={create}>Create rule</button>
        </div>
      </form>
      {problem && (
        <div className="error-card" role="alert">
          <p>{problem.message}</p>
          {problem.suggestions.length > 0 && (
            <div className="suggestions"><span>Try:</span>
              <ul>{problem.suggestions.map((s) => (
                <li key={s}><button type="button" className="chip" onClick={() => { setText(s); void runPreview(undefined, s); }}>{s}</button></li>
              ))}</ul>
            </div>
          )}
        </div>
      )}
      {preview && (
        <section aria-label="Preview" data-testid="rule-preview">
          <h3>Preview</h3>
          <pre className="sql" data-testid="rule-sql"><code>{preview.sql}</code></pre>
          <p className="muted">{preview.rowCount.toLocaleString()} rows ({Math.round(preview.durationMs)} ms){preview.rowCount > preview.rows.length ? `; the first ${preview.rows.length} are shown` : ''}.</p>
          <ResultTable columns={preview.columns} rows={preview.rows} caption="Preview rows" />
          {chart && <BarChart columns={preview.columns} rows={preview.rows} spec={chart} />}
        </section>
      )}
    </section>
  );
}

function RuleDetails({ id, onChanged }: { id: string; onChanged: () => Promise<void> }) {
  const [rule, setRule] = useState<Rule | null>(null);
  const [page, setPage] = useState<RowsPage | null>(null);
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<Sort>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getRule(id).then(setRule, (e) => setError(explain(e, 'This rule cannot be shown')));
  }, [id]);

  useEffect(() => {
    ruleRows(id, offset, pageSize, sort).then(setPage, (e) => setError(explain(e, 'The rows could not be loaded')));
  }, [id, offset, sort, rule?.refreshedAt]);

  async function act(action: () => Promise<void>, what: string) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(explain(e, what));
    } finally {
      setBusy(false);
    }
  }

  if (!rule) return error ? <p className="error" role="alert">{error}</p> : <p className="muted">Loading…</p>;
  const chart = page ? chartFor(page.columns, page.rows) : null;
  const last = page ? Math.min(offset + pageSize, page.rowCount) : 0;
  return (
    <section aria-labelledby="rule-heading" data-testid="rule-details">
      <a className="back" href={ruleHref()}>‹ Rules</a>
      <h2 id="rule-heading">{rule.name}</h2>
      <p>{rule.text}</p>
      <p className="muted">
        View <code>{rule.view}</code>, version {rule.version}, {rule.rowCount.toLocaleString()} rows, refreshed {new Date(rule.refreshedAt).toLocaleString()} in {Math.round(rule.durationMs)} ms; created by {rule.createdBy}.
      </p>
      <details><summary>SQL</summary><pre className="sql" data-testid="rule-sql"><code>{rule.sql}</code></pre></details>
      <div className="row">
        <button type="button" disabled={busy} onClick={() => act(async () => { setRule(await refreshRule(id)); await onChanged(); }, 'Not refreshed')}>Refresh</button>
        <button type="button" className="secondary" disabled={busy} onClick={() => act(() => downloadCsv(rule), 'No CSV')}>Export CSV</button>
        <button type="button" className="danger" disabled={busy}
          onClick={() => confirm(`Delete the rule ${rule.name} and its view?`) && act(async () => { await deleteRule(id); await onChanged(); location.hash = ruleHref(); }, 'Not deleted')}>Delete</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {page && (
        <>
          <ResultTable columns={page.columns} rows={page.rows} sort={sort} onSort={(s) => { setSort(s); setOffset(0); }} caption={`Rows ${page.rowCount === 0 ? 0 : offset + 1}–${last} of ${page.rowCount}`} />
          <div className="pager row" role="group" aria-label="Pages">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>Previous</button>
            <span>{page.rowCount === 0 ? 'No rows' : `${offset + 1}–${last} of ${page.rowCount}`}</span>
            <button type="button" className="secondary" disabled={last >= page.rowCount} onClick={() => setOffset(offset + pageSize)}>Next</button>
          </div>
          {chart && <BarChart columns={page.columns} rows={page.rows} spec={chart} />}
        </>
      )}
    </section>
  );
}
