import { download, request } from '../api/http';
import type { Column } from './chart';

export interface Rule {
  id: string;
  name: string;
  text: string;
  sql: string;
  view: string;
  version: number;
  rowCount: number;
  durationMs: number;
  refreshedAt: string;
  createdAt: string;
  createdBy: string;
}

export interface Preview {
  sql: string;
  parameters: Record<string, unknown>;
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  durationMs: number;
}

export interface RowsPage {
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
}

export const previewRule = (text: string) => request<Preview>('POST', '/api/rules/preview', { text });
export const listRules = () => request<Rule[]>('GET', '/api/rules');
export const getRule = (id: string) => request<Rule>('GET', `/api/rules/${id}`);
export const createRule = (text: string, name?: string) => request<Rule>('POST', '/api/rules', name ? { text, name } : { text });
export const deleteRule = (id: string) => request<void>('DELETE', `/api/rules/${id}`);
export const refreshRule = (id: string) => request<Rule>('POST', `/api/rules/${id}/refresh`);

export function ruleRows(id: string, offset: number, limit: number, sort?: { column: string; desc: boolean }) {
  const query = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  if (sort) {
    query.set('sort', sort.column);
    query.set('desc', String(sort.desc));
  }
  return request<RowsPage>('GET', `/api/rules/${id}/rows?${query}`);
}

export const downloadCsv = (rule: Rule) => download(`/api/rules/${rule.id}/csv`, `${rule.name}.csv`);
