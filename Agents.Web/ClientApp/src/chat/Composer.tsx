import { type FormEvent, type KeyboardEvent, useEffect, useRef } from 'react';
import { useApp } from '../appContext';

const maxLength = 8000;

/**
 * The message box. While the connection is down, live sending is off and the box says why; what is sent then goes
 * to the outbox and out after reconnect. Typing notices are refreshed every 2 s while typing and stop after 3 s idle.
 */
export function Composer({ threadId, live, explanation, draft, onDraft, onSend }: {
  threadId: string;
  live: boolean;
  explanation?: string;
  draft: string;
  onDraft: (text: string) => void;
  onSend: (text: string) => void;
}) {
  const { connection } = useApp();
  const lastTyping = useRef(0);
  const stopTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const box = useRef<HTMLTextAreaElement>(null);

  const stopTyping = () => {
    clearTimeout(stopTimer.current);
    if (lastTyping.current !== 0) {
      lastTyping.current = 0;
      connection.typing(threadId, false).catch(() => undefined);
    }
  };

  useEffect(() => () => clearTimeout(stopTimer.current), []);
  useEffect(() => box.current?.focus(), [threadId]);

  function changed(text: string) {
    onDraft(text);
    if (!live) return;
    if (!text) return stopTyping();
    const now = Date.now();
    if (now - lastTyping.current > 2000) {
      lastTyping.current = now;
      connection.typing(threadId, true).catch(() => undefined);
    }
    clearTimeout(stopTimer.current);
    stopTimer.current = setTimeout(stopTyping, 3000);
  }

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    stopTyping();
    onSend(text);
    onDraft('');
    box.current?.focus();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  const tooLong = draft.length > maxLength;
  return (
    <form className={`composer ${live ? '' : 'offline'}`} onSubmit={submit}>
      <label htmlFor="message" className="visually-hidden">Message</label>
      {!live && explanation && <p id="composer-note" className="composer-note" role="status">{explanation}</p>}
      <textarea id="message" ref={box} rows={2} value={draft} placeholder={live ? 'Write a message (Enter sends, Shift+Enter for a new line)' : 'Write now; it is sent when the connection is back'}
        aria-describedby={!live && explanation ? 'composer-note' : undefined} aria-invalid={tooLong || undefined}
        onChange={(e) => changed(e.target.value)} onKeyDown={keyDown} />
      <button type="submit" disabled={!draft.trim() || tooLong}>{live ? 'Send' : 'Send when connected'}</button>
      {tooLong && <p className="error" role="alert">Too long: {draft.length} of {maxLength} characters. Shorten it or split it in two.</p>}
    </form>
  );
}
