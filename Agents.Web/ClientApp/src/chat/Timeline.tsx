import { useEffect, useRef, useState } from 'react';
import { useApp } from '../appContext';
import { Markdown } from '../markdown/Markdown';
import type { OutboxEntry } from '../outbox/outbox';
import { PlanCard } from './PlanCard';
import { RuleCard } from './RuleCard';
import type { ThreadState, TimelineItem } from './threadState';

const time = (iso: string) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');

export function Timeline({ thread, pending, me, live, onRetry, onDiscard, onSuggest }: {
  thread: ThreadState;
  pending: OutboxEntry[];
  me: string;
  live: boolean;
  onRetry: (clientMessageId: string) => void;
  onDiscard: (clientMessageId: string) => void;
  onSuggest: (text: string) => void;
}) {
  const end = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const inLog = new Set(thread.items.flatMap((i) => (i.kind === 'message' ? [i.clientMessageId] : [])));
  const stillPending = pending.filter((p) => !inLog.has(p.clientMessageId));
  const lastReply = thread.items.findLast((i) => i.kind === 'reply');
  const signature = `${thread.lastSeq}/${stillPending.length}/${lastReply?.kind === 'reply' ? lastReply.text.length : 0}`;

  // Follow new content unless the reader scrolled up to read something older.
  useEffect(() => {
    const el = list.current;
    if (!el) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 200) end.current?.scrollIntoView?.({ block: 'end' });
  }, [signature]);

  return (
    <div className="timeline" ref={list} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
      {thread.items.length === 0 && stillPending.length === 0 && <p className="muted">No messages yet. Say hello, or ask the agent for <code>help</code>.</p>}
      {thread.items.map((item) => (
        <Item key={`${item.kind}-${item.seq}-${'runId' in item ? item.runId : 'workflowId' in item ? item.workflowId : ''}`} item={item} thread={thread} me={me} live={live} onSuggest={onSuggest} />
      ))}
      {stillPending.map((p) => (
        <article key={p.clientMessageId} className={`message mine pending ${p.state}`} data-testid="message" data-pending={p.state}>
          <header><strong>{me}</strong> <span className="muted">{p.state === 'failed' ? 'not sent' : p.state === 'queued' ? 'waiting for the connection' : 'sending…'}</span></header>
          <Markdown text={p.text} />
          {p.state === 'failed' && (
            <p className="error" role="alert">
              {p.error} <button type="button" className="link" onClick={() => onRetry(p.clientMessageId)}>Send again</button>{' '}
              <button type="button" className="link" onClick={() => onDiscard(p.clientMessageId)}>Discard</button>
            </p>
          )}
        </article>
      ))}
      <div ref={end} />
    </div>
  );
}

function Item({ item, thread, me, live, onSuggest }: { item: TimelineItem; thread: ThreadState; me: string; live: boolean; onSuggest: (text: string) => void }) {
  switch (item.kind) {
    case 'message':
      return (
        <article className={`message ${item.author === me ? 'mine' : ''}`} data-testid="message" data-seq={item.seq} data-author={item.author}>
          <header><strong>{item.author}</strong> <time className="muted" dateTime={item.at}>{time(item.at)}</time></header>
          <Markdown text={item.text} />
        </article>
      );
    case 'reply':
      return <Reply item={item} live={live} />;
    case 'plan': {
      const plan = thread.plans[item.workflowId];
      return plan ? <PlanCard plan={plan} live={live} /> : null;
    }
    case 'rule': {
      const run = thread.rules[item.runId];
      return run ? <RuleCard run={run} onSuggest={onSuggest} /> : null;
    }
    case 'notice':
      return <p className="notice" data-seq={item.seq}>{item.text}</p>;
    case 'error':
      return (
        <div className="error-card" role="alert">
          <p>{item.message}</p>
          {item.suggestions.length > 0 && <Suggestions items={item.suggestions} onSuggest={onSuggest} />}
        </div>
      );
  }
}

function Reply({ item, live }: { item: Extract<TimelineItem, { kind: 'reply' }>; live: boolean }) {
  const { connection } = useApp();
  const [error, setError] = useState<string | null>(null);
  // A reply is a run like a plan: cancelling it stops the model's stream and keeps what was said.
  const stop = () => connection.cancel(item.runId).then(() => setError(null), (e: Error) => setError(`Not stopped: ${e.message}`));
  return (
    <article className={`message agent ${item.streaming ? 'streaming' : ''}`} data-testid="reply" data-streaming={item.streaming} aria-busy={item.streaming}>
      <header>
        <strong>Agent</strong> <time className="muted" dateTime={item.at}>{time(item.at)}</time>
        {item.streaming && <span className="muted"> writing…</span>}
        {item.streaming && <button type="button" className="link small" disabled={!live} onClick={stop}>Stop</button>}
      </header>
      <Markdown text={item.text} />
      {error && <p className="error" role="alert">{error}</p>}
    </article>
  );
}

export function Suggestions({ items, onSuggest, prefix = '' }: { items: string[]; onSuggest: (text: string) => void; prefix?: string }) {
  return (
    <div className="suggestions">
      <span>Try:</span>
      <ul>
        {items.map((s) => (
          <li key={s}><button type="button" className="chip" onClick={() => onSuggest(prefix + s)}>{s}</button></li>
        ))}
      </ul>
    </div>
  );
}
