import { toHubCallError } from './agentConnection';
import { canSend, describeConnection, initialConnection, nextConnection, retryDelayMs } from './connectionState';

describe('connection state', () => {
  it('goes connecting -> connected -> reconnecting -> connected, sending only when connected', () => {
    let state = nextConnection(initialConnection, { type: 'start' });
    expect(state.status).toBe('connecting');
    expect(canSend(state.status)).toBe(false);
    state = nextConnection(state, { type: 'started' });
    expect(state.status).toBe('connected');
    expect(canSend(state.status)).toBe(true);
    state = nextConnection(state, { type: 'reconnecting', error: 'gone' });
    expect(state.status).toBe('reconnecting');
    expect(canSend(state.status)).toBe(false);
    expect(describeConnection(state).explanation).toMatch(/kept and sent/);
    state = nextConnection(state, { type: 'reconnected' });
    expect(state).toEqual({ status: 'connected', failures: 0 });
  });

  it('counts failures while disconnected and backs off up to 5 s', () => {
    let state = nextConnection(initialConnection, { type: 'start_failed', error: 'refused' });
    state = nextConnection(state, { type: 'closed' });
    expect(state).toMatchObject({ status: 'disconnected', failures: 2 });
    expect(describeConnection({ ...state, error: 'refused' }).explanation).toContain('refused');
    expect([0, 1, 2, 3, 4, 10, 100].map(retryDelayMs)).toEqual([0, 1000, 2000, 3000, 5000, 5000, 5000]);
  });

  it('reads the hub error code from a failed call', () => {
    const error = toHubCallError(new Error("An unexpected error occurred invoking 'SendMessage' on the server. HubException: rate_limited: Slow down."), true);
    expect(error).toMatchObject({ code: 'rate_limited', message: 'Slow down.', connectionLost: false });
    expect(toHubCallError(new Error('Invocation canceled due to the underlying connection being closed.'), false).connectionLost).toBe(true);
  });
});
