import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useToken } from './api/http';
import { SignIn } from './auth/SignIn';
import { type Session, clearSession, loadSession } from './auth/session';
import { AppContext, type AppServices } from './appContext';
import { Chat } from './chat/Chat';
import { AgentConnection } from './connection/agentConnection';
import { ConnectionBadge } from './connection/ConnectionBadge';
import { type Outbox, load } from './outbox/outbox';
import { RulesPage } from './rules/RulesPage';
import { ruleHref, useRoute } from './routes';
import { ThreadList } from './threads/ThreadList';

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  useToken(() => session?.token ?? null);
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <SignedIn
      key={session.userName}
      session={session}
      onSignOut={() => {
        clearSession();
        setSession(null);
      }}
    />
  );
}

function useOutbox(userName: string) {
  const storageKey = `agents.outbox.${userName}`;
  const [outbox, setOutbox] = useState<Outbox>(() => load(localStorage.getItem(storageKey)));
  useEffect(() => localStorage.setItem(storageKey, JSON.stringify(outbox)), [outbox, storageKey]);
  const updateOutbox = useCallback((change: (o: Outbox) => Outbox) => setOutbox(change), []);
  return { outbox, updateOutbox };
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const [connection, setConnection] = useState<AgentConnection | null>(null);
  const { outbox, updateOutbox } = useOutbox(session.userName);

  useEffect(() => {
    const created = new AgentConnection(() => session.token);
    setConnection(created);
    void created.start();
    return () => void created.stop();
  }, [session.token]);

  const services = useMemo<AppServices | null>(
    () => (connection ? { session, connection, outbox, updateOutbox } : null),
    [connection, session, outbox, updateOutbox],
  );
  if (!services) return null;

  const threadOpen = route.page === 'threads' && route.threadId !== undefined;
  return (
    <AppContext.Provider value={services}>
      <div className={`shell ${threadOpen ? 'thread-open' : ''}`}>
        <header className="top-bar">
          <a className="brand" href="#/">Agents</a>
          <nav aria-label="Main">
            <a href="#/" aria-current={route.page === 'threads' ? 'page' : undefined}>Chats</a>
            <a href={ruleHref()} aria-current={route.page === 'rules' ? 'page' : undefined}>Rules</a>
          </nav>
          <ConnectionStatus connection={connection!} />
          <span className="me" aria-label="Signed in as">{session.userName}</span>
          <button type="button" className="link" onClick={onSignOut}>Sign out</button>
        </header>
        {route.page === 'rules' ? (
          <RulesPage ruleId={route.ruleId} />
        ) : (
          <div className="chats">
            <ThreadList activeId={route.threadId} />
            {route.threadId ? <Chat key={route.threadId} threadId={route.threadId} /> : <EmptyChat />}
          </div>
        )}
      </div>
    </AppContext.Provider>
  );
}

function ConnectionStatus({ connection }: { connection: AgentConnection }) {
  const state = useSyncExternalStore(connection.subscribe, connection.getState);
  return <ConnectionBadge state={state} onReconnect={() => void connection.start()} />;
}

function EmptyChat() {
  return (
    <main className="chat empty" aria-label="No thread open">
      <h2>Pick a thread, or start one</h2>
      <p>In a thread, write to the people in it and to the agent. Try <code>help</code>, <code>system report</code>,
        <code>run echo hello</code> or <code>run Find all patterns where kind equals pattern</code>.</p>
    </main>
  );
}
