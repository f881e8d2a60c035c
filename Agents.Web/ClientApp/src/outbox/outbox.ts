// Messages someone sent that the thread's log does not show yet. Each has a clientMessageId made once, when it was
// typed; every retry reuses it, and the hub's SendMessage is idempotent on it, so a message is never lost (it stays
// here, also across a page reload, until its user_message event arrives) and never doubled.

export type OutboxState = 'queued' | 'sending' | 'sent' | 'failed';

export interface OutboxEntry {
  clientMessageId: string;
  threadId: string;
  text: string;
  createdAt: string;
  state: OutboxState;
  seq?: number;
  error?: string;
}

export type Outbox = readonly OutboxEntry[];

export const newClientMessageId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;

export function enqueue(outbox: Outbox, threadId: string, text: string, clientMessageId = newClientMessageId(), now = new Date()): Outbox {
  return [...outbox, { clientMessageId, threadId, text, createdAt: now.toISOString(), state: 'queued' }];
}

const update = (outbox: Outbox, id: string, change: Partial<OutboxEntry>): Outbox =>
  outbox.map((e) => (e.clientMessageId === id ? { ...e, ...change } : e));

export const markSending = (outbox: Outbox, id: string) => update(outbox, id, { state: 'sending', error: undefined });
export const markSent = (outbox: Outbox, id: string, seq: number) => update(outbox, id, { state: 'sent', seq });
export const markFailed = (outbox: Outbox, id: string, error: string) => update(outbox, id, { state: 'failed', error });
/** Back in the queue: the connection dropped before the hub answered, so it is sent again (same id) after reconnect. */
export const requeue = (outbox: Outbox, id: string) => update(outbox, id, { state: 'queued', error: undefined });
export const discard = (outbox: Outbox, id: string): Outbox => outbox.filter((e) => e.clientMessageId !== id);

/** Removes the entries whose message is now in the log (their user_message event carries the same clientMessageId). */
export function confirm(outbox: Outbox, clientMessageIds: Iterable<string>): Outbox {
  const seen = new Set(clientMessageIds);
  return seen.size === 0 ? outbox : outbox.filter((e) => !seen.has(e.clientMessageId));
}

/** What still has to be sent for a thread, oldest first. */
export const toSend = (outbox: Outbox, threadId: string): OutboxEntry[] => outbox.filter((e) => e.threadId === threadId && e.state === 'queued');

/** What the chat shows under the log for a thread: everything not confirmed yet. */
export const visible = (outbox: Outbox, threadId: string): OutboxEntry[] => outbox.filter((e) => e.threadId === threadId);

/** After a reload, a send that was in flight is queued again: its answer was lost with the page. */
export function load(raw: string | null): Outbox {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as OutboxEntry[];
    return Array.isArray(parsed) ? parsed.map((e) => (e.state === 'sending' ? { ...e, state: 'queued' } : e)) : [];
  } catch {
    return [];
  }
}

/** Errors that will not go away by sending again: the entry is marked failed and waits for the person to decide. */
const permanent = new Set(['validation', 'message_too_large', 'not_member', 'not_found', 'unauthorized']);
export const isPermanent = (code: string | undefined): boolean => code !== undefined && permanent.has(code);
