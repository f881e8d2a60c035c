import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AppContext, type AppServices } from '../appContext';
import type { AgentConnection } from '../connection/agentConnection';
import { ConnectionBadge } from '../connection/ConnectionBadge';
import { enqueue } from '../outbox/outbox';
import { PlanCard } from './PlanCard';
import { Timeline } from './Timeline';
import { type Plan, emptyThread } from './threadState';

afterEach(cleanup);

function withConnection(connection: Partial<AgentConnection>, ui: React.ReactNode) {
  const services = { session: { userName: 'alice', token: 't', expiresAt: '' }, connection, outbox: [], updateOutbox: () => undefined } as unknown as AppServices;
  return render(<AppContext.Provider value={services}>{ui}</AppContext.Provider>);
}

const waitingPlan: Plan = {
  workflowId: 'w',
  goal: 'run echo hi',
  status: 'waiting_approval',
  percentage: 0,
  stage: '',
  steps: [{ stepNumber: 1, action: 'Run echo', tool: 'commands.run', arguments: { command: 'echo', arguments: 'hi' }, requiresApproval: true, status: 'waiting_approval' }],
  approval: { stepNumber: 1, action: 'Run echo', details: 'Runs a command', tool: 'commands.run', arguments: { command: 'echo', arguments: 'hi' } },
};

describe('PlanCard', () => {
  it('approves with the arguments as edited', async () => {
    const approve = vi.fn().mockResolvedValue({ workflowId: 'w', status: 'approved' });
    withConnection({ approve }, <PlanCard plan={waitingPlan} live />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit arguments' }));
    fireEvent.change(screen.getByLabelText('arguments'), { target: { value: 'bye' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve with these arguments' }));
    expect(approve).toHaveBeenCalledWith('w', true, expect.any(String), { command: 'echo', arguments: 'bye' });
  });

  it('rejects, and cancels', async () => {
    const approve = vi.fn().mockResolvedValue({});
    const cancel = vi.fn().mockResolvedValue({});
    withConnection({ approve, cancel }, <PlanCard plan={waitingPlan} live />);
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    expect(approve).toHaveBeenCalledWith('w', false, expect.any(String), null);
    await waitFor(() => expect((screen.getByRole('button', { name: 'Cancel plan' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel plan' }));
    expect(cancel).toHaveBeenCalledWith('w');
  });

  it('disables decisions while the connection is down, and says why', () => {
    withConnection({}, <PlanCard plan={waitingPlan} live={false} />);
    expect((screen.getByRole("button", { name: "Approve" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/come back when the connection does/)).toBeTruthy();
  });

  it('shows command output collapsed, with its exit code', () => {
    const done: Plan = { ...waitingPlan, status: 'completed', approval: undefined, percentage: 100, summary: 'Done **well**',
      steps: [{ ...waitingPlan.steps[0], status: 'completed', command: 'echo hi', output: 'hi\n', exitCode: 0, durationMs: 3 }] };
    withConnection({}, <PlanCard plan={done} live />);
    const details = screen.getByText(/Output \(exit 0, 3 ms\)/).closest('details')!;
    expect(details.open).toBe(false);
    expect(screen.queryByRole('button', { name: 'Cancel plan' })).toBeNull();
    expect(screen.getByText('well').tagName).toBe('STRONG');
  });
});

describe('Timeline', () => {
  it('shows an outbox message once: as pending until its event is in the log, then from the log', () => {
    const pending = enqueue([], 't', 'hello <b>there</b>', 'c1');
    const props = { me: 'alice', live: true, onRetry: vi.fn(), onDiscard: vi.fn(), onSuggest: vi.fn() };
    const { rerender } = withConnection({}, <Timeline thread={emptyThread()} pending={[...pending]} {...props} />);
    expect(screen.getAllByTestId('message')).toHaveLength(1);
    expect(screen.getByTestId('message').dataset.pending).toBe('queued');
    expect(screen.getByText(/hello <b>there<\/b>/)).toBeTruthy(); // shown as text, not markup

    const thread = { ...emptyThread(), lastSeq: 1, items: [{ kind: 'message' as const, seq: 1, author: 'alice', text: 'hello <b>there</b>', clientMessageId: 'c1', at: '' }] };
    rerender(
      <AppContext.Provider value={{ connection: {} } as unknown as AppServices}>
        <Timeline thread={thread} pending={[...pending]} {...props} />
      </AppContext.Provider>,
    );
    expect(screen.getAllByTestId('message')).toHaveLength(1);
    expect(screen.getByTestId('message').dataset.pending).toBeUndefined();
  });
});

describe('ConnectionBadge', () => {
  it('names the state and offers a reconnect only when disconnected', () => {
    const reconnect = vi.fn();
    const { rerender } = render(<ConnectionBadge state={{ status: 'reconnecting', failures: 0 }} onReconnect={reconnect} />);
    expect(screen.getByRole('status').textContent).toContain('Reconnecting');
    expect(screen.queryByRole('button')).toBeNull();
    rerender(<ConnectionBadge state={{ status: 'disconnected', failures: 1 }} onReconnect={reconnect} />);
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(reconnect).toHaveBeenCalled();
  });
});
