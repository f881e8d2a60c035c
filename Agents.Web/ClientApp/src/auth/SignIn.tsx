import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/http';
import { signIn } from '../api/threads';
import { type Session, saveSession } from './session';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(saveSession(await signIn(name.trim())));
    } catch (e) {
      setError(e instanceof ApiError ? `${e.detail ?? e.title}. ${e.status === 400 ? 'Use 1 to 32 letters, digits, “_”, “.” or “-”.' : e.advice}` : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Agents</h1>
      <p>Chat with people and an agent that plans, runs and explains. Pick a user name to start (a development sign-in: no password).</p>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label htmlFor="user-name">User name</label>
        <input id="user-name" name="userName" autoComplete="username" autoFocus required maxLength={32} pattern="[A-Za-z0-9_.\-]+"
          value={name} onChange={(e) => setName(e.target.value)} aria-invalid={error ? true : undefined} />
        <button type="submit" disabled={busy || !name.trim()}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {error && <p id="sign-in-error" className="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}
