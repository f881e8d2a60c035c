import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../api/http';
import { createThread, listThreads } from '../api/threads';
import type { ThreadEvent, ThreadSummary } from '../api/types';
import { useApp } from '../appContext';
import { threadHref } from '../routes';
import { countUnread, readMarks } from './unread';

const pollMs = 5000;

/** The threads you are in, newest first, with unread counts refreshed every few seconds. */
export function ThreadList({ activeId }: { activeId?: string }) {
  const { session } = useApp();
  const [threads, setThreads] = useState<ThreadSummary[] | null>(null);
  const [unread, setUnread] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);
  const counted = useRef<Record<string, { lastSeq: number; read: number; count: number }>>({});

  const refresh = useCallback(async () => {
    try {
      const list = await listThreads();
      setThreads(list);
      setError(null);
      const marks = readMarks(session.userName);
      const next: Record<string, number> = {};
      for (const thread of list) {
        const read = marks[thread.id] ?? 0;
        const cached = counted.current[thread.id];
        if (thread.lastSeq <= read) next[thread.id] = 0;
        else if (cached && cached.lastSeq === thread.lastSeq && cached.read === read) next[thread.id] = cached.count;
        else {
          const page = await request<{ events: ThreadEvent[] }>('GET', `/api/threads/${thread.id}/events?afterSeq=${read}&limit=1000`);
          next[thread.id] = countUnread(page.events, session.userName);
          counted.current[thread.id] = { lastSeq: thread.lastSeq, read, count: next[thread.id] };
        }
      }
      setUnread(next);
    } catch (e) {
      setError(e instanceof ApiError ? `Could not load your threads: ${e.advice}` : String(e));
    }
  }, [session.userName]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), pollMs);
    const onChanged = () => void refresh();
    addEventListener('agents:threads-changed', onChanged);
    return () => {
      clearInterval(timer);
      removeEventListener('agents:threads-changed', onChanged);
    };
  }, [refresh]);

  return (
    <nav className="thread-list" aria-label="Threads">
      <NewThread />
      {error && <p className="error" role="alert">{error}</p>}
      {threads === null ? (
        <p className="muted">Loading threads…</p>
      ) : threads.length === 0 ? (
        <p className="muted">No threads yet: start one above, or ask someone to invite you.</p>
      ) : (
        <ul>
          {[...threads].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((t) => {
            const count = t.id === activeId ? 0 : unread[t.id] ?? 0;
            return (
              <li key={t.id}>
                <a href={threadHref(t.id)} aria-current={t.id === activeId ? 'page' : undefined} data-testid="thread-link">
                  <span className="title">{t.title}</span>
                  {count > 0 && <span className="badge" aria-label={`${count} unread`}>{count}</span>}
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}

function NewThread() {
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const thread = await createThread(title.trim());
      setTitle('');
      setError(null);
      dispatchEvent(new CustomEvent('agents:threads-changed'));
      location.hash = threadHref(thread.id);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.detail ?? e.title}. ${e.advice}` : String(e));
    }
  }

  return (
    <form className="new-thread" onSubmit={submit}>
      <label htmlFor="new-thread-title">New thread</label>
      <div className="row">
        <input id="new-thread-title" value={title} maxLength={200} placeholder="Title" onChange={(e) => setTitle(e.target.value)} />
        <button type="submit" disabled={!title.trim()}>Create</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
