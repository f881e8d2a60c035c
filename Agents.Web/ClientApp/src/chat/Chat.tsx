import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ErrorEvent, ThreadEvent } from '../api/types';
import { useApp } from '../appContext';
import { HubCallError } from '../connection/agentConnection';
import { canSend, describeConnection } from '../connection/connectionState';
import * as outboxOps from '../outbox/outbox';
import { markRead } from '../threads/unread';
import { Composer } from './Composer';
import { PresenceBar } from './PresenceBar';
import { ThreadHeader } from './ThreadHeader';
import { Timeline } from './Timeline';
import { type ThreadState, applyEvent, emptyThread } from './threadState';

// What was folded per thread this session, so opening a thread again only asks for what is new.
const folded = new Map<string, ThreadState>();

export function Chat({ threadId }: { threadId: string }) {
  const { session, connection, outbox, updateOutbox } = useApp();
  const cacheKey = `${session.userName}/${threadId}`;
  const [thread, setThread] = useState<ThreadState>(() => folded.get(cacheKey) ?? emptyThread());
  const threadRef = useRef(thread);
  const [online, setOnline] = useState<string[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [problem, setProblem] = useState<ErrorEvent | null>(null);
  const [joined, setJoined] = useState(false);
  const [draft, setDraft] = useState('');
  const connectionState = useSyncExternalStore(connection.subscribe, connection.getState);
  const flushing = useRef(false);
  const outboxRef = useRef(outbox);
  outboxRef.current = outbox;
  // Outbox changes go to the ref at once (flush reads it between awaits) and to the state (what renders and persists).
  const change = useCallback(
    (fn: (o: outboxOps.Outbox) => outboxOps.Outbox) => {
      outboxRef.current = fn(outboxRef.current);
      updateOutbox(fn);
    },
    [updateOutbox],
  );

  const apply = useCallback(
    (event: ThreadEvent) => {
      const next = applyEvent(threadRef.current, event);
      if (next === threadRef.current) return;
      threadRef.current = next;
      folded.set(cacheKey, next);
      setThread(next);
      if (event.type === 'user_message') change((o) => outboxOps.confirm(o, [String(event.payload.client_message_id ?? '')]));
      if (event.type === 'thread_renamed' || event.type === 'member_added') dispatchEvent(new CustomEvent('agents:threads-changed'));
    },
    [cacheKey, change],
  );

  // Sends what the outbox holds for this thread, one at a time and in order, each with its own clientMessageId.
  const flush = useCallback(async () => {
    if (flushing.current) return;
    flushing.current = true;
    try {
      for (;;) {
        const entry = outboxOps.toSend(outboxRef.current, threadId)[0];
        if (!entry || !connection.connected) return;
        change((o) => outboxOps.markSending(o, entry.clientMessageId));
        try {
          const result = await connection.sendMessage(threadId, entry.clientMessageId, entry.text);
          change((o) => outboxOps.markSent(o, entry.clientMessageId, result.seq));
        } catch (e) {
          const error = e instanceof HubCallError ? e : new HubCallError(undefined, String(e), false);
          if (outboxOps.isPermanent(error.code)) {
            change((o) => outboxOps.markFailed(o, entry.clientMessageId, error.message));
            continue;
          }
          // Connection lost, rate limited or unavailable: back in the queue, sent again later with the same id.
          change((o) => outboxOps.requeue(o, entry.clientMessageId));
          if (!error.connectionLost) setTimeout(() => void flush(), 2000);
          return;
        }
      }
    } finally {
      flushing.current = false;
    }
  }, [change, connection, threadId]);

  useEffect(() => {
    const remove = connection.addHandlers({
      threadEvent: (e) => e.threadId === threadId && apply(e),
      typing: (e) => {
        if (e.threadId !== threadId || e.userName === session.userName) return;
        setTyping((t) => {
          const next = { ...t };
          if (e.isTyping) next[e.userName] = Date.now() + 6000;
          else delete next[e.userName];
          return next;
        });
      },
      presence: (e) => e.threadId === threadId && setOnline(e.users),
      error: (e) => {
        if (e.operation === 'SendMessage') return; // shown on the message itself
        setProblem(e);
      },
      joined: (result) => {
        if (result.threadId !== threadId) return;
        setOnline(result.online);
        setJoined(true);
        setProblem((p) => (p?.operation === 'JoinThread' ? null : p));
        void flush();
      },
    });
    void connection.open(threadId, () => threadRef.current.lastSeq);
    return () => {
      remove();
      void connection.close(threadId);
    };
  }, [apply, connection, flush, session.userName, threadId]);

  useEffect(() => {
    if (connectionState.status !== 'connected') setJoined(false);
  }, [connectionState.status]);

  // Typing expires on its own if the "stopped" notice is lost.
  useEffect(() => {
    const names = Object.keys(typing);
    if (names.length === 0) return;
    const timer = setInterval(() => {
      const now = Date.now();
      setTyping((t) => Object.fromEntries(Object.entries(t).filter(([, until]) => until > now)));
    }, 1000);
    return () => clearInterval(timer);
  }, [typing]);

  useEffect(() => {
    if (thread.lastSeq > 0 && document.visibilityState === 'visible') markRead(session.userName, threadId, thread.lastSeq);
  }, [session.userName, thread.lastSeq, threadId]);

  const send = (text: string) => {
    const id = outboxOps.newClientMessageId();
    change((o) => outboxOps.enqueue(o, threadId, text, id));
    void flush();
  };

  const pending = outboxOps.visible(outbox, threadId);
  const live = canSend(connectionState.status) && joined;

  return (
    <main className="chat" aria-label="Chat">
      <ThreadHeader threadId={threadId} title={thread.title} />
      <PresenceBar online={online} typing={Object.keys(typing)} bot={thread.bot.status} me={session.userName} />
      {problem && (
        <div className="error banner" role="alert">
          {problem.message} {problem.code === 'not_member' || problem.code === 'not_found' ? 'Pick another thread from the list.' : problem.code === 'rate_limited' ? 'Slow down a little and try again.' : ''}
          <button type="button" className="link" onClick={() => setProblem(null)}>Dismiss</button>
        </div>
      )}
      <Timeline
        thread={thread}
        pending={pending}
        me={session.userName}
        live={live}
        onRetry={(id) => {
          change((o) => outboxOps.requeue(o, id));
          void flush();
        }}
        onDiscard={(id) => change((o) => outboxOps.discard(o, id))}
        onSuggest={(text) => setDraft(text)}
      />
      <Composer
        threadId={threadId}
        live={live}
        explanation={live ? undefined : connectionState.status === 'connected' ? 'Joining the thread…' : describeConnection(connectionState).explanation}
        draft={draft}
        onDraft={setDraft}
        onSend={send}
      />
    </main>
  );
}
