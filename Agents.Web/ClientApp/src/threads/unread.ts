// Unread counts: messages (from others, or the agent's replies) after the last seq this user saw in a thread.
// Where the user read up to is kept in this browser; the server's thread list gives each thread's last seq.
import type { ThreadEvent } from '../api/types';

export function countUnread(events: ThreadEvent[], me: string): number {
  return events.filter((e) => (e.type === 'user_message' && e.payload.author !== me) || e.type === 'llm_response').length;
}

export function readMarks(userName: string): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem(`agents.read.${userName}`) ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

export function markRead(userName: string, threadId: string, seq: number): void {
  const marks = readMarks(userName);
  if ((marks[threadId] ?? 0) >= seq) return;
  marks[threadId] = seq;
  localStorage.setItem(`agents.read.${userName}`, JSON.stringify(marks));
}
