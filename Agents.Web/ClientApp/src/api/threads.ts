import { request } from './http';
import type { ThreadDetails, ThreadSummary, TokenResponse } from './types';

export const signIn = (userName: string) => request<TokenResponse>('POST', '/api/auth/token', { userName });
export const listThreads = () => request<ThreadSummary[]>('GET', '/api/threads');
export const getThread = (id: string) => request<ThreadDetails>('GET', `/api/threads/${id}`);
export const createThread = (title: string) => request<ThreadSummary>('POST', '/api/threads', { title });
export const renameThread = (id: string, title: string) => request<void>('PATCH', `/api/threads/${id}`, { title });
export const inviteMember = (id: string, userName: string) => request<void>('POST', `/api/threads/${id}/members`, { userName });
