import type { ThreadEvent } from '../api/types';
import { applyEvent, applyEvents, emptyThread } from './threadState';

let seq = 0;
const ev = (type: string, payload: Record<string, unknown>): ThreadEvent => ({ threadId: 't', seq: ++seq, type, payload, createdAt: '2026-01-01T00:00:00Z' });

beforeEach(() => {
  seq = 0;
});

describe('applyEvent', () => {
  it('applies each seq once, so a replay overlapping live delivery doubles nothing', () => {
    const events = [ev('thread_created', { title: 'T', owner: 'a' }), ev('user_message', { author: 'a', text: 'hi', client_message_id: 'c1' })];
    const once = applyEvents(emptyThread(), events);
    const twice = applyEvents(once, events);
    expect(twice).toBe(once);
    expect(once.items.filter((i) => i.kind === 'message')).toHaveLength(1);
    expect(once.lastSeq).toBe(2);
    expect(once.title).toBe('T');
  });

  it('streams a reply from its deltas, then replaces it with the final response', () => {
    let state = applyEvents(emptyThread(), [ev('llm_token', { run_id: 'r', index: 0, delta: 'Hel' }), ev('llm_token', { run_id: 'r', index: 1, delta: 'lo' })]);
    expect(state.items).toMatchObject([{ kind: 'reply', text: 'Hello', streaming: true }]);
    state = applyEvent(state, ev('llm_response', { run_id: 'r', response: 'Hello!', model: 'm' }));
    expect(state.items).toHaveLength(1);
    expect(state.items[0]).toMatchObject({ kind: 'reply', text: 'Hello!', streaming: false, model: 'm' });
  });

  it('follows a plan through approval with edited arguments to its result', () => {
    const w = { workflow_id: 'w' };
    const state = applyEvents(emptyThread(), [
      ev('goal_received', { ...w, goal: 'run echo hi' }),
      ev('plan_ready', { ...w, goal: 'run echo hi', steps: [{ step_number: 1, action: 'Run echo', tool: 'commands.run', arguments: { command: 'echo', arguments: 'hi' }, requires_approval: true }] }),
      ev('workflow_approval_required', { ...w, step_number: 1, action: 'Run echo', details: 'd', tool: 'commands.run', arguments: { command: 'echo', arguments: 'hi' } }),
    ]);
    expect(state.plans.w.status).toBe('waiting_approval');
    expect(state.plans.w.approval).toMatchObject({ stepNumber: 1, arguments: { arguments: 'hi' } });
    expect(state.items.filter((i) => i.kind === 'plan')).toHaveLength(1);

    const done = applyEvents(state, [
      ev('workflow_approval', { ...w, step_number: 1, approved: true, by: 'a', arguments: { arguments: 'bye' } }),
      ev('workflow_step_started', { ...w, step_number: 1, total_steps: 1, action: 'Run echo' }),
      ev('command_execution_start', { ...w, step_number: 1, command: 'echo', arguments: ['bye'] }),
      ev('command_execution_end', { ...w, step_number: 1, command: 'echo', exit_code: 0, output: 'bye\n', truncated: false, timed_out: false, duration_ms: 3 }),
      ev('workflow_step_completed', { ...w, step_number: 1, total_steps: 1, action: 'Run echo' }),
      ev('workflow_completed', { ...w, total_steps: 1 }),
      ev('goal_completed', { ...w, goal: 'run echo hi', summary: 'All done' }),
    ]);
    const plan = done.plans.w;
    expect(plan.status).toBe('completed');
    expect(plan.approval).toBeUndefined();
    expect(plan.percentage).toBe(100);
    expect(plan.summary).toBe('All done');
    expect(plan.steps[0]).toMatchObject({ status: 'completed', command: 'echo bye', output: 'bye\n', exitCode: 0, arguments: { command: 'echo', arguments: 'bye' }, decidedBy: 'a' });
  });

  it('marks a rejected step and a cancelled plan', () => {
    const w = { workflow_id: 'w' };
    const state = applyEvents(emptyThread(), [
      ev('plan_ready', { ...w, goal: 'g', steps: [{ step_number: 1, action: 'A', tool: 't', arguments: {}, requires_approval: true }] }),
      ev('workflow_approval_required', { ...w, step_number: 1, action: 'A', details: '', tool: 't', arguments: {} }),
      ev('workflow_approval', { ...w, step_number: 1, approved: false, by: 'a' }),
      ev('workflow_cancelled', { ...w, cancelled_at_step: 1, reason: 'rejected' }),
    ]);
    expect(state.plans.w.status).toBe('cancelled');
    expect(state.plans.w.steps[0].status).toBe('rejected');
  });

  it('shows a rule run: SQL, then its result, or its error with suggestions', () => {
    const ok = applyEvents(emptyThread(), [
      ev('rule_sql_generated', { run_id: 'r', rule: 'find_x', text: 'Find x', sql: 'SELECT 1', translator: 'built-in' }),
      ev('rule_result', { run_id: 'r', rule_id: 'id', rule: 'find_x', rows: 5, view: 'rules.find_x', duration_ms: 4, columns: ['kind', 'n'], preview: [['a', 1]] }),
    ]);
    expect(ok.items.filter((i) => i.kind === 'rule')).toHaveLength(1);
    expect(ok.rules.r).toMatchObject({ sql: 'SELECT 1', result: { ruleId: 'id', rows: 5, columns: ['kind', 'n'] } });

    const bad = applyEvent(emptyThread(), ev('error', { run_id: 'r2', rule: '', message: 'No table "foo"', suggestions: ['Find all patterns'] }));
    expect(bad.rules.r2.error).toEqual({ message: 'No table "foo"', suggestions: ['Find all patterns'] });

    const plain = applyEvent(emptyThread(), ev('error', { message: 'boom' }));
    expect(plain.items).toMatchObject([{ kind: 'error', message: 'boom' }]);
  });

  it('keeps the bot status of the latest bot_status event', () => {
    const state = applyEvents(emptyThread(), [ev('bot_status', { status: 'thinking', run_id: 'r' }), ev('bot_status', { status: 'idle', run_id: 'r' })]);
    expect(state.bot.status).toBe('idle');
  });
});
