// A result gets a bar chart when it has exactly one category (text) column and one numeric column.

export interface Column {
  name: string;
  type?: string;
}

const numericTypes = /^(smallint|integer|bigint|int[248]?|numeric|decimal|real|double precision|float[48]?|money)/i;
const textTypes = /^(text|character varying|varchar|character|char|name|citext|bool|boolean|uuid)/i;

function kindOf(column: Column, index: number, rows: unknown[][]): 'number' | 'category' | 'other' {
  if (column.type) return numericTypes.test(column.type) ? 'number' : textTypes.test(column.type) ? 'category' : 'other';
  // No type (a preview in the chat): judge from the values.
  const values = rows.map((r) => r[index]).filter((v) => v !== null && v !== undefined);
  if (values.length === 0) return 'other';
  if (values.every((v) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))))) return 'number';
  return values.every((v) => typeof v === 'string' || typeof v === 'boolean') ? 'category' : 'other';
}

export interface ChartSpec {
  label: number;
  value: number;
}

export function chartFor(columns: Column[], rows: unknown[][]): ChartSpec | null {
  if (rows.length === 0) return null;
  const kinds = columns.map((c, i) => kindOf(c, i, rows));
  const categories = kinds.flatMap((k, i) => (k === 'category' ? [i] : []));
  const numbers = kinds.flatMap((k, i) => (k === 'number' ? [i] : []));
  return categories.length === 1 && numbers.length === 1 ? { label: categories[0], value: numbers[0] } : null;
}

export interface Bar {
  label: string;
  value: number;
}

/** Sums values per label (a category may repeat) and keeps the largest ones. */
export function bars(rows: unknown[][], spec: ChartSpec, max = 20): Bar[] {
  const totals = new Map<string, number>();
  for (const row of rows) {
    const label = String(row[spec.label] ?? '(none)');
    totals.set(label, (totals.get(label) ?? 0) + Number(row[spec.value] ?? 0));
  }
  return [...totals].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value).slice(0, max);
}
