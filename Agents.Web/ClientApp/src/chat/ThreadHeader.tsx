import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/http';
import { getThread, inviteMember, renameThread } from '../api/threads';
import type { ThreadDetails } from '../api/types';

/** Title (rename in place), members, invite by user name. */
export function ThreadHeader({ threadId, title }: { threadId: string; title?: string }) {
  const [details, setDetails] = useState<ThreadDetails | null>(null);
  const [editing, setEditing] = useState(false);
  const [newTitle, setNewTitle] = useState('');
  const [invitee, setInvitee] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const load = useCallback(async () => {
    try {
      setDetails(await getThread(threadId));
    } catch (e) {
      setMessage({ text: e instanceof ApiError ? `This thread cannot be opened. ${e.advice}` : String(e), error: true });
    }
  }, [threadId]);

  useEffect(() => {
    void load();
  }, [load, title]);

  const shownTitle = title ?? details?.title ?? 'Thread';

  async function rename(event: FormEvent) {
    event.preventDefault();
    try {
      await renameThread(threadId, newTitle.trim());
      setEditing(false);
      setMessage(null);
    } catch (e) {
      setMessage({ text: e instanceof ApiError ? `Not renamed: ${e.detail ?? e.title}. ${e.advice}` : String(e), error: true });
    }
  }

  async function invite(event: FormEvent) {
    event.preventDefault();
    const name = invitee.trim();
    try {
      await inviteMember(threadId, name);
      setInvitee('');
      setMessage({ text: `${name} was added.`, error: false });
      void load();
    } catch (e) {
      setMessage({ text: e instanceof ApiError ? `${name} was not added: ${e.detail ?? e.title}. ${e.advice}` : String(e), error: true });
    }
  }

  return (
    <header className="thread-header">
      <a className="back" href="#/" aria-label="Back to threads">‹</a>
      {editing ? (
        <form onSubmit={rename} className="row">
          <label htmlFor="rename-title" className="visually-hidden">Thread title</label>
          <input id="rename-title" autoFocus value={newTitle} maxLength={200} onChange={(e) => setNewTitle(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)} />
          <button type="submit" disabled={!newTitle.trim()}>Save</button>
          <button type="button" className="secondary" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        <h2>
          {shownTitle}{' '}
          <button type="button" className="link small" onClick={() => { setNewTitle(shownTitle); setEditing(true); }}>Rename</button>
        </h2>
      )}
      <details className="members">
        <summary>Members ({details?.members.length ?? '…'})</summary>
        <ul>
          {details?.members.map((m) => <li key={m.userName}>{m.userName}{m.role === 'owner' ? ' (owner)' : ''}</li>)}
        </ul>
        <form onSubmit={invite} className="row">
          <label htmlFor="invite-name">Invite by user name</label>
          <input id="invite-name" value={invitee} maxLength={32} onChange={(e) => setInvitee(e.target.value)} />
          <button type="submit" disabled={!invitee.trim()}>Invite</button>
        </form>
      </details>
      {message && <p className={message.error ? 'error' : 'muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
    </header>
  );
}
