import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { RulesPage } from './RulesPage';

// The Rules page against a scripted Api (the real one is exercised by Agents.Tests/Browser/RulesBrowserTests.cs).
const rule = {
  id: 'r1', name: 'patterns_by_kind', text: 'Count patterns by kind', sql: 'SELECT kind, count(*) AS n FROM patterns GROUP BY kind',
  view: 'rules.patterns_by_kind', version: 1, rowCount: 120, durationMs: 5, refreshedAt: '2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', createdBy: 'alice',
};
const columns = [{ name: 'kind', type: 'text' }, { name: 'n', type: 'bigint' }];

type Handler = (url: URL, init?: RequestInit) => Response;
let calls: string[] = [];

function serve(handler: Handler) {
  calls = [];
  vi.stubGlobal('fetch', vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://localhost');
    calls.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    return handler(url, init);
  }));
}

const json = (body: unknown, status = 200, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  location.hash = '';
});

describe('RulesPage', () => {
  it('previews a rule (SQL, rows, chart) before creating it', async () => {
    serve((url, init) => {
      if (url.pathname === '/api/rules' && init?.method === 'POST') return json(rule, 201);
      if (url.pathname === '/api/rules') return json([]);
      if (url.pathname === '/api/rules/preview') return json({ sql: rule.sql, parameters: {}, columns, rows: [['a', 3], ['b', 5]], rowCount: 2, durationMs: 4 });
      return json({}, 404);
    });
    render(<RulesPage />);
    expect(await screen.findByText('No rules yet.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Create rule' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Rule'), { target: { value: 'Count patterns by kind' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    const preview = await screen.findByTestId('rule-preview');
    expect(within(preview).getByTestId('rule-sql').textContent).toContain('GROUP BY kind');
    expect(within(preview).getAllByRole('row')).toHaveLength(3);
    expect(within(preview).getByTestId('chart')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(location.hash).toBe('#/rules/r1'));
    expect(calls).toContain('POST /api/rules');
  });

  it('shows what was not understood, with suggestions that preview when clicked', async () => {
    serve((url, init) => {
      if (url.pathname === '/api/rules') return json([]);
      const body = JSON.parse(String(init?.body ?? '{}')) as { text: string };
      if (body.text === 'Find all patterns') return json({ sql: 'SELECT * FROM patterns', parameters: {}, columns, rows: [], rowCount: 0, durationMs: 1 });
      return json({ title: 'The rule was not understood', status: 422, detail: 'no table matches "widgets"', suggestions: ['Find all patterns'] }, 422, 'application/problem+json');
    });
    render(<RulesPage />);
    fireEvent.change(screen.getByLabelText('Rule'), { target: { value: 'Find all widgets' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no table matches "widgets"');
    fireEvent.click(within(alert).getByRole('button', { name: 'Find all patterns' }));
    expect(await screen.findByTestId('rule-preview')).toBeTruthy();
  });

  it('pages and sorts a rule\'s rows on the server', async () => {
    serve((url) => {
      if (url.pathname === '/api/rules') return json([rule]);
      if (url.pathname === '/api/rules/r1') return json(rule);
      if (url.pathname === '/api/rules/r1/rows') {
        const offset = Number(url.searchParams.get('offset'));
        return json({ columns, rows: Array.from({ length: 50 }, (_, i) => [`k${offset + i}`, i]), rowCount: 120 });
      }
      return json({}, 404);
    });
    render(<RulesPage ruleId="r1" />);
    const details = await screen.findByTestId('rule-details');
    expect(await within(details).findByText('Rows 1–50 of 120')).toBeTruthy();

    fireEvent.click(within(details).getByRole('button', { name: 'Next' }));
    expect(await within(details).findByText('Rows 51–100 of 120')).toBeTruthy();
    expect(calls).toContain('GET /api/rules/r1/rows?offset=50&limit=50');

    fireEvent.click(within(details).getByRole('button', { name: /^n/ }));
    await waitFor(() => expect(calls).toContain('GET /api/rules/r1/rows?offset=0&limit=50&sort=n&desc=false'));
    expect(within(details).getByRole('columnheader', { name: /^n/ }).getAttribute('aria-sort')).toBe('ascending');
  });
});
