// The four states the connection is shown in, what each means for people, and how long to wait between attempts.

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export type ConnectionSignal =
  | { type: 'start' }
  | { type: 'started' }
  | { type: 'start_failed'; error: string }
  | { type: 'reconnecting'; error?: string }
  | { type: 'reconnected' }
  | { type: 'closed'; error?: string };

export interface ConnectionState {
  status: ConnectionStatus;
  error?: string;
  /** How many times in a row connecting failed (drives the back-off). */
  failures: number;
}

export const initialConnection: ConnectionState = { status: 'disconnected', failures: 0 };

export function nextConnection(state: ConnectionState, signal: ConnectionSignal): ConnectionState {
  switch (signal.type) {
    case 'start':
      return { ...state, status: 'connecting' };
    case 'started':
    case 'reconnected':
      return { status: 'connected', failures: 0 };
    case 'start_failed':
      return { status: 'disconnected', error: signal.error, failures: state.failures + 1 };
    case 'reconnecting':
      return { ...state, status: 'reconnecting', error: signal.error };
    case 'closed':
      return { status: 'disconnected', error: signal.error, failures: state.failures + 1 };
  }
}

export const canSend = (status: ConnectionStatus): boolean => status === 'connected';

export function describeConnection(state: ConnectionState): { label: string; explanation: string } {
  switch (state.status) {
    case 'connected':
      return { label: 'Connected', explanation: 'Live: messages and updates arrive as they happen.' };
    case 'connecting':
      return { label: 'Connecting', explanation: 'Connecting to the server…' };
    case 'reconnecting':
      return {
        label: 'Reconnecting',
        explanation: 'The connection dropped; reconnecting. What you send now is kept and sent once the connection is back.',
      };
    case 'disconnected':
      return {
        label: 'Disconnected',
        explanation: `Not connected${state.error ? ` (${state.error})` : ''}. What you send is kept; it retries by itself, or use “Reconnect”.`,
      };
  }
}

/** Delay before the next automatic attempt: quick at first, then every 5 s, so a server that comes back is found soon. */
export function retryDelayMs(attempt: number): number {
  const steps = [0, 1000, 2000, 3000, 5000];
  return steps[Math.min(attempt, steps.length - 1)];
}
