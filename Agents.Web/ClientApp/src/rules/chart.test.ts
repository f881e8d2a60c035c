import { sortRows } from './ResultTable';
import { bars, chartFor } from './chart';

describe('chart', () => {
  it('charts one category and one number, by column types', () => {
    expect(chartFor([{ name: 'kind', type: 'text' }, { name: 'n', type: 'bigint' }], [['a', 1]])).toEqual({ label: 0, value: 1 });
    expect(chartFor([{ name: 'kind', type: 'text' }, { name: 'name', type: 'text' }, { name: 'n', type: 'integer' }], [['a', 'b', 1]])).toBeNull();
    expect(chartFor([{ name: 'kind', type: 'text' }], [['a']])).toBeNull();
    expect(chartFor([{ name: 'kind', type: 'text' }, { name: 'n', type: 'integer' }], [])).toBeNull();
  });

  it('judges untyped columns (chat previews) from their values', () => {
    expect(chartFor([{ name: 'kind' }, { name: 'n' }], [['a', 3], ['b', '4.5']])).toEqual({ label: 0, value: 1 });
    expect(chartFor([{ name: 'id' }, { name: 'n' }], [[1, 3]])).toBeNull();
  });

  it('sums repeated categories and keeps the largest first', () => {
    expect(bars([['a', 1], ['b', 5], ['a', 2]], { label: 0, value: 1 })).toEqual([{ label: 'b', value: 5 }, { label: 'a', value: 3 }]);
  });

  it('sorts preview rows numerically and by text, either way', () => {
    const columns = [{ name: 'k' }, { name: 'n' }];
    const rows = [['b', 10], ['a', 9], ['c', null]];
    expect(sortRows(columns, rows, { column: 'n', desc: false }).map((r) => r[0])).toEqual(['c', 'a', 'b']);
    expect(sortRows(columns, rows, { column: 'k', desc: true }).map((r) => r[0])).toEqual(['c', 'b', 'a']);
  });
});
