// Folds a thread's ordered event log into what the chat shows. Pure: the same events give the same view, and an
// event seen twice (a replay overlapping live delivery) changes nothing, because each seq is applied once.
import type { ThreadEvent } from '../api/types';

export type StepStatus = 'pending' | 'waiting_approval' | 'running' | 'completed' | 'failed' | 'cancelled' | 'rejected';
export type PlanStatus = 'planning' | 'running' | 'waiting_approval' | 'completed' | 'failed' | 'cancelled';

export interface PlanStep {
  stepNumber: number;
  action: string;
  tool: string;
  arguments: Record<string, string>;
  requiresApproval: boolean;
  status: StepStatus;
  command?: string;
  output?: string;
  exitCode?: number;
  durationMs?: number;
  truncated?: boolean;
  timedOut?: boolean;
  result?: string;
  decidedBy?: string;
}

export interface ApprovalRequest {
  stepNumber: number;
  action: string;
  details: string;
  tool: string;
  arguments: Record<string, string>;
}

export interface Plan {
  workflowId: string;
  goal: string;
  steps: PlanStep[];
  status: PlanStatus;
  percentage: number;
  stage: string;
  approval?: ApprovalRequest;
  summary?: string;
  error?: string;
}

export interface RuleRun {
  runId: string;
  rule: string;
  text?: string;
  sql?: string;
  translator?: string;
  result?: { ruleId: string; rows: number; view: string; durationMs: number; columns: string[]; preview: unknown[][] };
  error?: { message: string; suggestions: string[] };
}

export type TimelineItem =
  | { kind: 'message'; seq: number; author: string; text: string; clientMessageId: string; at: string }
  | { kind: 'reply'; seq: number; runId: string; text: string; streaming: boolean; model?: string; at: string }
  | { kind: 'plan'; seq: number; workflowId: string }
  | { kind: 'rule'; seq: number; runId: string }
  | { kind: 'notice'; seq: number; text: string }
  | { kind: 'error'; seq: number; message: string; suggestions: string[] };

export interface BotState {
  status: string;
  runId?: string;
}

export interface ThreadState {
  lastSeq: number;
  title?: string;
  items: TimelineItem[];
  plans: Record<string, Plan>;
  rules: Record<string, RuleRun>;
  bot: BotState;
}

export const emptyThread = (): ThreadState => ({ lastSeq: 0, items: [], plans: {}, rules: {}, bot: { status: 'idle' } });

type Payload = Record<string, unknown>;
const str = (p: Payload, key: string): string => (typeof p[key] === 'string' ? (p[key] as string) : p[key] == null ? '' : String(p[key]));
const num = (p: Payload, key: string): number => (typeof p[key] === 'number' ? (p[key] as number) : Number(p[key] ?? 0));
const args = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out[k] = String(v ?? '');
  return out;
};

function updatePlan(state: ThreadState, workflowId: string, change: (plan: Plan) => Plan): ThreadState {
  const plan = state.plans[workflowId] ?? { workflowId, goal: '', steps: [], status: 'planning', percentage: 0, stage: '' };
  return { ...state, plans: { ...state.plans, [workflowId]: change(plan) } };
}

function updateStep(plan: Plan, stepNumber: number, change: (step: PlanStep) => PlanStep): Plan {
  const exists = plan.steps.some((s) => s.stepNumber === stepNumber);
  const steps = exists
    ? plan.steps.map((s) => (s.stepNumber === stepNumber ? change(s) : s))
    : [...plan.steps, change({ stepNumber, action: '', tool: '', arguments: {}, requiresApproval: false, status: 'pending' })];
  return { ...plan, steps };
}

function updateRule(state: ThreadState, runId: string, rule: string, change: (run: RuleRun) => RuleRun): ThreadState {
  const existing = state.rules[runId];
  const items = existing ? state.items : [...state.items, { kind: 'rule' as const, seq: state.lastSeq, runId }];
  return { ...state, items, rules: { ...state.rules, [runId]: change(existing ?? { runId, rule }) } };
}

function addPlanItem(state: ThreadState, seq: number, workflowId: string): ThreadState {
  if (state.items.some((i) => i.kind === 'plan' && i.workflowId === workflowId)) return state;
  return { ...state, items: [...state.items, { kind: 'plan', seq, workflowId }] };
}

function upsertReply(state: ThreadState, seq: number, runId: string, at: string, change: (text: string) => string, streaming: boolean, model?: string): ThreadState {
  const index = state.items.findIndex((i) => i.kind === 'reply' && i.runId === runId);
  if (index < 0) {
    return { ...state, items: [...state.items, { kind: 'reply', seq, runId, text: change(''), streaming, model, at }] };
  }
  const items = state.items.slice();
  const reply = items[index] as Extract<TimelineItem, { kind: 'reply' }>;
  items[index] = { ...reply, text: change(reply.text), streaming, model: model ?? reply.model };
  return { ...state, items };
}

/** Applies one event of the thread's log; events at or below lastSeq were applied already and are ignored. */
export function applyEvent(previous: ThreadState, event: ThreadEvent): ThreadState {
  if (event.seq <= previous.lastSeq) return previous;
  const p = (event.payload ?? {}) as Payload;
  let state: ThreadState = { ...previous, lastSeq: event.seq };
  const seq = event.seq;
  const workflowId = str(p, 'workflow_id');

  switch (event.type) {
    case 'thread_created':
      return { ...state, title: str(p, 'title'), items: [...state.items, { kind: 'notice', seq, text: `${str(p, 'owner')} started “${str(p, 'title')}”` }] };
    case 'thread_renamed':
      return { ...state, title: str(p, 'title'), items: [...state.items, { kind: 'notice', seq, text: `${str(p, 'renamed_by')} renamed the thread to “${str(p, 'title')}”` }] };
    case 'member_added':
      return { ...state, items: [...state.items, { kind: 'notice', seq, text: `${str(p, 'added_by')} added ${str(p, 'user_name')}` }] };
    case 'user_message':
      return {
        ...state,
        items: [...state.items, { kind: 'message', seq, author: str(p, 'author'), text: str(p, 'text'), clientMessageId: str(p, 'client_message_id'), at: event.createdAt }],
      };
    case 'bot_status':
      return { ...state, bot: { status: str(p, 'status'), runId: str(p, 'run_id') || undefined } };
    case 'llm_token':
      return upsertReply(state, seq, str(p, 'run_id'), event.createdAt, (text) => text + str(p, 'delta'), true);
    case 'llm_response':
      return upsertReply(state, seq, str(p, 'run_id'), event.createdAt, () => str(p, 'response'), false, str(p, 'model') || undefined);
    case 'llm_status': {
      const status = str(p, 'status');
      if (status === 'generating') return state;
      const runId = str(p, 'run_id');
      const reply = state.items.find((i) => i.kind === 'reply' && i.runId === runId);
      if (!reply) return status === 'error' ? { ...state, items: [...state.items, { kind: 'error', seq, message: `The model failed: ${str(p, 'error') || 'no answer'}`, suggestions: [] }] } : state;
      return upsertReply(state, seq, runId, event.createdAt, (t) => t, false);
    }
    case 'goal_received':
      state = updatePlan(state, workflowId, (plan) => ({ ...plan, goal: str(p, 'goal') }));
      return addPlanItem(state, seq, workflowId);
    case 'plan_ready': {
      const steps = Array.isArray(p.steps) ? (p.steps as Payload[]) : [];
      state = updatePlan(state, workflowId, (plan) => ({
        ...plan,
        goal: str(p, 'goal') || plan.goal,
        status: 'running',
        steps: steps.map((s) => ({
          stepNumber: num(s, 'step_number'),
          action: str(s, 'action'),
          tool: str(s, 'tool'),
          arguments: args(s.arguments),
          requiresApproval: Boolean(s.requires_approval),
          status: 'pending' as StepStatus,
        })),
      }));
      return addPlanItem(state, seq, workflowId);
    }
    case 'progress':
      return updatePlan(state, workflowId, (plan) => ({ ...plan, percentage: num(p, 'percentage'), stage: str(p, 'stage') }));
    case 'workflow_approval_required': {
      const stepNumber = num(p, 'step_number');
      const approval: ApprovalRequest = { stepNumber, action: str(p, 'action'), details: str(p, 'details'), tool: str(p, 'tool'), arguments: args(p.arguments) };
      return updatePlan(state, workflowId, (plan) =>
        updateStep({ ...plan, status: 'waiting_approval', approval }, stepNumber, (s) => ({ ...s, status: 'waiting_approval', arguments: approval.arguments })),
      );
    }
    case 'workflow_approval': {
      const approved = Boolean(p.approved);
      const stepNumber = num(p, 'step_number');
      return updatePlan(state, workflowId, (plan) =>
        updateStep({ ...plan, status: approved ? 'running' : plan.status, approval: undefined }, stepNumber, (s) => ({
          ...s,
          status: approved ? 'pending' : 'rejected',
          arguments: p.arguments ? { ...s.arguments, ...args(p.arguments) } : s.arguments,
          decidedBy: str(p, 'by'),
        })),
      );
    }
    case 'workflow_step_started':
      return updatePlan(state, workflowId, (plan) => updateStep({ ...plan, status: 'running' }, num(p, 'step_number'), (s) => ({ ...s, status: 'running', action: s.action || str(p, 'action') })));
    case 'workflow_step_completed':
      return updatePlan(state, workflowId, (plan) => updateStep(plan, num(p, 'step_number'), (s) => ({ ...s, status: 'completed', result: str(p, 'result') || s.result })));
    case 'command_execution_start':
      return updatePlan(state, workflowId, (plan) =>
        updateStep(plan, num(p, 'step_number'), (s) => ({ ...s, command: [str(p, 'command'), ...((p.arguments as string[]) ?? [])].join(' ') })),
      );
    case 'command_execution_end':
      return updatePlan(state, workflowId, (plan) =>
        updateStep(plan, num(p, 'step_number'), (s) => ({
          ...s,
          output: str(p, 'output'),
          exitCode: num(p, 'exit_code'),
          durationMs: num(p, 'duration_ms'),
          truncated: Boolean(p.truncated),
          timedOut: Boolean(p.timed_out),
        })),
      );
    case 'tool_code':
      return updatePlan(state, workflowId, (plan) => updateStep(plan, num(p, 'step_number'), (s) => ({ ...s, command: `${str(p, 'tool')}(${Object.entries(args(p.arguments)).map(([k, v]) => `${k}: ${v}`).join(', ')})` })));
    case 'tool_output':
      return updatePlan(state, workflowId, (plan) => updateStep(plan, num(p, 'step_number'), (s) => ({ ...s, output: str(p, 'output') })));
    case 'workflow_completed':
      return updatePlan(state, workflowId, (plan) => ({ ...plan, status: 'completed', percentage: 100, approval: undefined }));
    case 'goal_completed':
      return updatePlan(state, workflowId, (plan) => ({ ...plan, status: 'completed', percentage: 100, summary: str(p, 'summary') }));
    case 'workflow_failed':
      return updatePlan(state, workflowId, (plan) =>
        updateStep({ ...plan, status: 'failed', error: str(p, 'error'), approval: undefined }, num(p, 'failed_step'), (s) => ({ ...s, status: 'failed' })),
      );
    case 'workflow_cancelled':
      return updatePlan(state, workflowId, (plan) => ({
        ...plan,
        status: 'cancelled',
        approval: undefined,
        error: str(p, 'reason') || undefined,
        steps: plan.steps.map((s) => (s.status === 'running' || s.status === 'waiting_approval' ? { ...s, status: 'cancelled' } : s)),
      }));
    case 'rule_sql_generated':
      return updateRule(state, str(p, 'run_id'), str(p, 'rule'), (run) => ({ ...run, text: str(p, 'text'), sql: str(p, 'sql'), translator: str(p, 'translator') }));
    case 'rule_result':
      return updateRule(state, str(p, 'run_id'), str(p, 'rule'), (run) => ({
        ...run,
        result: {
          ruleId: str(p, 'rule_id'),
          rows: num(p, 'rows'),
          view: str(p, 'view'),
          durationMs: num(p, 'duration_ms'),
          columns: Array.isArray(p.columns) ? (p.columns as string[]) : [],
          preview: Array.isArray(p.preview) ? (p.preview as unknown[][]) : [],
        },
      }));
    case 'error': {
      const suggestions = Array.isArray(p.suggestions) ? (p.suggestions as string[]) : [];
      if (p.run_id && p.rule !== undefined) {
        return updateRule(state, str(p, 'run_id'), str(p, 'rule'), (run) => ({ ...run, error: { message: str(p, 'message'), suggestions } }));
      }
      return { ...state, items: [...state.items, { kind: 'error', seq, message: str(p, 'message') || 'Something went wrong.', suggestions }] };
    }
    default:
      return state;
  }
}

export const applyEvents = (state: ThreadState, events: ThreadEvent[]): ThreadState => events.reduce(applyEvent, state);

/** Who the bot is, in words, for its status line. */
export function describeBot(status: string): string {
  switch (status) {
    case 'thinking': return 'Agent is thinking…';
    case 'executing': return 'Agent is working on a plan…';
    case 'waiting_approval': return 'Agent is waiting for your approval';
    case 'error': return 'Agent hit an error';
    case 'offline': return 'Agent is offline: your message is queued and will be answered when it is back';
    default: return 'Agent is idle';
  }
}
